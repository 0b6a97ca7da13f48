import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../common/project-root.js';
import type { ConditionNode, OutcomeField, RulebookDocument, RulebookRule, TopLevelCondition } from '../../rulebooks/rulebook.types.js';
import { checkRulebookStructure } from '../rulebook-quality-gate.js';
import { analyzeRulebookStatically } from './rulebook-static-analysis.js';

type Leaf = { fact: string; operator: string; value: unknown };
const leaf = (fact: string, operator: string, value: unknown): Leaf => ({ fact, operator, value });
const all = (...children: ConditionNode[]): TopLevelCondition => ({ all: children });

/** A rule scoring `parameter` of score "s". */
const band = (name: string, parameter: string, points: number, conditions: TopLevelCondition): RulebookRule =>
  ({ name, description: name, conditions, event: { type: 'score', params: { score: 's', parameter, points } } });

/** A rule setting outcome field `path` to `value`. */
const setter = (name: string, path: string, value: unknown, conditions: TopLevelCondition, stage = 1): RulebookRule =>
  ({ name, description: name, stage, conditions, event: { type: 'outcome', params: { set: { [path]: value } } } });

/** A small rulebook with facts of every kind the analysis knows, score "s" and the given rules and extra fields. */
function rulebook(rules: RulebookRule[], fields: OutcomeField[] = [], logic?: 'kleene'): RulebookDocument {
  return {
    key: 'static-analysis-test', version: '1.0.0', kind: 'triage', title: 't', description: 't', references: [],
    facts: {
      respiratoryRate: { type: 'integer', precision: 0, unit: '/min', range: { min: 0, max: 150 }, description: 'RR' },
      temperatureC: { type: 'number', precision: 1, unit: 'Cel', range: { min: 10, max: 47 }, description: 'T' },
      ageYears: { type: 'number', unit: 'a', range: { min: 0, max: 150 }, description: 'age, full precision' },
      consciousness: { type: 'string', allowedValues: ['A', 'C', 'V', 'P', 'U'], description: 'ACVPU' },
      onOxygen: { type: 'boolean', description: 'on oxygen' },
      sTotal: { type: 'integer', derivedFrom: { score: 's', value: 'total' }, description: 'total' },
      sKnownTotal: { type: 'integer', derivedFrom: { score: 's', value: 'knownTotal' }, description: 'known total' },
    },
    rules,
    outcome: {
      ...(logic ? { missingFactLogic: logic } : {}),
      scores: { s: { description: 's', requiredFacts: ['respiratoryRate', 'temperatureC'] } },
      fields: [{ path: 's.total', from: { score: 's', value: 'total' } }, ...fields],
    },
    scenarios: [],
  };
}

const RESPIRATORY_BANDS = [
  band('rr-3-low', 'rr', 3, all(leaf('respiratoryRate', 'lessThanInclusive', 8))),
  band('rr-1-low', 'rr', 1, all(leaf('respiratoryRate', 'greaterThan', 8), leaf('respiratoryRate', 'lessThanInclusive', 11))),
  band('rr-2-high', 'rr', 2, all(leaf('respiratoryRate', 'greaterThan', 20), leaf('respiratoryRate', 'lessThanInclusive', 24))),
  band('rr-3-high', 'rr', 3, all(leaf('respiratoryRate', 'greaterThan', 24))),
];

const TEMPERATURE_BANDS = [
  band('t-3-low', 't', 3, all(leaf('temperatureC', 'lessThanInclusive', 35))),
  band('t-1-low', 't', 1, all(leaf('temperatureC', 'greaterThan', 35), leaf('temperatureC', 'lessThanInclusive', 36))),
  band('t-1-high', 't', 1, all(leaf('temperatureC', 'greaterThan', 38), leaf('temperatureC', 'lessThanInclusive', 39))),
  band('t-2-high', 't', 2, all(leaf('temperatureC', 'greaterThan', 39))),
];

/** `rules` with the condition of rule `name` replaced. */
function withConditions(rules: RulebookRule[], name: string, conditions: TopLevelCondition): RulebookRule[] {
  return rules.map((rule) => (rule.name === name ? { ...rule, conditions } : rule));
}

