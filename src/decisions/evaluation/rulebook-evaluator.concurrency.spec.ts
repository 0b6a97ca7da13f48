import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../common/project-root.js';
import type { FactValue, RulebookDocument, RulebookRule } from '../../rulebooks/rulebook.types.js';
import { compileRules } from './rulebook-compiler.js';
import { evaluate } from './rulebook-evaluator.js';

/**
 * json-rules-engine keeps one run status per Engine: overlapping runs of a shared engine silently skip the remaining
 * priority levels of all but the first to finish. These tests start many evaluations at once (one Promise.all) and
 * check every result against an expectation computed independently of the code under test.
 */

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('overlapping evaluations of one compiled rulebook', () => {
  it('600 evaluations of a 10-priority-level rulebook each fire exactly their own rules', async () => {
    // Rule "level-p" (priority p) fires when x >= p, so low-priority levels must run for large x.
    const rules: RulebookRule[] = Array.from({ length: 10 }, (_, i) => ({
      name: `level-${i + 1}`,
      description: `x reaches ${i + 1}`,
      priority: i + 1,
      conditions: { all: [{ fact: 'x', operator: 'greaterThanInclusive', value: i + 1 }] },
      event: { type: 'outcome', params: { add: { levels: i + 1 } } },
    }));
    rules.push({
      name: 'count-in-stage-2', description: 'reads the derived count', stage: 2,
      conditions: { all: [{ fact: 'count', operator: 'greaterThanInclusive', value: 1 }] },
      event: { type: 'outcome', params: { set: { counted: true } } },
    });
    rules.push(...Array.from({ length: 10 }, (_, i): RulebookRule => ({
      name: `points-${i + 1}`, description: 'one point per level reached', priority: i + 1,
      conditions: { all: [{ fact: 'x', operator: 'greaterThanInclusive', value: i + 1 }] },
      event: { type: 'score', params: { score: 'n', parameter: `p${i + 1}`, points: 1 } },
    })));
    const compiled = compileRules({
      key: 'levels', version: '1.0.0', kind: 'triage', title: 't', description: 'd', references: [{ title: 'none' }],
      facts: {
        x: { type: 'integer', description: 'x' },
        count: { type: 'integer', description: 'levels reached', derivedFrom: { score: 'n', value: 'knownTotal' } },
      },
      rules,
      outcome: {
        scores: { n: { description: 'n', requiredFacts: ['x'] } },
        fields: [
          { path: 'levels', hitPolicy: 'COLLECT' },
          { path: 'count', from: { score: 'n', value: 'total' } },
          { path: 'counted', hitPolicy: 'UNIQUE', default: false },
        ],
      },
      scenarios: [],
    });

    const next = random(42);
    const inputs = Array.from({ length: 600 }, () => Math.floor(next() * 12) - 1); // -1 … 10
    expect(inputs.filter((x) => x >= 8).length).toBeGreaterThan(50); // many runs need the lowest priorities
    const results = await Promise.all(inputs.map((x) => evaluate(compiled, { x })));

    results.forEach((result, i) => {
      const x = inputs[i];
      const reached = Math.max(0, Math.min(10, x));
      // priority 10 runs first, so levels are collected from the highest reached down to 1
      const levels = Array.from({ length: reached }, (_, k) => reached - k);
      expect({ x, outcome: result.outcome }).toEqual({ x, outcome: { levels, count: reached, counted: reached >= 1 } });
      expect(result.rules.filter((r) => r.fired).length).toBe(2 * reached + (reached >= 1 ? 1 : 0));
      expect(result.rules.length).toBe(21);
    });
  });

  it('600 ed-triage evaluations with varied vital signs each match the RCP NEWS2 and ESI danger-zone charts', async () => {
    const doc = JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', 'ed-triage', '1.0.0.json'), 'utf8')) as RulebookDocument;
    const compiled = compileRules(doc);
    const next = random(7);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
    const inputs = Array.from({ length: 600 }, (): Record<string, FactValue> => ({
      ageYears: pick([0.1, 0.25, 2, 3, 8, 8.5, 17, 40, 90]),
      respiratoryRate: pick([6, 8, 9, 11, 12, 20, 21, 24, 25, 31, 41, 51, null]),
      heartRate: pick([35, 40, 41, 50, 51, 90, 91, 101, 110, 111, 130, 131, 141, 161, 181, null]),
      spo2: pick([80, 83, 84, 86, 88, 91, 92, 93, 94, 95, 96, 97, 100]),
      systolicBp: pick([85, 90, 91, 100, 101, 110, 111, 219, 220]),
      temperatureC: pick([34.5, 35.0, 35.1, 36.0, 36.1, 38.0, 38.1, 39.0, 39.1]),
      consciousness: pick(['A', 'A', 'A', 'C', 'V', 'P', 'U']),
      onSupplementalOxygen: pick([false, true]),
      spo2Scale2: pick([false, false, true]),
      painScore: pick([0, 5, 8]),
      lifeSavingInterventionRequired: false,
      highRiskSituation: false,
      expectedResourceCount: pick([0, 1, 2, 3]),
    }));
    const results = await Promise.all(inputs.map((facts) => evaluate(compiled, facts)));
    results.forEach((result, i) => {
      const facts = inputs[i];
      expect({ facts, news2: result.outcome.news2, dangerZoneVitals: result.outcome.dangerZoneVitals })
        .toEqual({ facts, news2: expectedNews2(facts), dangerZoneVitals: expectedDangerZone(facts) });
      expect(result.rules.length).toBe(doc.rules.length);
    });
  });
});

