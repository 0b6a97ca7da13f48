import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecisionRecord } from '../audit/decision-record.js';
import { projectRoot } from '../common/project-root.js';
import { compileFactCatalog, takeInFacts } from '../facts/index.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { buildExplanation, ruleInput } from './decision-explanation.js';
import { compileRules, evaluate } from './evaluation/index.js';
import { renderExplanation } from './explanation.printer.js';

const doc = JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', 'ed-triage', '1.1.0.json'), 'utf8')) as RulebookDocument;

async function record(facts: Record<string, unknown>): Promise<DecisionRecord> {
  const intake = takeInFacts(compileFactCatalog(doc.facts), { facts, asOf: new Date('2026-11-21T09:30:00.000Z') });
  const evaluation = await evaluate(compileRules(doc), ruleInput(doc, intake));
  return {
    decisionId: '00000000-0000-4000-8000-000000000000',
    rulebook: { key: doc.key, version: doc.version, contentHash: 'sha256:x' },
    outcome: evaluation.outcome,
    explanation: buildExplanation(doc, intake, evaluation),
    asOf: '2026-11-21T09:30:00.000Z',
    evaluatedAt: '2026-11-21T09:30:00.100Z',
    context: {},
  } as DecisionRecord;
}

describe('renderExplanation', () => {
  const adult = {
    ageYears: 45, respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8, painScore: 2,
    onSupplementalOxygen: false, lifeSavingInterventionRequired: false, highRiskSituation: false, expectedResourceCount: 1,
  };

  it('lists the rules that could fire because a fact is missing, with the unknown condition marked', async () => {
    const text = renderExplanation(await record(adult));
    expect(text).toContain('acuity: null');
    expect(text).toContain('acuityAtLeast: 4');
    expect(text).toMatch(/Rules that could fire if the missing facts were known \(\d+; · = unknown\):/);
    expect(text).toContain('? acuity-1-responds-only-to-pain-or-unresponsive');
    expect(text).toMatch(/· consciousness in \["P","U"\]\s+\(was missing\)/);
    expect(text).toContain('Missing facts: consciousness');
  });

  it('says why NEWS2 was not applied, rounds the age and names units, and shows what fired rules do and why', async () => {
    const child = { ...adult, ageYears: 10.876436781609195, heartRate: 105, temperatureC: 36.84, systolicBp: 101, consciousness: 'A' };
    const text = renderExplanation(await record(child), { rules: doc.rules });
    expect(text).toContain('news2: null (not applied: NEWS2 is not validated under 16 years');
    expect(text).toContain('(NEWS2_NOT_APPLICABLE_UNDER_16)');
    expect(text).toContain('ageYears = 10.88 years [a]');
    expect(text).not.toContain('10.876');
    expect(text).toContain('temperatureC = 36.8 °C [Cel]');
    expect(text).toContain('systolicBp = 101 mmHg [mm[Hg]]');
    expect(text).toContain('heartRate = 105 /min');
    expect(text).toContain('spo2 = 98 %');
    expect(text).toContain('● news2-not-applicable-under-16 (stage 1) → news2 not applied (NEWS2_NOT_APPLICABLE_UNDER_16)');
    const description = doc.rules.find((rule) => rule.name === 'news2-not-applicable-under-16')!.description;
    expect(text).toContain(`    ${description}`);
    expect(text).toMatch(/● danger-zone-heart-rate-over-8-years \(stage 1\) → sets dangerZoneVitals = true/);
    expect(text).toMatch(/reasons:\n {4}- ONE_RESOURCE: /);
    expect(text).not.toContain('"type":');
  });

  it('has no such section when every fact is known', async () => {
    const text = renderExplanation(await record({ ...adult, consciousness: 'A' }));
    expect(text).toContain('acuity: 4');
    expect(text).not.toContain('could fire');
  });
});
