import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../common/project-root.js';
import type { FactValue, RulebookDocument } from '../../rulebooks/rulebook.types.js';
import { compileRules } from './rulebook-compiler.js';
import { evaluate } from './rulebook-evaluator.js';

/**
 * The bundled ed-triage rulebook against the published charts. Every expected value below is written from
 * RCP NEWS2 (2017) Charts 1-2 and ESI v4 Figure 6-1, not computed by the code under test.
 */
const doc = JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', 'ed-triage', '1.0.0.json'), 'utf8')) as RulebookDocument;
const compiled = compileRules(doc);

/** An alert adult on air whose every NEWS2 parameter scores 0 and who needs one resource. */
const adult: Record<string, FactValue> = {
  ageYears: 40,
  respiratoryRate: 16,
  heartRate: 70,
  spo2: 98,
  systolicBp: 120,
  temperatureC: 37.0,
  painScore: 0,
  consciousness: 'A',
  onSupplementalOxygen: false,
  spo2Scale2: false,
  lifeSavingInterventionRequired: false,
  highRiskSituation: false,
  expectedResourceCount: 1,
};

async function outcome(overrides: Record<string, FactValue>): Promise<Record<string, unknown>> {
  return (await evaluate(compiled, { ...adult, ...overrides })).outcome;
}

async function news2Score(overrides: Record<string, FactValue>): Promise<unknown> {
  return ((await outcome(overrides)).news2 as { score: unknown }).score;
}