/** NEWS2 points per parameter, written from RCP 2017 Chart 1 (independent of the rulebook). */
function news2Points(f: Record<string, FactValue>): Record<string, number> {
  const points: Record<string, number> = {};
  const rr = f.respiratoryRate as number | null;
  if (rr !== null) points.rr = rr <= 8 ? 3 : rr <= 11 ? 1 : rr <= 20 ? 0 : rr <= 24 ? 2 : 3;
  const s = f.spo2 as number;
  const oxygen = f.onSupplementalOxygen === true;
  if (f.spo2Scale2 !== true) points.spo2 = s <= 91 ? 3 : s <= 93 ? 2 : s <= 95 ? 1 : 0;
  else if (s <= 83) points.spo2 = 3;
  else if (s <= 85) points.spo2 = 2;
  else if (s <= 87) points.spo2 = 1;
  else if (s <= 92 || !oxygen) points.spo2 = 0;
  else points.spo2 = s <= 94 ? 1 : s <= 96 ? 2 : 3;
  points.oxygen = oxygen ? 2 : 0;
  const sbp = f.systolicBp as number;
  points.sbp = sbp <= 90 ? 3 : sbp <= 100 ? 2 : sbp <= 110 ? 1 : sbp <= 219 ? 0 : 3;
  const hr = f.heartRate as number | null;
  if (hr !== null) points.hr = hr <= 40 ? 3 : hr <= 50 ? 1 : hr <= 90 ? 0 : hr <= 110 ? 1 : hr <= 130 ? 2 : 3;
  points.acvpu = f.consciousness === 'A' ? 0 : 3;
  const t = f.temperatureC as number;
  points.temp = t <= 35.0 ? 3 : t <= 36.0 ? 1 : t <= 38.0 ? 0 : t <= 39.0 ? 1 : 2;
  return points;
}

function expectedNews2(f: Record<string, FactValue>): unknown {
  if ((f.ageYears as number) < 16) return null;
  const points = Object.values(news2Points(f));
  const known = points.reduce((a, b) => a + b, 0);
  const missing = [f.respiratoryRate === null ? 'respiratoryRate' : null, f.heartRate === null ? 'heartRate' : null]
    .filter((m) => m !== null);
  const score = missing.length === 0 ? known : null;
  let riskBand: string | null = null;
  if (known >= 7) riskBand = 'high';
  else if (score !== null) riskBand = score >= 5 ? 'medium' : Math.max(...points) === 3 ? 'low-medium' : 'low';
  return { score, riskBand, missing };
}

/** ESI v4 Figure 6-1, strict inequalities, bands on exact age (independent of the rulebook). */
function expectedDangerZone(f: Record<string, FactValue>): boolean | null {
  const age = f.ageYears as number;
  const [hrLimit, rrLimit] = age < 0.25 ? [180, 50] : age < 3 ? [160, 40] : age <= 8 ? [140, 30] : [100, 20];
  const hr = f.heartRate as number | null;
  const rr = f.respiratoryRate as number | null;
  if ((f.spo2 as number) < 92 || (hr !== null && hr > hrLimit) || (rr !== null && rr > rrLimit)) return true;
  return hr === null || rr === null ? null : false;
}
