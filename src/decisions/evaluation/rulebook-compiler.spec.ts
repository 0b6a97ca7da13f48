import type { RulebookDocument, RulebookRule } from '../../rulebooks/rulebook.types.js';
import { compileRules, RulebookInconsistentError } from './rulebook-compiler.js';
import { evaluate } from './rulebook-evaluator.js';

/**
 * `compileRules`: what it builds from a consistent rulebook, and every inconsistency it refuses, with the exact
 * problem a rulebook author (and the quality gate, which points each problem at its place in the document) reads.
 *
 * Every test builds and compiles its own rulebook: compiling once at module load would run the compiler outside any
 * test, and the mutation run (`coverageAnalysis: perTest`, `ignoreStatic`) would then credit no test with it.
 */

const rule = (name: string, extra: Partial<RulebookRule>, conditions: RulebookRule['conditions'], event: RulebookRule['event']): RulebookRule =>
  ({ name, description: name, ...extra, conditions, event });

/**
 * A consistent rulebook using every part the compiler checks: input facts (one from FHIR, numbers with a whole and a
 * half range, strings with and without allowedValues, a boolean), facts derived from a score, a field, a floor and a
 * score-summary field, rules over three stages in an order that differs from evaluation order, every field kind, a
 * floor and an undetermined path whose names start like a field's ("levelAtLeast", "pending") without being its
 * parent or child.
 */
function valid(): RulebookDocument {
  return {
    key: 'test-book',
    version: '1.0.0',
    kind: 'triage',
    title: 'Test',
    description: 'A rulebook for the compiler (no clinical meaning)',
    references: [{ title: 'none' }],
    facts: {
      x: {
        type: 'number', description: 'x', range: { min: 0, max: 300 },
        fhir: { kind: 'observation', codes: ['http://loinc.org|8867-4'], value: 'quantity', select: 'latest-at-or-before-asOf' },
      },
      n: { type: 'integer', description: 'n', range: { min: 1 } },
      mode: { type: 'string', description: 'mode', allowedValues: ['on', 'off'] },
      text: { type: 'string', description: 'free text' },
      flag: { type: 'boolean', description: 'flag' },
      known: { type: 'integer', description: 'known', derivedFrom: { score: 's', value: 'knownTotal' } },
      levelSoFar: { type: 'string', description: 'level', derivedFrom: { field: 'level' } },
      floorSoFar: { type: 'string', description: 'level floor', derivedFrom: { field: 'levelAtLeast' } },
      totalSoFar: { type: 'integer', description: 'total', derivedFrom: { field: 'score.total' } },
    },
    rules: [
      rule('low', { stage: 2 }, { all: [{ fact: 'known', operator: 'greaterThanInclusive', value: 0 }] },
        { type: 'outcome', params: { set: { level: 'low' } } }),
      rule('points', {}, { all: [{ fact: 'x', operator: 'greaterThan', value: 1 }] },
        { type: 'score', params: { score: 's', parameter: 'x', points: 1 } }),
      rule('high', { stage: 2, priority: 5 },
        { all: [{ fact: 'known', operator: 'greaterThan', value: 0 }, { fact: 'mode', operator: 'in', value: ['on'] }] },
        { type: 'outcome', params: { set: { level: 'high' }, add: { notes: 'n' } } }),
      rule('hide', {}, { not: { fact: 'flag', operator: 'equal', value: false } }, { type: 'suppress', params: { field: 'score' } }),
      rule('urgent', { priority: 3 },
        { any: [{ fact: 'n', operator: 'greaterThan', value: 5 }, { fact: 'text', operator: 'equal', value: 'lab' }] },
        { type: 'outcome', params: { set: { pendingTests: 'lab' } } }),
      rule('echo', { stage: 3 }, {
        all: [
          { fact: 'levelSoFar', operator: 'equal', value: 'high' },
          { fact: 'floorSoFar', operator: 'equal', value: 'high' },
          { fact: 'totalSoFar', operator: 'greaterThan', value: 0 },
        ],
      }, { type: 'outcome', params: { set: { flagged: true } } }),
    ],
    outcome: {
      scores: { s: { description: 's', requiredFacts: ['x'] } },
      fields: [
        { path: 'level', hitPolicy: 'PRIORITY', outputOrder: ['high', 'low'], floorPath: 'levelAtLeast', whenMissing: { facts: ['x'], value: null } },
        { path: 'score.total', from: { score: 's', value: 'total' } },
        { path: 'score.missing', from: { score: 's', value: 'missing' } },
        { path: 'notes', hitPolicy: 'COLLECT' },
        { path: 'flagged', hitPolicy: 'FIRST', default: false },
        { path: 'pendingTests', hitPolicy: 'FIRST' },
      ],
      missingFactLogic: 'kleene',
      undeterminedPath: 'pending',
    },
    scenarios: [],
  };
}