describe('analyzeRulebookStatically', () => {
  describe('overlapping bands of one score parameter', () => {
    it('finds nothing in bands written gap-free (> 8 and <= 11, then > 11 …)', () => {
      expect(analyzeRulebookStatically(rulebook([...RESPIRATORY_BANDS, ...TEMPERATURE_BANDS]))).toEqual([]);
    });

    it('names both rules, the fact and the exact overlap on an integer fact, at the later rule', () => {
      const rules = withConditions(RESPIRATORY_BANDS, 'rr-3-high', all(leaf('respiratoryRate', 'greaterThanInclusive', 24)));
      expect(analyzeRulebookStatically(rulebook(rules))).toEqual([{
        pointer: '/rules/3',
        message: 'rules "rr-2-high" and "rr-3-high" both score s.rr for respiratoryRate in [24, 24]: a parameter scores at most ' +
          'once, so a decision on such input fails (RULEBOOK_DEFECT); make the bands exclusive',
      }]);
    });

    it('gives the overlap of a 0.1-precision fact on its grid', () => {
      const rules = withConditions(TEMPERATURE_BANDS, 't-1-high', all(leaf('temperatureC', 'greaterThanInclusive', 37.95), leaf('temperatureC', 'lessThanInclusive', 39)));
      const rules2 = withConditions(rules, 't-2-high', all(leaf('temperatureC', 'greaterThanInclusive', 38.9)));
      expect(analyzeRulebookStatically(rulebook(rules2))).toEqual([
        { pointer: '/rules/3', message: expect.stringMatching(/^rules "t-1-high" and "t-2-high" both score s\.t for temperatureC in \[38\.9, 39\.0\]: /) },
      ]);
    });

    it('reads integer bounds on the integer grid: "> 24" and ">= 25" are the same band, "> 24.5" too', () => {
      for (const bound of [leaf('respiratoryRate', 'greaterThanInclusive', 25), leaf('respiratoryRate', 'greaterThan', 24.5)]) {
        expect(analyzeRulebookStatically(rulebook(withConditions(RESPIRATORY_BANDS, 'rr-3-high', all(bound))))).toEqual([]);
      }
    });

    it('follows any/not through to the overlap, and ignores rules of other parameters', () => {
      const rules = [
        ...RESPIRATORY_BANDS,
        band('rr-extreme', 'rr', 3, { any: [leaf('respiratoryRate', 'lessThan', 5), { not: leaf('respiratoryRate', 'lessThanInclusive', 40) }] }),
        band('oxygen', 'oxygen', 2, all(leaf('onOxygen', 'equal', true))),
      ];
      const problems = analyzeRulebookStatically(rulebook(rules));
      expect(problems.map((p) => p.message.split(':')[0])).toEqual([
        'rules "rr-3-low" and "rr-extreme" both score s.rr for respiratoryRate in [0, 4]',
        'rules "rr-3-high" and "rr-extreme" both score s.rr for respiratoryRate in [41, 150]',
      ]);
      expect(problems.every((p) => p.pointer === '/rules/4')).toBe(true);
    });

    it('names every overlapping range of a fact, not only the first', () => {
      const rules = [
        band('rr-extreme', 'rr', 3, { any: [leaf('respiratoryRate', 'lessThan', 5), leaf('respiratoryRate', 'greaterThan', 40)] }),
        band('rr-up-to-50', 'rr', 1, all(leaf('respiratoryRate', 'lessThanInclusive', 50))),
      ];
      expect(analyzeRulebookStatically(rulebook(rules))).toEqual([
        { pointer: '/rules/1', message: expect.stringContaining('both score s.rr for respiratoryRate in [0, 4] ∪ [41, 50]: ') },
      ]);
    });

    it('finds overlaps that exist only for a missing fact, as json-rules-engine evaluates them (two-valued)', () => {
      const rules = [
        band('rr-not-high', 'rr', 1, { not: leaf('respiratoryRate', 'greaterThan', 20) }),
        band('rr-unknown', 'rr', 3, all(leaf('respiratoryRate', 'equal', null))),
      ];
      expect(analyzeRulebookStatically(rulebook(rules))).toEqual([
        { pointer: '/rules/1', message: expect.stringContaining('both score s.rr for respiratoryRate missing') },
      ]);
      // Under Kleene logic "not (RR > 20)" is unknown, not true, on a missing RR: that rule does not fire then.
      expect(analyzeRulebookStatically(rulebook(rules, [], 'kleene'))).toEqual([]);
    });

    it('reports nothing about a rule it cannot analyse (a comparison with another fact)', () => {
      const rules = withConditions(RESPIRATORY_BANDS, 'rr-3-high', all({ fact: 'respiratoryRate', operator: 'greaterThanInclusive', value: { fact: 'respiratoryRate' } } as ConditionNode));
      expect(analyzeRulebookStatically(rulebook(rules))).toEqual([]);
    });
  });

  describe('UNIQUE outcome fields', () => {
    const band = { path: 'band', hitPolicy: 'UNIQUE', default: null } as OutcomeField;

    it('finds two rules setting different values on overlapping input, not rules agreeing', () => {
      const rules = [
        setter('band-high', 'band', 'high', all(leaf('sKnownTotal', 'greaterThanInclusive', 5)), 2),
        setter('band-medium', 'band', 'medium', all(leaf('sTotal', 'greaterThanInclusive', 3)), 2),
        setter('band-medium-again', 'band', 'medium', all(leaf('sTotal', 'equal', 4)), 2),
        setter('band-low', 'band', 'low', all(leaf('sTotal', 'lessThanInclusive', 2)), 2),
        ...RESPIRATORY_BANDS, ...TEMPERATURE_BANDS,
      ];
      // total >= 3 needs a complete score, whose total is the known total: 5 or more sets both "high" and "medium".
      expect(analyzeRulebookStatically(rulebook(rules, [band]))).toEqual([{
        pointer: '/rules/1',
        message: 'rules "band-high" and "band-medium" set outcome field "band" (hit policy UNIQUE) to different values, "high" and ' +
          '"medium", for s knownTotal in [5, 6] and s complete = true: a decision on such input fails (RULEBOOK_DEFECT); make their conditions exclusive',
      }]);
    });

    it('reads a score total as the known total of a complete score: exclusive total bands are not an overlap', () => {
      const rules = [
        setter('band-high', 'band', 'high', all(leaf('sKnownTotal', 'greaterThanInclusive', 5)), 2),
        setter('band-medium', 'band', 'medium', all(leaf('sTotal', 'greaterThanInclusive', 3), leaf('sTotal', 'lessThanInclusive', 4)), 2),
        setter('band-unknown', 'band', 'unknown', all(leaf('sTotal', 'equal', null), leaf('sKnownTotal', 'lessThan', 5)), 2),
        ...RESPIRATORY_BANDS, ...TEMPERATURE_BANDS,
      ];
      expect(analyzeRulebookStatically(rulebook(rules, [band]))).toEqual([]);
    });
  });

  describe('boundary gaps', () => {
    it('finds a one-value gap on an integer fact ("< 11" and "> 11")', () => {
      const rules = withConditions(RESPIRATORY_BANDS, 'rr-1-low', all(leaf('respiratoryRate', 'greaterThan', 8), leaf('respiratoryRate', 'lessThan', 11)));
      const shifted = [...rules, band('rr-1-mid', 'rr', 1, all(leaf('respiratoryRate', 'greaterThan', 11), leaf('respiratoryRate', 'lessThanInclusive', 13)))];
      expect(analyzeRulebookStatically(rulebook(shifted))).toEqual([{
        pointer: '/rules/4',
        message: expect.stringMatching(/^rules "rr-1-low" and "rr-1-mid" leave respiratoryRate in \[11, 11\] uncovered between their bands, where no rule scores s\.rr: .*typo/),
      }]);
    });

    it('finds a one-step gap at precision 1 ("<= 35.0" and "> 35.1")', () => {
      const rules = withConditions(TEMPERATURE_BANDS, 't-1-low', all(leaf('temperatureC', 'greaterThan', 35.1), leaf('temperatureC', 'lessThanInclusive', 36)));
      expect(analyzeRulebookStatically(rulebook(rules))).toEqual([{
        pointer: '/rules/1',
        message: expect.stringContaining('rules "t-3-low" and "t-1-low" leave temperatureC in [35.1, 35.1] uncovered between their bands'),
      }]);
    });

    it('finds a single uncovered point on a fact kept at full precision, not a band that meets', () => {
      const under = band('age-under', 'age', 1, all(leaf('ageYears', 'lessThan', 0.25)));
      expect(analyzeRulebookStatically(rulebook([under, band('age-over', 'age', 2, all(leaf('ageYears', 'greaterThan', 0.25)))]))).toEqual([
        { pointer: '/rules/1', message: expect.stringContaining('leave ageYears in [0.25, 0.25] uncovered') },
      ]);
      expect(analyzeRulebookStatically(rulebook([under, band('age-from', 'age', 2, all(leaf('ageYears', 'greaterThanInclusive', 0.25)))]))).toEqual([]);
    });

    it('does not report wider uncovered ranges (a 0-point band written as no rule), nor a gap another rule covers', () => {
      const twoValues = withConditions(RESPIRATORY_BANDS, 'rr-1-low', all(leaf('respiratoryRate', 'greaterThan', 8), leaf('respiratoryRate', 'lessThan', 10)));
      const shifted = [...twoValues, band('rr-1-mid', 'rr', 1, all(leaf('respiratoryRate', 'greaterThan', 11), leaf('respiratoryRate', 'lessThanInclusive', 13)))];
      expect(analyzeRulebookStatically(rulebook(shifted))).toEqual([]);
      const covered = withConditions(RESPIRATORY_BANDS, 'rr-1-low', all(leaf('respiratoryRate', 'greaterThan', 8), leaf('respiratoryRate', 'lessThan', 11)));
      expect(analyzeRulebookStatically(rulebook([...covered, band('rr-1-eleven', 'rr', 1, all(leaf('respiratoryRate', 'equal', 11)))]))).toEqual([]);
    });

    it('compares bands only where their other conditions can hold together', () => {
      const rules = [
        band('on-air-low', 'rr', 1, all(leaf('onOxygen', 'equal', false), leaf('respiratoryRate', 'lessThan', 11))),
        band('on-oxygen-high', 'rr', 2, all(leaf('onOxygen', 'equal', true), leaf('respiratoryRate', 'greaterThan', 11))),
      ];
      expect(analyzeRulebookStatically(rulebook(rules))).toEqual([]);
    });
  });

  describe('unreachable rules', () => {
    it.each([
      ['a value outside the range', all(leaf('respiratoryRate', 'greaterThan', 150)), '/rules/0/conditions/all/0',
        /^rule "never" can never fire: no input satisfies its conditions: "respiratoryRate greaterThan 150" never holds: respiratoryRate takes values in \[0, 150\] \(\/min\) in steps of 1$/],
      ['a value off the precision grid', all(leaf('temperatureC', 'equal', 37.05)), '/rules/0/conditions/all/0', /in steps of 0\.1$/],
      ['an empty "in" list', all(leaf('consciousness', 'in', [])), '/rules/0/conditions/all/0', /"consciousness in \[\]" never holds: consciousness takes only "A", "C", "V", "P", "U" or is missing$/],
      ['a derived total above what the rules can score', all(leaf('sTotal', 'greaterThan', 8)), '/rules/0/conditions/all/0',
        /sTotal takes values in \[0, 3\] in steps of 1 \(the points the rules of score "s" can give\)$/],
      ['contradictory bounds', all(leaf('respiratoryRate', 'greaterThan', 24), leaf('respiratoryRate', 'lessThan', 20)), '/rules/0/conditions',
        /^rule "never" can never fire: no input satisfies its conditions \(they contradict each other\)/],
    ])('finds %s', (_what, conditions, pointer, message) => {
      const rules = [{ ...setter('never', 'flag', true, conditions), stage: 2 }, setter('sometimes', 'flag', true, all(leaf('onOxygen', 'equal', true))), ...RESPIRATORY_BANDS];
      const problems = analyzeRulebookStatically(rulebook(rules, [{ path: 'flag', hitPolicy: 'FIRST', default: false }]));
      expect(problems).toEqual([{ pointer, message: expect.stringMatching(message) }]);
    });
  });

  describe('outcome fields no rule sets', () => {
    it('finds a hit-policy field no rule sets or adds to, and one set only by a rule that can never fire', () => {
      const fields: OutcomeField[] = [
        { path: 'reasons', hitPolicy: 'COLLECT', default: [] },
        { path: 'flag', hitPolicy: 'UNIQUE', default: false },
        { path: 'level', hitPolicy: 'PRIORITY', outputOrder: [1, 2] },
      ];
      const rules = [setter('level-never', 'level', 1, all(leaf('respiratoryRate', 'lessThan', 0))), ...RESPIRATORY_BANDS];
      expect(analyzeRulebookStatically(rulebook(rules, fields))).toEqual([
        { pointer: '/rules/0/conditions/all/0', message: expect.stringContaining('rule "level-never" can never fire') },
        { pointer: '/outcome/fields/1', message: 'outcome field "reasons" (hit policy COLLECT): no rule adds to it, so it is always empty; add the rules that add to it or remove the field' },
        { pointer: '/outcome/fields/2', message: 'outcome field "flag" (hit policy UNIQUE): no rule sets it, so it is always false; add the rules that set it or remove the field' },
        { pointer: '/outcome/fields/3', message: 'outcome field "level" (hit policy PRIORITY): only rules that can never fire set it ("level-never"), so it is always null' },
      ]);
    });
  });

  describe('bundled rulebooks', () => {
    const files = ['ed-triage', 'scheduling-eligibility'].flatMap((key) =>
      readdirSync(join(projectRoot(), 'rulebooks', key)).filter((f) => f.endsWith('.json')).map((f) => join(key, f)));

    it('covers at least versions 1.0.0 of both', () => {
      expect(files).toEqual(expect.arrayContaining([join('ed-triage', '1.0.0.json'), join('scheduling-eligibility', '1.0.0.json')]));
    });

    it.each(files)('finds nothing in %s', (file) => {
      const doc = JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', file), 'utf8')) as RulebookDocument;
      expect(analyzeRulebookStatically(doc)).toEqual([]);
    });
  });
});

