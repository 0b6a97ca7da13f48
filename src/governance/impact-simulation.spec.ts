import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { outcomePaths, outcomeValue } from '../rulebooks/rulebook-outcome-paths.js';
import { ImpactSimulation, replayFacts, type StoredFact } from './impact-simulation.js';

const triage = (): RulebookDocument =>
  JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', 'ed-triage', '1.0.0.json'), 'utf8')) as RulebookDocument;

describe('replayFacts', () => {
  const stored: StoredFact[] = [
    { name: 'respiratoryRate', value: 23, unit: '/min', source: 'request' },
    { name: 'temperatureC', value: 38.4, unit: 'Cel', source: 'fhir' },
    { name: 'spo2Scale2', value: false, unit: null, source: 'default' },
    { name: 'news2Total', value: 2, unit: null, source: 'derived' },
    { name: 'consciousness', value: null, unit: null, source: 'missing' },
    { name: 'retiredFact', value: 1, unit: null, source: 'request' },
  ];

  it('replays the recorded request and FHIR facts the candidate takes in; defaults, derived, missing and unknown facts are left to it', () => {
    expect(replayFacts(triage(), stored)).toEqual({ respiratoryRate: 23, temperatureC: 38.4 });
  });

  it('keeps the recorded unit when the candidate changed the unit, so the value is converted', () => {
    const candidate = triage();
    candidate.facts.temperatureC = { ...candidate.facts.temperatureC, unit: '[degF]', range: { min: 50, max: 115 } };
    expect(replayFacts(candidate, stored).temperatureC).toEqual({ value: 38.4, unit: 'Cel' });
  });
});

describe('outcomeValue', () => {
  it.each([
    [{ news2: { score: 3 } }, 'news2.score', 3],
    [{ news2: null }, 'news2.score', null],
    [{ acuity: 2 }, 'news2.riskBand', undefined],
    [{ reasons: [] }, 'reasons', []],
  ])('reads %j at %s', (outcome, path, expected) => {
    expect(outcomeValue(outcome, path)).toEqual(expected);
  });
});

describe('ImpactSimulation', () => {
  it('counts a removed outcome field as changed, and a removed rule that had fired as "stops firing"', async () => {
    const candidate = triage();
    candidate.outcome.fields = candidate.outcome.fields.filter((f) => f.path !== 'dangerZoneVitals');
    candidate.facts = Object.fromEntries(Object.entries(candidate.facts).filter(([name]) => name !== 'dangerZoneVitals'));
    candidate.rules = candidate.rules.filter((r) => !(r.event.type === 'outcome' && r.event.params.set && 'dangerZoneVitals' in r.event.params.set)
      && !JSON.stringify(r.conditions).includes('dangerZoneVitals'));
    const oldFields = triage().outcome.fields.map((f) => f.path);
    const simulation = new ImpactSimulation(candidate, () => oldFields, 2);
    await simulation.add({
      id: 'd-1', version: '1.0.0', asOf: new Date('2026-01-01T00:00:00Z'),
      outcome: { acuity: 4, news2: { score: 0, riskBand: 'low', missing: [] }, dangerZoneVitals: false, reasons: [{ code: 'ONE_RESOURCE', text: 'Decision point C: one resource expected.' }] },
      facts: Object.entries({ ageYears: 45, respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8, consciousness: 'A',
        onSupplementalOxygen: false, lifeSavingInterventionRequired: false, highRiskSituation: false, expectedResourceCount: 1 })
        .map(([name, value]) => ({ name, value, unit: null, source: 'request' as const })),
      fired: new Map([['news2-risk-low', true], ['acuity-4-one-resource', true], ['acuity-2-danger-zone-vitals', false], ['danger-zone-spo2-below-92', true]]),
    });
    const report = simulation.report({ rulebook: { key: 'ed-triage', version: '2.0.0', contentHash: 'sha256:x' }, window: { from: null, to: null, last: 1 }, truncated: false });
    expect(report).toMatchObject({ decisions: 1, outcomeChanged: 1, unchanged: 0, refused: 0, failed: 0 });
    expect(report.byField.find((f) => f.field === 'dangerZoneVitals')).toEqual({ field: 'dangerZoneVitals', changed: 1, examples: [{ decisionId: 'd-1', before: false, after: null }] });
    expect(report.byField.find((f) => f.field === 'acuity')?.changed).toBe(0);
    expect(report.byRule).toEqual([{ rule: 'danger-zone-spo2-below-92', nowFires: 0, stopsFiring: 1, examples: [{ decisionId: 'd-1', firedBefore: true, firedAfter: false }] }]);
  });
});

describe('ImpactSimulation with floors and undetermined fields (Kleene-logic rulebooks)', () => {
  const triage110 = (): RulebookDocument =>
    JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', 'ed-triage', '1.1.0.json'), 'utf8')) as RulebookDocument;

  it('counts a change of the floor alone (acuity undetermined before and after, at least 4 before, at least 3 after)', async () => {
    const candidate = triage110();
    const rule = candidate.rules.find((r) => r.name === 'acuity-4-one-resource')!;
    (rule.event as { params: { set: Record<string, unknown> } }).params.set = { acuity: 3 };
    const facts = { ageYears: 45, respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8,
      onSupplementalOxygen: false, lifeSavingInterventionRequired: false, highRiskSituation: false, expectedResourceCount: 1 };
    const simulation = new ImpactSimulation(candidate, () => outcomePaths(triage110()), 2);
    await simulation.add({
      id: 'd-1', version: '1.1.0', asOf: new Date('2026-01-01T00:00:00Z'),
      outcome: { acuity: null, acuityAtLeast: 4, news2: { score: null, riskBand: null, riskBandAtLeast: null, missing: ['consciousness'] },
        dangerZoneVitals: false, reasons: [], undetermined: { acuity: ['consciousness'], 'news2.riskBand': ['consciousness'] } },
      facts: Object.entries(facts).map(([name, value]) => ({ name, value, unit: null, source: 'request' as const })),
      fired: new Map(),
    });
    const report = simulation.report({ rulebook: { key: 'ed-triage', version: '1.2.0', contentHash: 'sha256:x' }, window: { from: null, to: null, last: 1 }, truncated: false });
    expect(report.outcomeChanged).toBe(1);
    expect(JSON.stringify(report)).toContain('acuityAtLeast');
  });

  it('lists the floors and the undetermined path among the outcome paths', () => {
    expect(outcomePaths(triage110())).toEqual(expect.arrayContaining(['acuity', 'acuityAtLeast', 'news2.riskBandAtLeast', 'undetermined']));
  });
});
