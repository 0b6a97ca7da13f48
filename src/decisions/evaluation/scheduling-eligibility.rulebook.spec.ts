import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../common/project-root.js';
import type { FactValue, RulebookDocument } from '../../rulebooks/rulebook.types.js';
import { compileRules } from './rulebook-compiler.js';
import { evaluate } from './rulebook-evaluator.js';

/** The bundled scheduling-eligibility rulebook: limits at their edges, and no missing fact ever reads as eligible. */
const doc = JSON.parse(
  readFileSync(join(projectRoot(), 'rulebooks', 'scheduling-eligibility', '1.0.0.json'), 'utf8'),
) as RulebookDocument;
const compiled = compileRules(doc);

const telehealth: Record<string, FactValue> = {
  appointmentType: 'telehealth',
  appointmentStart: '2026-05-12T09:00:00.000Z',
  ageYears: 30,
  hasActiveCoverage: true,
  hasReferral: null,
  respiratoryRate: 16,
  heartRate: 72,
  spo2: 97,
  systolicBp: 128,
  temperatureC: 36.9,
};

async function eligible(overrides: Record<string, FactValue>): Promise<unknown> {
  return (await evaluate(compiled, { ...telehealth, ...overrides })).outcome.eligible;
}

describe('telehealth vital-sign limits (NEWS2 Chart 1 bands scoring 0 or 1)', () => {
  it.each([
    ['respiratoryRate', 8, false], ['respiratoryRate', 9, true], ['respiratoryRate', 20, true], ['respiratoryRate', 21, false],
    ['heartRate', 40, false], ['heartRate', 41, true], ['heartRate', 110, true], ['heartRate', 111, false],
    ['spo2', 93, false], ['spo2', 94, true],
    ['systolicBp', 100, false], ['systolicBp', 101, true], ['systolicBp', 219, true], ['systolicBp', 220, false],
    ['temperatureC', 35.0, false], ['temperatureC', 35.1, true], ['temperatureC', 39.0, true], ['temperatureC', 39.1, false],
  ])('%s %p: eligible %p', async (fact, value, expected) => {
    expect(await eligible({ [fact]: value })).toBe(expected);
  });

  it.each([['ageYears', 17.99, false], ['ageYears', 18, true]])('%s %p: eligible %p', async (fact, value, expected) => {
    expect(await eligible({ [fact]: value })).toBe(expected);
  });
});

describe('a missing fact never reads as eligible', () => {
  const complete: Record<string, Record<string, FactValue>> = {
    'primary-care': { appointmentType: 'primary-care', ageYears: 30, hasActiveCoverage: true, hasReferral: null },
    specialist: { appointmentType: 'specialist', ageYears: 30, hasActiveCoverage: true, hasReferral: true },
    procedure: { appointmentType: 'procedure', ageYears: 30, hasActiveCoverage: true, hasReferral: true },
    telehealth,
  };
  const needed: Record<string, string[]> = {
    'primary-care': ['appointmentType', 'hasActiveCoverage'],
    specialist: ['appointmentType', 'hasActiveCoverage', 'hasReferral'],
    procedure: ['appointmentType', 'hasActiveCoverage', 'hasReferral', 'ageYears'],
    telehealth: ['appointmentType', 'hasActiveCoverage', 'ageYears', 'respiratoryRate', 'heartRate', 'spo2', 'systolicBp', 'temperatureC'],
  };
  const cases = Object.entries(needed).flatMap(([type, facts]) => facts.map((fact) => [type, fact] as const));

  it.each(Object.keys(complete))('%s with every needed fact known and met is eligible', async (type) => {
    expect((await evaluate(compiled, complete[type])).outcome).toMatchObject({ eligible: true, requirements: [] });
  });

  it.each(cases)('%s without %s is undecided (null) with a requirement', async (type, fact) => {
    const result = await evaluate(compiled, { ...complete[type], [fact]: null });
    expect(result.outcome.eligible).toBeNull();
    expect((result.outcome.requirements as unknown[]).length).toBeGreaterThan(0);
  });
});