describe('quality gate with the static analysis', () => {
  const triage = (): RulebookDocument =>
    JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', 'ed-triage', '1.0.0.json'), 'utf8')) as RulebookDocument;

  it('refuses ed-triage 1.0.0 with overlapping respiratory bands, naming the rules, the fact and the interval', () => {
    const doc = triage();
    const index = doc.rules.findIndex((r) => r.name === 'news2-respiratory-rate-3-high');
    doc.rules[index].conditions = all(leaf('respiratoryRate', 'greaterThanInclusive', 24));
    expect(checkRulebookStructure(doc)).toEqual([{
      pointer: `/rules/${index}`,
      message: expect.stringContaining('rules "news2-respiratory-rate-2-high" and "news2-respiratory-rate-3-high" both score news2.respiratoryRate for respiratoryRate in [24, 24]'),
    }]);
  });

  it('reports a fact read but not in the catalog once, with the pointer to the leaf', () => {
    const doc = triage();
    const index = doc.rules.findIndex((r) => r.name === 'news2-respiratory-rate-3-high');
    doc.rules[index].conditions = all(leaf('respiratoryRat', 'greaterThan', 24));
    expect(checkRulebookStructure(doc)).toEqual([
      { pointer: `/rules/${index}/conditions/all/0/fact`, message: expect.stringContaining('fact "respiratoryRat" is not in the fact catalog') },
    ]);
  });
});