/** The error `compileRules` throws on `doc` (the test fails when it compiles). */
function compileError(doc: RulebookDocument): RulebookInconsistentError {
  let thrown: unknown;
  try {
    compileRules(doc);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RulebookInconsistentError);
  return thrown as RulebookInconsistentError;
}

describe('compileRules on a consistent rulebook', () => {
  it('separates input from derived facts and orders the rules by stage, then priority (high first), then file order', () => {
    const doc = valid();
    const compiled = compileRules(doc);
    expect(compiled.key).toBe('test-book');
    expect(compiled.version).toBe('1.0.0');
    expect(compiled.inputFacts).toStrictEqual(['x', 'n', 'mode', 'text', 'flag']);
    expect(compiled.derivedFacts).toStrictEqual([
      { name: 'known', definition: doc.facts.known, source: { score: 's', value: 'knownTotal' } },
      { name: 'levelSoFar', definition: doc.facts.levelSoFar, source: { field: 'level' } },
      { name: 'floorSoFar', definition: doc.facts.floorSoFar, source: { field: 'levelAtLeast' } },
      { name: 'totalSoFar', definition: doc.facts.totalSoFar, source: { field: 'score.total' } },
    ]);
    expect(compiled.rules.map((r) => [r.name, r.stage, r.priority, r.order])).toStrictEqual([
      ['urgent', 1, 3, 0], ['points', 1, 1, 1], ['hide', 1, 1, 2], ['high', 2, 5, 3], ['low', 2, 1, 4], ['echo', 3, 1, 5],
    ]);
    expect(compiled.stages.map((s) => [s.stage, s.rules.map((r) => r.name)]))
      .toStrictEqual([[1, ['urgent', 'points', 'hide']], [2, ['high', 'low']], [3, ['echo']]]);
    expect(compiled.rules[3].event).toStrictEqual({ type: 'outcome', params: { set: { level: 'high' }, add: { notes: 'n' } } });
    expect(compiled.rules[3].conditions).toStrictEqual(doc.rules[2].conditions);
    expect(compiled.scores).toStrictEqual({ s: { description: 's', requiredFacts: ['x'] } });
    expect(compiled.fields.map((f) => f.path)).toStrictEqual(['level', 'score.total', 'score.missing', 'notes', 'flagged', 'pendingTests']);
    expect(compiled.logic).toBe('kleene');
    expect(compiled.undeterminedPath).toBe('pending');
  });

  it('ranks the outputOrder of a PRIORITY field by canonical JSON (first wins), and only that field', () => {
    const doc = valid();
    doc.outcome.fields.push({ path: 'plan', hitPolicy: 'PRIORITY', outputOrder: [{ text: 'a', code: 'A' }, 2] });
    const compiled = compileRules(doc);
    expect(compiled.fields.map((f) => f.outputRank)).toStrictEqual([
      new Map([['"high"', 0], ['"low"', 1]]), undefined, undefined, undefined, undefined, undefined,
      new Map([['{"code":"A","text":"a"}', 0], ['2', 1]]),
    ]);
  });

  it('defaults to two-valued logic and no undetermined path', () => {
    const doc = valid();
    delete doc.outcome.missingFactLogic;
    delete doc.outcome.undeterminedPath;
    const compiled = compileRules(doc);
    expect(compiled.logic).toBe('two-valued');
    expect(compiled.undeterminedPath).toBeUndefined();
  });

  it('gives each input fact the values it could take when missing: a whole range, allowedValues, true and false', () => {
    const compiled = compileRules(valid());
    // n has a minimum only and text no allowedValues: nothing bounds them.
    expect(compiled.inputDomains).toStrictEqual(new Map<string, unknown>([
      ['x', { range: { min: 0, max: 300 } }],
      ['mode', { values: ['on', 'off'] }],
      ['flag', { values: [true, false] }],
    ]));
  });

  it('lets Kleene logic decide a threshold outside a missing fact\'s range, and not one a half range leaves open', async () => {
    const doc = valid();
    doc.rules = [
      rule('x-huge', {}, { all: [{ fact: 'x', operator: 'greaterThan', value: 500 }] }, { type: 'outcome', params: { set: { flagged: true } } }),
      rule('n-huge', {}, { all: [{ fact: 'n', operator: 'greaterThan', value: 500 }] }, { type: 'outcome', params: { set: { pendingTests: 'n' } } }),
    ];
    doc.outcome.fields = [{ path: 'flagged', hitPolicy: 'FIRST', default: false }, { path: 'pendingTests', hitPolicy: 'FIRST', default: 'none' }];
    delete doc.facts.known;
    delete doc.facts.levelSoFar;
    delete doc.facts.floorSoFar;
    delete doc.facts.totalSoFar;
    delete doc.outcome.scores;
    const result = await evaluate(compileRules(doc), {});
    // x lies in 0-300, so "x > 500" is false whatever x is; n (minimum 1, no maximum) could exceed 500.
    expect(result.outcome).toStrictEqual({ flagged: false, pendingTests: null, pending: { pendingTests: ['n'] } });
  });

  it('shares nothing mutable: the compiled rules are frozen throughout, and the document stays as it was, editable', () => {
    const doc = valid();
    const before = JSON.stringify(doc);
    const compiled = compileRules(doc);
    expect(JSON.stringify(doc)).toBe(before);
    const attempts: (() => void)[] = [
      () => { (compiled.rules[3].event.params as { set: Record<string, unknown> }).set.level = 'low'; },
      () => { ((compiled.rules[3].conditions as { all: { value: unknown }[] }).all[1].value as string[]).push('off'); },
      () => { (compiled.fields[0].outputOrder as unknown[]).push('none'); },
      () => { (compiled.fields[0].whenMissing as { facts: string[] }).facts.push('n'); },
      () => { (compiled.derivedFacts[0].source as { score: string }).score = 'other'; },
      () => { (compiled.derivedFacts[0].definition as { type: string }).type = 'number'; },
      () => { (compiled.scores.s.requiredFacts as string[]).push('n'); },
      () => { (compiled.inputDomains.get('x') as { range: { min: number } }).range.min = -1; },
      () => { (compiled.inputDomains.get('flag') as { values: unknown[] }).values.push(null); },
    ];
    // A TypeError, matched by message: the one thrown here has another realm's constructor than Jest's sandbox global.
    for (const attempt of attempts) expect(attempt).toThrow(/read only property|not extensible/);
    doc.rules[1].event = { type: 'score', params: { score: 's', parameter: 'x', points: 7 } };
    doc.facts.known.derivedFrom = { score: 's', value: 'total' };
    expect(compiled.rules[1].event).toStrictEqual({ type: 'score', params: { score: 's', parameter: 'x', points: 1 } });
    expect(compiled.derivedFacts[0].source).toStrictEqual({ score: 's', value: 'knownTotal' });
  });
});

