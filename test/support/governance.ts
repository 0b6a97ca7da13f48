import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import type { RulebookDocument } from '../../src/rulebooks/rulebook.types.js';

/** The contract's demo tokens, as headers. */
export const AUTHOR = { Authorization: 'Bearer dev-author' };
export const AUTHOR_2 = { Authorization: 'Bearer dev-author-2' };
export const APPROVER = { Authorization: 'Bearer dev-approver' };
export const APPROVER_2 = { Authorization: 'Bearer dev-approver-2' };
/** The clinical safety officer: `rulebook:approve` and `safety:approve`. */
export const SAFETY_OFFICER = { Authorization: 'Bearer dev-safety-officer' };
export const AUDITOR = { Authorization: 'Bearer dev-auditor' };
export const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };
/** A workflow engine that may also name a version other than the one in force, or a future `asOf` (`decision:pin-version`). */
export const PINNING_ENGINE = { Authorization: 'Bearer dev-pinning-engine' };
/** A person who both authors and approves (`rulebook:author`, `rulebook:approve`), never the same version. */
export const CLINICAL_LEAD = { Authorization: 'Bearer dev-clinical-lead' };
/** The operator: `metrics:read` only. */
export const OPERATOR = { Authorization: 'Bearer dev-operator' };

/** A bundled rulebook file as parsed JSON (a fresh copy each call). */
export function bundled(key: string, version = '1.1.0'): RulebookDocument {
  return JSON.parse(readFileSync(resolve('rulebooks', key, `${version}.json`), 'utf8')) as RulebookDocument;
}

/**
 * ed-triage (the latest bundled version, 1.1.0) with a stricter respiratory-rate threshold: NEWS2 3 points from 23/min
 * (RCP 2017: from 25/min), 2 points for 21-22/min, and a scenario for 23/min. A governance test change, not a clinical
 * recommendation.
 * @param version the semantic version the copy gets (`document.version`)
 * @returns a fresh rulebook document that passes the quality gate
 */
export function stricterTriage(version: string): RulebookDocument {
  const doc = bundled('ed-triage');
  doc.version = version;
  const two = doc.rules.find((r) => r.name === 'news2-respiratory-rate-2-high')!;
  (two.conditions as { all: { value: number }[] }).all[1].value = 22;
  two.description = 'Respiration rate 21-22/min scores 2 (local variant: RCP 2017 NEWS2 uses 21-24/min).';
  const three = doc.rules.find((r) => r.name === 'news2-respiratory-rate-3-high')!;
  (three.conditions as { all: { value: number }[] }).all[0].value = 22;
  three.description = 'Respiration rate 23/min or more scores 3 (local variant: RCP 2017 NEWS2 uses 25/min or more).';
  doc.scenarios.push({
    name: 'adult-rr-23-scores-3',
    description: 'Adult, RR 23/min, everything else normal, one resource: 3 points in a single parameter, low-medium, so acuity 3 '
      + '(NEWS2 floor) instead of 4; RR above 20 is also a danger-zone vital sign, and with one resource a clinician review is asked for.',
    asOf: '2026-03-01T10:00:00.000Z',
    facts: { ...NORMAL_ADULT, respiratoryRate: 23 },
    expect: {
      acuity: 3, acuityAtLeast: 3, dangerZoneVitals: true,
      news2: { score: 3, riskBand: 'low-medium', riskBandAtLeast: 'low-medium', missing: [] },
    },
    expectFired: ['news2-respiratory-rate-3-high', 'news2-risk-low-medium', 'acuity-3-news2-medium-or-low-medium', 'danger-zone-vitals-clinician-review'],
  });
  return doc;
}

/** An adult with every NEWS2 parameter scoring 0, alert, one resource expected (acuity 4 on ed-triage 1.1.0). */
export const NORMAL_ADULT = {
  ageYears: 45, respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8, painScore: 2,
  consciousness: 'A', onSupplementalOxygen: false, spo2Scale2: false, lifeSavingInterventionRequired: false,
  highRiskSituation: false, expectedResourceCount: 1,
};

/** `/v1/rulebooks/{key}/versions/{version}` and its actions. */
export const versionPath = (key: string, version: string, action?: string): string =>
  `/v1/rulebooks/${key}/versions/${version}${action ? `/${action}` : ''}`;

/**
 * Takes a version through the workflow to `approved`: copy of `from` (or `document`), submitted by dev-author-2,
 * approved by dev-approver and, when the kind needs two, dev-approver-2; when the kind needs a clinical safety
 * officer's approval (triage), dev-safety-officer gives the last of them instead.
 * @returns the approved version as the API shows it
 */
export async function approvedVersion(server: import('node:http').Server, key: string, version: string,
  source: { copyOf: string } | { document: RulebookDocument }): Promise<{ contentHash: string; status: string; approvalsRequired: number; safetyApprovalsRequired: number }> {
  const body = 'copyOf' in source ? { copyOf: source.copyOf, version } : source.document;
  await request(server).post(`/v1/rulebooks/${key}/versions`).set(AUTHOR_2).send(body).expect(201);
  const submitted = await request(server).post(versionPath(key, version, 'submit')).set(AUTHOR_2).send({}).expect(200);
  const { approvalsRequired, safetyApprovalsRequired } = submitted.body as { approvalsRequired: number; safetyApprovalsRequired: number };
  if (safetyApprovalsRequired > 1) throw new Error('approvedVersion: the demo tokens hold one clinical safety officer');
  const ordinary = [APPROVER, APPROVER_2].slice(0, Math.max(0, approvalsRequired - safetyApprovalsRequired));
  let last = submitted;
  for (const approver of [...ordinary, ...(safetyApprovalsRequired > 0 ? [SAFETY_OFFICER] : [])]) {
    last = await request(server).post(versionPath(key, version, 'approve')).set(approver).send({ contentHash: submitted.body.contentHash }).expect(200);
  }
  return last.body;
}
