import request from 'supertest';
import type { TestApp } from './test-app.js';

export const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };
export const AUDITOR = { Authorization: 'Bearer dev-auditor' };

/**
 * An adult with NEWS2 8 (RR 26 -> 3, SpO2 90 -> 3, HR 120 -> 2): risk band high, acuity at least 2 (`acuityAtLeast`;
 * `acuity` itself stays null until the triage nurse's answers are sent).
 */
export const HIGH_RISK_ADULT = {
  ageYears: 54, respiratoryRate: 26, spo2: 90, onSupplementalOxygen: false, systolicBp: 120, heartRate: 120, consciousness: 'A', temperatureC: 37.0,
};

/** A well adult: NEWS2 0, risk band low. */
export const WELL_ADULT = {
  ageYears: 40, respiratoryRate: 16, spo2: 98, onSupplementalOxygen: false, systolicBp: 125, heartRate: 70, consciousness: 'A', temperatureC: 36.8,
};

/**
 * Posts a decision through the real API as the workflow engine.
 * @returns the decision response body
 */
export async function decide(t: TestApp, facts: Record<string, unknown>, context: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await request(t.server).post('/v1/decisions').set(ENGINE)
    .send({ rulebook: 'ed-triage', facts, asOf: '2026-11-21T09:30:00.000Z', context, ...extra });
  if (res.status !== 201) throw new Error(`decision failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}