describe('compileRules on an inconsistent rulebook', () => {
  it('throws a RulebookInconsistentError whose message lists every problem under the rulebook\'s key and version', () => {
    const doc = valid();
    doc.rules[3].name = 'points';
    doc.outcome.fields[4].floorPath = 'flaggedAtLeast';
    const error = compileError(doc);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RulebookInconsistentError');
    expect(error.problems).toStrictEqual([
      'outcome field "flagged": "floorPath" is only for hit policy PRIORITY',
      'rule "points": name is not unique',
    ]);
    expect(error.message).toBe('Rulebook test-book@1.0.0 is inconsistent:\n'
      + '  - outcome field "flagged": "floorPath" is only for hit policy PRIORITY\n'
      + '  - rule "points": name is not unique');
  });

  type Case = [string, (doc: RulebookDocument) => void, string[]];
  const notInOutputOrder = ['rule "low": sets "level" to "low", which is not in its outputOrder',
    'rule "high": sets "level" to "high", which is not in its outputOrder'];
  const cases: Case[] = [
    // fact catalog and scores
    ['a fact both from FHIR and derived', (d) => { d.facts.known.fhir = d.facts.x.fhir; },
      ['fact "known": has both "fhir" and "derivedFrom"']],
    ['a score requiring a derived fact', (d) => { d.outcome.scores!.s.requiredFacts = ['x', 'known']; },
      ['score "s": required fact "known" is not an input fact of the catalog']],
    ['a score requiring a fact outside the catalog', (d) => { d.outcome.scores!.s.requiredFacts = ['nope']; },
      ['score "s": required fact "nope" is not an input fact of the catalog']],
    ['an unknown missing-fact logic', (d) => { (d.outcome as { missingFactLogic: string }).missingFactLogic = 'fuzzy'; },
      ['outcome: unknown missingFactLogic "fuzzy"']],
    // derived facts
    ['a fact derived from an undeclared score', (d) => { d.facts.known.derivedFrom = { score: 'z', value: 'knownTotal' }; },
      ['fact "known": derivedFrom score "z" is not declared']],
    ['a fact derived from a field that does not exist', (d) => { d.facts.levelSoFar.derivedFrom = { field: 'levle' }; },
      ['fact "levelSoFar": derivedFrom field "levle" is not an outcome field or floor']],
    ['a fact derived from a COLLECT field', (d) => { d.facts.levelSoFar.derivedFrom = { field: 'notes' }; },
      ['fact "levelSoFar": derivedFrom field "notes" is a list, not a single value']],
    ['a fact derived from the list of missing facts of a score', (d) => { d.facts.totalSoFar.derivedFrom = { field: 'score.missing' }; },
      ['fact "totalSoFar": derivedFrom field "score.missing" is a list, not a single value']],
    // rules
    ['a duplicate rule name', (d) => { d.rules[4].name = 'low'; }, ['rule "low": name is not unique']],
    ['stage 0', (d) => { d.rules[1].stage = 0; }, ['rule "points": stage must be an integer ≥ 1']],
    ['a fractional stage', (d) => { d.rules[1].stage = 2.5; }, ['rule "points": stage must be an integer ≥ 1']],
    ['priority 0', (d) => { d.rules[1].priority = 0; }, ['rule "points": priority must be an integer ≥ 1']],
    ['a fractional priority', (d) => { d.rules[1].priority = 1.5; }, ['rule "points": priority must be an integer ≥ 1']],
    // outcome fields
    ['two fields with one path', (d) => { d.outcome.fields.push({ path: 'notes', hitPolicy: 'COLLECT' }); },
      ['outcome field "notes": path is not unique', 'outcome field "notes": path is not unique']],
    ['a field that is the parent of another', (d) => { d.outcome.fields.push({ path: 'score', hitPolicy: 'FIRST' }); },
      ['outcome field "score": is the parent of outcome field "score.total"; only leaves are fields']],
    ['a field with neither "from" nor "hitPolicy"', (d) => { d.outcome.fields.push({ path: 'orphan' }); },
      ['outcome field "orphan": needs exactly one of "from" and "hitPolicy"']],
    ['a field with both "from" and "hitPolicy"', (d) => { d.outcome.fields[1].hitPolicy = 'FIRST'; },
      ['outcome field "score.total": needs exactly one of "from" and "hitPolicy"']],
    ['a score-summary field of an undeclared score', (d) => { d.outcome.fields[1].from = { score: 'z', value: 'total' }; },
      ['outcome field "score.total": score "z" is not declared']],
    ['a score-summary field with a default', (d) => { d.outcome.fields[1].default = null; },
      ['outcome field "score.total": a "from" field takes no "default", "whenMissing" or "outputOrder"']],
    ['a score-summary field with whenMissing', (d) => { d.outcome.fields[1].whenMissing = { facts: ['x'], value: null }; },
      ['outcome field "score.total": a "from" field takes no "default", "whenMissing" or "outputOrder"']],
    ['a score-summary field with an outputOrder', (d) => { d.outcome.fields[1].outputOrder = [1]; },
      ['outcome field "score.total": a "from" field takes no "default", "whenMissing" or "outputOrder"',
        'outcome field "score.total": "outputOrder" is only for hit policy PRIORITY']],
    ['a PRIORITY field without outputOrder', (d) => { delete d.outcome.fields[0].outputOrder; },
      ['outcome field "level": hit policy PRIORITY needs a non-empty "outputOrder"']],
    ['a PRIORITY field with an empty outputOrder', (d) => { d.outcome.fields[0].outputOrder = []; },
      ['outcome field "level": hit policy PRIORITY needs a non-empty "outputOrder"', ...notInOutputOrder]],
    ['an outputOrder on a FIRST field', (d) => { d.outcome.fields[4].outputOrder = [true, false]; },
      ['outcome field "flagged": "outputOrder" is only for hit policy PRIORITY']],
    ['an outputOrder listing a value twice', (d) => { d.outcome.fields[0].outputOrder = ['high', 'low', 'high']; },
      ['outcome field "level": "outputOrder" lists a value twice']],
    ['an outputOrder listing one object twice, keys in another order',
      (d) => { d.outcome.fields.push({ path: 'plan', hitPolicy: 'PRIORITY', outputOrder: [{ code: 'A', text: 'a' }, { text: 'a', code: 'A' }] }); },
      ['outcome field "plan": "outputOrder" lists a value twice']],
    ['whenMissing naming a derived fact', (d) => { d.outcome.fields[0].whenMissing = { facts: ['known'], value: null }; },
      ['outcome field "level": whenMissing fact "known" is not an input fact of the catalog']],
    ['whenMissing naming a fact outside the catalog', (d) => { d.outcome.fields[0].whenMissing = { facts: ['nope'], value: null }; },
      ['outcome field "level": whenMissing fact "nope" is not an input fact of the catalog']],
    // floors and the undetermined path
    ['a floorPath on a FIRST field', (d) => { d.outcome.fields[4].floorPath = 'flaggedAtLeast'; },
      ['outcome field "flagged": "floorPath" is only for hit policy PRIORITY']],
    ['a floorPath equal to a field', (d) => { d.outcome.fields[0].floorPath = 'notes'; },
      ['floorPath of outcome field "level": path "notes" collides with outcome field "notes"',
        'fact "floorSoFar": derivedFrom field "levelAtLeast" is not an outcome field or floor']],
    ['a floorPath that is the parent of a field', (d) => { d.outcome.fields[0].floorPath = 'score'; },
      ['floorPath of outcome field "level": path "score" collides with outcome field "score.total"',
        'fact "floorSoFar": derivedFrom field "levelAtLeast" is not an outcome field or floor']],
    ['a floorPath under a field', (d) => { d.outcome.fields[0].floorPath = 'level.floor'; },
      ['floorPath of outcome field "level": path "level.floor" collides with outcome field "level"',
        'fact "floorSoFar": derivedFrom field "levelAtLeast" is not an outcome field or floor']],
    ['two fields with one floorPath',
      (d) => { d.outcome.fields.push({ path: 'band', hitPolicy: 'PRIORITY', outputOrder: ['a'], floorPath: 'levelAtLeast' }); },
      ['floorPath of outcome field "band": path "levelAtLeast" collides with floorPath of outcome field "level"']],
    ['an undeterminedPath equal to a field', (d) => { d.outcome.undeterminedPath = 'flagged'; },
      ['outcome undeterminedPath: path "flagged" collides with outcome field "flagged"']],
    ['an undeterminedPath equal to a floor', (d) => { d.outcome.undeterminedPath = 'levelAtLeast'; },
      ['outcome undeterminedPath: path "levelAtLeast" collides with floorPath of outcome field "level"']],
  ];

  it.each(cases)('refuses %s, naming what is at fault', (_label, mutate, problems) => {
    const doc = valid();
    mutate(doc);
    expect(compileError(doc).problems).toStrictEqual(problems);
  });
});