describe('NEWS2 parameter scores at every band edge (RCP 2017 Chart 1)', () => {
  it.each([
    [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3],
  ])('respiration rate %p/min scores %p', async (respiratoryRate, points) => {
    expect(await news2Score({ respiratoryRate })).toBe(points);
  });

  it.each([
    [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0],
  ])('SpO2 Scale 1 %p %% on air scores %p', async (spo2, points) => {
    expect(await news2Score({ spo2 })).toBe(points);
  });

  it.each([
    [91, 5], [96, 2],
  ])('SpO2 Scale 1 %p %% on oxygen scores %p with the 2 for oxygen', async (spo2, total) => {
    expect(await news2Score({ spo2, onSupplementalOxygen: true })).toBe(total);
  });

  it.each([
    // on air: 93 % or more scores 0 on Scale 2
    [83, false, 3], [84, false, 2], [85, false, 2], [86, false, 1], [87, false, 1], [88, false, 0], [92, false, 0],
    [93, false, 0], [94, false, 0], [95, false, 0], [96, false, 0], [97, false, 0], [100, false, 0],
    // on oxygen: the SpO2 points plus 2 for oxygen
    [83, true, 5], [84, true, 4], [85, true, 4], [86, true, 3], [87, true, 3], [88, true, 2], [92, true, 2],
    [93, true, 3], [94, true, 3], [95, true, 4], [96, true, 4], [97, true, 5], [100, true, 5],
  ])('SpO2 Scale 2 %p %%, oxygen %p: NEWS2 %p', async (spo2, onSupplementalOxygen, total) => {
    expect(await news2Score({ spo2, onSupplementalOxygen, spo2Scale2: true })).toBe(total);
  });

  it('never scores both SpO2 scales', async () => {
    const result = await evaluate(compiled, { ...adult, spo2: 84, spo2Scale2: true });
    const fired = result.rules.filter((r) => r.fired).map((r) => r.name);
    expect(fired.filter((name) => name.startsWith('news2-spo2'))).toEqual(['news2-spo2-scale-2-2-low']);
    const scale1 = await evaluate(compiled, { ...adult, spo2: 84 });
    expect(scale1.rules.filter((r) => r.fired && r.name.startsWith('news2-spo2')).map((r) => r.name)).toEqual(['news2-spo2-scale-1-3']);
  });

  it.each([
    [false, 0], [true, 2],
  ])('air or oxygen: supplemental oxygen %p scores %p', async (onSupplementalOxygen, points) => {
    expect(await news2Score({ onSupplementalOxygen })).toBe(points);
  });

  it.each([
    [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3],
  ])('systolic BP %p mmHg scores %p', async (systolicBp, points) => {
    expect(await news2Score({ systolicBp })).toBe(points);
  });

  it.each([
    [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3],
  ])('pulse %p/min scores %p', async (heartRate, points) => {
    expect(await news2Score({ heartRate })).toBe(points);
  });

  it.each([
    [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [41.5, 2],
  ])('temperature %p °C scores %p', async (temperatureC, points) => {
    expect(await news2Score({ temperatureC })).toBe(points);
  });

  it.each([
    ['A', 0], ['C', 3], ['V', 3], ['P', 3], ['U', 3],
  ])('consciousness %p scores %p', async (consciousness, points) => {
    expect(await news2Score({ consciousness })).toBe(points);
  });
});

describe('NEWS2 aggregate and risk band (RCP 2017 Chart 2)', () => {
  it.each([
    ['all parameters 0', {}, 0, 'low'],
    ['2 + 2 without a single 3', { respiratoryRate: 21, systolicBp: 95 }, 4, 'low'],
    ['a single 3, aggregate 3', { temperatureC: 35.0 }, 3, 'low-medium'],
    ['a single 3, aggregate 4', { respiratoryRate: 25, heartRate: 95 }, 4, 'low-medium'],
    ['a single 3, aggregate 5', { respiratoryRate: 25, systolicBp: 95 }, 5, 'medium'],
    ['aggregate 6 without a 3', { respiratoryRate: 21, systolicBp: 95, temperatureC: 39.1 }, 6, 'medium'],
    ['aggregate 7', { respiratoryRate: 25, systolicBp: 95, temperatureC: 39.5 }, 7, 'high'],
    ['Scale 2, 97 % on oxygen = 3 + 2', { spo2: 97, spo2Scale2: true, onSupplementalOxygen: true }, 5, 'medium'],
    ['new confusion alone', { consciousness: 'C' }, 3, 'low-medium'],
    ['every parameter at its worst (20)', {
      respiratoryRate: 30, spo2: 85, onSupplementalOxygen: true, systolicBp: 85, heartRate: 140, consciousness: 'U', temperatureC: 34.0,
    }, 20, 'high'],
  ])('%s: score %p, %p', async (_label, overrides, score, riskBand) => {
    expect((await outcome(overrides as Record<string, FactValue>)).news2).toEqual({ score, riskBand, missing: [] });
  });

  it.each([
    ['heart rate missing, 3 known points', { heartRate: null, temperatureC: 35.0 }, null, ['heartRate']],
    ['oxygen and consciousness missing', { onSupplementalOxygen: null, consciousness: null }, null, ['onSupplementalOxygen', 'consciousness']],
    ['4 missing but 8 known points: high is certain', {
      heartRate: null, systolicBp: null, consciousness: null, onSupplementalOxygen: null, respiratoryRate: 30, spo2: 88, temperatureC: 40.0,
    }, 'high', ['onSupplementalOxygen', 'systolicBp', 'heartRate', 'consciousness']],
    ['6 known points, one missing: medium or high, undetermined', { respiratoryRate: 25, systolicBp: 85, heartRate: null }, null, ['heartRate']],
    ['everything missing', {
      respiratoryRate: null, spo2: null, onSupplementalOxygen: null, systolicBp: null, heartRate: null, consciousness: null, temperatureC: null,
    }, null, ['respiratoryRate', 'spo2', 'onSupplementalOxygen', 'systolicBp', 'heartRate', 'consciousness', 'temperatureC']],
  ])('%s: score null, band %p, missing listed', async (_label, overrides, riskBand, missing) => {
    expect((await outcome(overrides as Record<string, FactValue>)).news2).toEqual({ score: null, riskBand, missing });
  });

  it('uses Scale 1 when spo2Scale2 is missing (Scale 2 only when prescribed)', async () => {
    expect(await news2Score({ spo2: 90, spo2Scale2: null })).toBe(3);
  });

  it.each([
    [15.99, null], [0.5, null], [16, { score: 3, riskBand: 'low-medium', missing: [] }], [null, { score: 3, riskBand: 'low-medium', missing: [] }],
  ])('age %p: news2 %p (not validated under 16)', async (ageYears, news2) => {
    expect((await outcome({ ageYears, temperatureC: 35.0 })).news2).toEqual(news2);
  });
});

describe('ESI danger-zone vital signs (ESI v4 Figure 6-1)', () => {
  const normal = { respiratoryRate: 18, heartRate: 90, spo2: 98 };
  it.each([
    // < 3 months: HR > 180, RR > 50
    [0.2499, { heartRate: 180 }, false], [0.2499, { heartRate: 181 }, true],
    [0.2499, { respiratoryRate: 50 }, false], [0.2499, { respiratoryRate: 51 }, true],
    // exactly 3 months belongs to 3 months - 3 years: HR > 160, RR > 40
    [0.25, { heartRate: 160 }, false], [0.25, { heartRate: 161 }, true],
    [0.25, { respiratoryRate: 40 }, false], [0.25, { respiratoryRate: 41 }, true],
    [0.2501, { heartRate: 161 }, true], [0.2501, { respiratoryRate: 40 }, false],
    [2.999, { heartRate: 150 }, false], [2.999, { respiratoryRate: 35 }, false],
    // exactly 3 years belongs to 3 - 8 years: HR > 140, RR > 30
    [3, { heartRate: 150 }, true], [3, { heartRate: 140 }, false], [3, { heartRate: 141 }, true],
    [3, { respiratoryRate: 35 }, true], [3, { respiratoryRate: 30 }, false], [3, { respiratoryRate: 31 }, true],
    [3.001, { heartRate: 141 }, true], [3.001, { respiratoryRate: 30 }, false],
    // exactly 8 years still belongs to 3 - 8 years
    [7.999, { heartRate: 141 }, true], [8, { heartRate: 140 }, false], [8, { heartRate: 141 }, true],
    [8, { heartRate: 120 }, false], [8, { respiratoryRate: 25 }, false], [8, { respiratoryRate: 31 }, true],
    // > 8 years: HR > 100, RR > 20
    [8.001, { heartRate: 100 }, false], [8.001, { heartRate: 101 }, true],
    [8.001, { respiratoryRate: 20 }, false], [8.001, { respiratoryRate: 21 }, true],
    [40, { heartRate: 100 }, false], [40, { heartRate: 101 }, true], [40, { respiratoryRate: 20 }, false], [40, { respiratoryRate: 21 }, true],
    // SpO2 < 92 at every age
    [0.1, { spo2: 91 }, true], [0.1, { spo2: 92 }, false], [5, { spo2: 91 }, true], [5, { spo2: 92 }, false],
    [40, { spo2: 91 }, true], [40, { spo2: 92 }, false],
  ])('age %p with %p: %p', async (ageYears, vitals, dangerZoneVitals) => {
    expect((await outcome({ ageYears, ...normal, ...vitals })).dangerZoneVitals).toBe(dangerZoneVitals);
  });

  it.each([
    ['age unknown, vitals normal', { ageYears: null }, null],
    ['age unknown, SpO2 91 (any age)', { ageYears: null, spo2: 91 }, true],
    ['heart rate unknown', { heartRate: null }, null],
    ['respiratory rate unknown', { respiratoryRate: null }, null],
    ['SpO2 unknown', { spo2: null }, null],
    ['heart rate unknown but respiratory rate 25', { heartRate: null, respiratoryRate: 25 }, true],
    ['everything known and normal', {}, false],
  ])('%s: %p (null, not false, when it cannot be decided)', async (_label, overrides, dangerZoneVitals) => {
    expect((await outcome({ ...normal, ...overrides } as Record<string, FactValue>)).dangerZoneVitals).toBe(dangerZoneVitals);
  });
});

describe('acuity (modelled on ESI v4 decision points A-D, with NEWS2 floors)', () => {
  it.each([
    ['one resource', {}, 4],
    ['no resources', { expectedResourceCount: 0 }, 5],
    ['two resources', { expectedResourceCount: 2 }, 3],
    ['A: life-saving intervention', { lifeSavingInterventionRequired: true }, 1],
    ['A: responds to pain only', { consciousness: 'P' }, 1],
    ['A: unresponsive', { consciousness: 'U', lifeSavingInterventionRequired: null }, 1],
    ['B: high-risk situation', { highRiskSituation: true, expectedResourceCount: 0 }, 2],
    ['B: new confusion', { consciousness: 'C' }, 2],
    ['B: voice only', { consciousness: 'V' }, 2],
    ['NEWS2 high, no resources', { respiratoryRate: 25, systolicBp: 95, temperatureC: 39.5, expectedResourceCount: 0 }, 2],
    ['NEWS2 high known from a partial set', { respiratoryRate: 30, spo2: 88, temperatureC: 40.0, heartRate: null, consciousness: null }, 2],
    ['NEWS2 medium, no resources', { respiratoryRate: 25, systolicBp: 95, expectedResourceCount: 0 }, 3],
    ['NEWS2 low-medium, one resource', { temperatureC: 35.0 }, 3],
    ['D: danger zone with two resources', { heartRate: 105, expectedResourceCount: 2 }, 2],
    ['D does not apply with one resource', { heartRate: 105 }, 4],
    ['D does not apply with no resources', { spo2: 91, expectedResourceCount: 0 }, 3], // SpO2 91 is NEWS2 3: floor 3
    ['pain 9/10 alone does not make level 2', { painScore: 9 }, 4],
    ['life-saving answer missing', { lifeSavingInterventionRequired: null }, null],
    ['high-risk answer missing', { highRiskSituation: null }, null],
    ['consciousness missing', { consciousness: null }, null],
    ['resource count missing', { expectedResourceCount: null }, null],
    ['two resources, danger zone undecidable', { heartRate: null, expectedResourceCount: 2 }, null],
    ['one resource, danger zone undecidable', { heartRate: null }, 4],
    ['a child: NEWS2 does not apply, vitals normal for age', { ageYears: 5, respiratoryRate: 28, heartRate: 130 }, 4],
  ])('%s: acuity %p', async (_label, overrides, acuity) => {
    expect((await outcome(overrides as Record<string, FactValue>)).acuity).toBe(acuity);
  });

  it('explains the acuity with coded reasons in evaluation order (priority, then file order)', async () => {
    const result = await outcome({ consciousness: 'U', heartRate: 38, lifeSavingInterventionRequired: true, painScore: 8, expectedResourceCount: 3 });
    expect(result.acuity).toBe(1);
    expect((result.reasons as { code: string }[]).map((r) => r.code)).toEqual([
      'LIFE_SAVING_INTERVENTION', 'UNRESPONSIVE', 'TWO_OR_MORE_RESOURCES', 'NEWS2_URGENT', 'SEVERE_PAIN_REPORTED',
    ]);
  });

  it('is never less urgent than 2 when NEWS2 is high or consciousness is P or U, whatever else is known', async () => {
    const variants: Record<string, FactValue>[] = [];
    for (const expectedResourceCount of [0, 1, 2, null]) {
      for (const lifeSavingInterventionRequired of [false, null]) {
        for (const highRiskSituation of [false, null]) {
          variants.push({ expectedResourceCount, lifeSavingInterventionRequired, highRiskSituation });
        }
      }
    }
    for (const variant of variants) {
      const severeFindings: Record<string, FactValue>[] = [
        { consciousness: 'P' }, { consciousness: 'U' }, { respiratoryRate: 25, systolicBp: 85, temperatureC: 39.5 },
      ];
      for (const severe of severeFindings) {
        const acuity = (await outcome({ ...variant, ...severe })).acuity;
        expect({ variant, severe, urgentEnough: acuity === 1 || acuity === 2 }).toEqual({ variant, severe, urgentEnough: true });
      }
    }
  });
});

describe('explanation', () => {
  it('lists all rules in evaluation order with the contract shape', async () => {
    const result = await evaluate(compiled, { ...adult, respiratoryRate: 26 });
    expect(result.rules).toHaveLength(doc.rules.length);
    const keys = result.rules.map((r) => [r.stage, -r.priority]);
    expect(keys).toEqual([...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(result.rules.find((r) => r.name === 'news2-respiratory-rate-3-high')).toEqual({
      name: 'news2-respiratory-rate-3-high',
      stage: 1,
      priority: 2,
      fired: true,
      event: { type: 'score', params: { score: 'news2', parameter: 'respiratoryRate', points: 3 } },
      conditions: { all: [{ fact: 'respiratoryRate', operator: 'greaterThan', value: 24, factValue: 26, result: true }], result: true },
    });
    expect(result.derivedFacts).toEqual({
      news2Total: 3, news2KnownTotal: 3, news2MaxPoints: 3, news2Complete: true, news2RiskBand: 'low-medium', dangerZoneVitals: true,
    });
  });
});
