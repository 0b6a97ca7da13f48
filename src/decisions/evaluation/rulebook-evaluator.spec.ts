import type {
  FactDefinition,
  OutcomeField,
  RulebookDocument,
  RulebookRule,
} from '../../rulebooks/rulebook.types.js';
import { compileRules } from './rulebook-compiler.js';
import { evaluate } from './rulebook-evaluator.js';

/** A small rulebook for testing the evaluation semantics (no clinical meaning). */
function rulebook(parts: {
  facts?: Record<string, FactDefinition>;
  rules: RulebookRule[];
  fields: OutcomeField[];
  scores?: RulebookDocument['outcome']['scores'];
}): RulebookDocument {
  return {
    key: 'test-book',
    version: '1.0.0',
    kind: 'triage',
    title: 'Test',
    description: 'Test rulebook',
    references: [{ title: 'none' }],
    facts: parts.facts ?? {
      x: { type: 'number', description: 'x' },
      y: { type: 'number', description: 'y' },
      flag: { type: 'boolean', description: 'flag' },
    },
    rules: parts.rules,
    outcome: { scores: parts.scores, fields: parts.fields },
    scenarios: [],
  };
}

const set = (name: string, fact: string, min: number, values: Record<string, unknown>, extra: Partial<RulebookRule> = {}): RulebookRule => ({
  name,
  description: name,
  conditions: { all: [{ fact, operator: 'greaterThanInclusive', value: min }] },
  event: { type: 'outcome', params: { set: values } },
  ...extra,
});

describe('hit policies', () => {
  it('PRIORITY takes the fired value ranked first in outputOrder, whatever the rule order', async () => {
    const compiled = compileRules(rulebook({
      rules: [
        set('low', 'x', 0, { level: 'low' }, { priority: 9 }),
        set('high', 'x', 10, { level: 'high' }),
        set('mid', 'x', 5, { level: 'mid' }, { priority: 3 }),
      ],
      fields: [{ path: 'level', hitPolicy: 'PRIORITY', outputOrder: ['high', 'mid', 'low'], default: 'none' }],
    }));
    const cases: [number | null, unknown][] = [[-1, 'none'], [0, 'low'], [5, 'mid'], [10, 'high'], [null, 'none']];
    for (const [x, level] of cases) {
      expect({ x, outcome: (await evaluate(compiled, { x, y: null, flag: null })).outcome }).toEqual({ x, outcome: { level } });
    }
  });

  it('FIRST takes the value of the first fired rule in evaluation order (stage, priority high to low, file order)', async () => {
    const compiled = compileRules(rulebook({
      rules: [
        set('a-late-stage', 'x', 0, { pick: 'a' }, { stage: 2 }),
        set('b-low-priority', 'x', 0, { pick: 'b' }, { priority: 1 }),
        set('c-high-priority', 'x', 5, { pick: 'c' }, { priority: 7 }),
        set('d-high-priority-later-in-file', 'x', 0, { pick: 'd' }, { priority: 7 }),
      ],
      fields: [{ path: 'pick', hitPolicy: 'FIRST' }],
    }));
    expect((await evaluate(compiled, { x: 5, y: null, flag: null })).outcome).toEqual({ pick: 'c' });
    expect((await evaluate(compiled, { x: 0, y: null, flag: null })).outcome).toEqual({ pick: 'd' });
    expect((await evaluate(compiled, { x: -1, y: null, flag: null })).outcome).toEqual({ pick: null });
    const order = (await evaluate(compiled, { x: 0, y: null, flag: null })).rules.map((r) => r.name);
    expect(order).toEqual(['c-high-priority', 'd-high-priority-later-in-file', 'b-low-priority', 'a-late-stage']);
  });

  it('UNIQUE accepts agreeing rules and throws naming the field and both rules on a conflict', async () => {
    const compiled = compileRules(rulebook({
      rules: [set('one', 'x', 1, { flagged: true }), set('two', 'y', 1, { flagged: true }), set('three', 'x', 9, { flagged: false })],
      fields: [{ path: 'flagged', hitPolicy: 'UNIQUE', default: false }],
    }));
    expect((await evaluate(compiled, { x: 1, y: 1, flag: null })).outcome).toEqual({ flagged: true });
    expect((await evaluate(compiled, { x: 0, y: 0, flag: null })).outcome).toEqual({ flagged: false });
    await expect(evaluate(compiled, { x: 9, y: 0, flag: null }))
      .rejects.toThrow(/outcome field "flagged" has hit policy UNIQUE but rule "one" set true and rule "three" set false/);
  });

  it('COLLECT lists every added item once (canonical JSON), in evaluation order, arrays spread', async () => {
    const add = (name: string, min: number, items: unknown, priority = 1): RulebookRule => ({
      name, description: name, priority,
      conditions: { all: [{ fact: 'x', operator: 'greaterThanInclusive', value: min }] },
      event: { type: 'outcome', params: { add: { notes: items } } },
    });
    const compiled = compileRules(rulebook({
      rules: [
        add('second', 0, [{ code: 'B', text: 'b' }, { text: 'a', code: 'A' }]),
        add('first', 0, { code: 'A', text: 'a' }, 5),
        add('third', 3, 'plain'),
      ],
      fields: [{ path: 'notes', hitPolicy: 'COLLECT' }],
    }));
    expect((await evaluate(compiled, { x: 3, y: null, flag: null })).outcome)
      .toEqual({ notes: [{ code: 'A', text: 'a' }, { code: 'B', text: 'b' }, 'plain'] });
    expect((await evaluate(compiled, { x: -1, y: null, flag: null })).outcome).toEqual({ notes: [] });
  });

  it('default when no rule set a value; whenMissing instead when a listed fact is missing', async () => {
    const compiled = compileRules(rulebook({
      rules: [set('alarm', 'x', 100, { alarm: true })],
      fields: [{ path: 'alarm', hitPolicy: 'UNIQUE', default: false, whenMissing: { facts: ['x', 'y'], value: null } }],
    }));
    const cases: [number | null, number | null, unknown][] = [
      [100, null, true], // a fired rule wins over whenMissing
      [1, 1, false],
      [1, null, null],
      [null, 1, null],
    ];
    for (const [x, y, alarm] of cases) {
      expect({ x, y, outcome: (await evaluate(compiled, { x, y, flag: null })).outcome }).toEqual({ x, y, outcome: { alarm } });
    }
  });

  it('an empty COLLECT field takes its whenMissing value when a listed fact is missing, else []', async () => {
    const compiled = compileRules(rulebook({
      rules: [{ name: 'note', description: 'note', conditions: { all: [{ fact: 'x', operator: 'greaterThan', value: 5 }] },
        event: { type: 'outcome', params: { add: { notes: 'x high' } } } }],
      fields: [{ path: 'notes', hitPolicy: 'COLLECT', whenMissing: { facts: ['x'], value: null } }],
    }));
    expect((await evaluate(compiled, { x: null, y: null, flag: null })).outcome).toStrictEqual({ notes: null });
    expect((await evaluate(compiled, { x: 1, y: null, flag: null })).outcome).toStrictEqual({ notes: [] });
    expect((await evaluate(compiled, { x: 9, y: null, flag: null })).outcome).toStrictEqual({ notes: ['x high'] });
  });

  it('a fired suppress nulls its field and the fields under it, and leaves a sibling whose name starts the same intact', async () => {
    const compiled = compileRules(rulebook({
      rules: [
        set('alert-on', 'x', 0, { alert: 'call', 'alertLevel': 'high', 'review.alert': 'yes' }),
        { name: 'quiet', description: 'suppress', conditions: { all: [{ fact: 'flag', operator: 'equal', value: true }] },
          event: { type: 'suppress', params: { field: 'alert' } } },
      ],
      fields: [
        { path: 'alert', hitPolicy: 'FIRST' },
        { path: 'alertLevel', hitPolicy: 'FIRST' },
        { path: 'review.alert', hitPolicy: 'FIRST' },
      ],
    }));
    expect((await evaluate(compiled, { x: 1, y: null, flag: true })).outcome)
      .toStrictEqual({ alert: null, alertLevel: 'high', review: { alert: 'yes' } });
    expect((await evaluate(compiled, { x: 1, y: null, flag: false })).outcome)
      .toStrictEqual({ alert: 'call', alertLevel: 'high', review: { alert: 'yes' } });
  });

  it('outcome values are copies: mutating one outcome changes neither the rulebook nor the next outcome', async () => {
    const compiled = compileRules(rulebook({
      rules: [set('obj', 'x', 0, { detail: { a: [1] } })],
      fields: [{ path: 'detail', hitPolicy: 'FIRST', default: { a: [] } }],
    }));
    const first = await evaluate(compiled, { x: 1, y: null, flag: null });
    ((first.outcome.detail as { a: number[] }).a).push(2);
    expect((await evaluate(compiled, { x: 1, y: null, flag: null })).outcome).toEqual({ detail: { a: [1] } });
    expect((await evaluate(compiled, { x: -1, y: null, flag: null })).outcome).toEqual({ detail: { a: [] } });
  });
});

describe('scores, suppression and derived facts', () => {
  const scoreRule = (name: string, fact: string, min: number, parameter: string, points: number, stage = 1): RulebookRule => ({
    name, description: name, stage,
    conditions: { all: [{ fact, operator: 'greaterThanInclusive', value: min }] },
    event: { type: 'score', params: { score: 's', parameter, points } },
  });
  const doc = rulebook({
    facts: {
      x: { type: 'number', description: 'x' },
      y: { type: 'number', description: 'y' },
      flag: { type: 'boolean', description: 'flag' },
      total: { type: 'integer', description: 'total', derivedFrom: { score: 's', value: 'total' } },
      known: { type: 'integer', description: 'known', derivedFrom: { score: 's', value: 'knownTotal' } },
      max: { type: 'integer', description: 'max', derivedFrom: { score: 's', value: 'maxPoints' } },
      complete: { type: 'boolean', description: 'complete', derivedFrom: { score: 's', value: 'complete' } },
      bandSoFar: { type: 'string', description: 'band', derivedFrom: { field: 'result.band' } },
    },
    scores: { s: { description: 's', requiredFacts: ['x', 'y'] } },
    rules: [
      scoreRule('x-2', 'x', 10, 'x', 2),
      scoreRule('y-3', 'y', 10, 'y', 3),
      {
        name: 'band-big', description: 'stage 2 reads a derived fact', stage: 2,
        conditions: { all: [{ fact: 'known', operator: 'greaterThanInclusive', value: 3 }] },
        event: { type: 'outcome', params: { set: { 'result.band': 'big' } } },
      },
      {
        name: 'echo-band', description: 'stage 3 reads a field-derived fact', stage: 3,
        conditions: { all: [{ fact: 'bandSoFar', operator: 'equal', value: 'big' }] },
        event: { type: 'outcome', params: { set: { 'result.echo': true } } },
      },
      {
        name: 'hide', description: 'suppress', stage: 1,
        conditions: { all: [{ fact: 'flag', operator: 'equal', value: true }] },
        event: { type: 'suppress', params: { field: 'result' } },
      },
    ],
    fields: [
      { path: 'result.total', from: { score: 's', value: 'total' } },
      { path: 'result.known', from: { score: 's', value: 'knownTotal' } },
      { path: 'result.max', from: { score: 's', value: 'maxPoints' } },
      { path: 'result.missing', from: { score: 's', value: 'missing' } },
      { path: 'result.band', hitPolicy: 'UNIQUE' },
      { path: 'result.echo', hitPolicy: 'UNIQUE', default: false },
      { path: 'other', hitPolicy: 'FIRST', default: 'kept' },
    ],
  });
  const compiled = compileRules(doc);

  it.each([
    // x, y, flag, outcome, derived facts
    [10, 10, false, { result: { total: 5, known: 5, max: 3, missing: [], band: 'big', echo: true }, other: 'kept' },
      { total: 5, known: 5, max: 3, complete: true, bandSoFar: 'big' }],
    [0, 0, false, { result: { total: 0, known: 0, max: 0, missing: [], band: null, echo: false }, other: 'kept' },
      { total: 0, known: 0, max: 0, complete: true, bandSoFar: null }],
    [10, null, false, { result: { total: null, known: 2, max: 2, missing: ['y'], band: null, echo: false }, other: 'kept' },
      { total: null, known: 2, max: 2, complete: false, bandSoFar: null }],
    [null, 10, false, { result: { total: null, known: 3, max: 3, missing: ['x'], band: 'big', echo: true }, other: 'kept' },
      { total: null, known: 3, max: 3, complete: false, bandSoFar: 'big' }],
    [null, null, null, { result: { total: null, known: 0, max: 0, missing: ['x', 'y'], band: null, echo: false }, other: 'kept' },
      { total: null, known: 0, max: 0, complete: false, bandSoFar: null }],
    // suppress: the field and everything under it is null, other fields unaffected; derived field facts read null
    [10, 10, true, { result: null, other: 'kept' }, { total: 5, known: 5, max: 3, complete: true, bandSoFar: null }],
  ])('x=%p y=%p flag=%p', async (x, y, flag, outcome, derived) => {
    const result = await evaluate(compiled, { x, y, flag });
    expect(result.outcome).toEqual(outcome);
    expect(result.derivedFacts).toEqual(derived);
  });

  it('ignores values given for derived facts and names outside the catalog', async () => {
    const result = await evaluate(compiled, { x: 0, y: 0, flag: false, known: 99, stranger: 1 } as never);
    expect(result.outcome).toMatchObject({ result: { band: null } });
    expect(result.derivedFacts.known).toBe(0);
  });

  it('throws naming the score, parameter and rules when one parameter scores twice (overlapping bands)', async () => {
    const overlapping = compileRules({
      ...doc,
      rules: [scoreRule('x-2', 'x', 10, 'x', 2), scoreRule('x-3', 'x', 20, 'x', 3), scoreRule('y-3', 'y', 10, 'y', 3)],
    });
    await expect(evaluate(overlapping, { x: 25, y: 0, flag: null }))
      .rejects.toThrow(/score "s" parameter "x" was scored by both rule "x-2" and rule "x-3"/);
  });
});

describe('explanations and missing facts', () => {
  const compiled = compileRules(rulebook({
    rules: [
      {
        name: 'nested', description: 'nested all/any/not', priority: 4,
        conditions: {
          all: [
            { fact: 'x', operator: 'greaterThan', value: 1 },
            { any: [{ fact: 'y', operator: 'lessThan', value: 5 }, { not: { fact: 'flag', operator: 'equal', value: true } }] },
          ],
        },
        event: { type: 'outcome', params: { set: { hit: true } } },
      },
      {
        name: 'short-circuit', description: 'the second leaf has a lower priority and is skipped when the first fails',
        conditions: {
          all: [
            { fact: 'x', operator: 'greaterThan', value: 100, priority: 9 },
            { fact: 'y', operator: 'greaterThan', value: 0, priority: 1 },
          ],
        },
        event: { type: 'outcome', params: { set: { hit: true } } },
      },
      {
        name: 'missing-is-explicit', description: 'an explicit test for a missing fact',
        conditions: { all: [{ fact: 'y', operator: 'equal', value: null }] },
        event: { type: 'outcome', params: { set: { yMissing: true } } },
      },
    ],
    fields: [{ path: 'hit', hitPolicy: 'UNIQUE', default: false }, { path: 'yMissing', hitPolicy: 'UNIQUE', default: false }],
  }));

  it('explains every rule with the same condition tree, fact values and results', async () => {
    const result = await evaluate(compiled, { x: 2, y: null, flag: false });
    expect(result.outcome).toEqual({ hit: true, yMissing: true });
    expect(result.rules).toEqual([
      {
        name: 'nested', stage: 1, priority: 4, fired: true,
        event: { type: 'outcome', params: { set: { hit: true } } },
        conditions: {
          all: [
            { fact: 'x', operator: 'greaterThan', value: 1, factValue: 2, result: true },
            {
              any: [
                // numeric operators are false on a missing (null) fact
                { fact: 'y', operator: 'lessThan', value: 5, factValue: null, result: false },
                { not: { fact: 'flag', operator: 'equal', value: true, factValue: false, result: false }, result: true },
              ],
              result: true,
            },
          ],
          result: true,
        },
      },
      {
        name: 'short-circuit', stage: 1, priority: 1, fired: false,
        event: { type: 'outcome', params: { set: { hit: true } } },
        conditions: {
          all: [
            { fact: 'x', operator: 'greaterThan', value: 100, factValue: 2, result: false },
            // never evaluated: json-rules-engine short-circuited the `all`; the input value is shown for reference
            { fact: 'y', operator: 'greaterThan', value: 0, factValue: null, result: null },
          ],
          result: false,
        },
      },
      {
        name: 'missing-is-explicit', stage: 1, priority: 1, fired: true,
        event: { type: 'outcome', params: { set: { yMissing: true } } },
        conditions: { all: [{ fact: 'y', operator: 'equal', value: null, factValue: null, result: true }], result: true },
      },
    ]);
  });

  it('treats an absent input fact as missing (null), never as a value', async () => {
    const result = await evaluate(compiled, { x: 2 });
    expect(result.outcome).toEqual({ hit: true, yMissing: true });
    expect(result.rules[0].conditions).toMatchObject({ all: [{ factValue: 2 }, { any: [{ factValue: null }, { not: { factValue: null } }] }] });
  });
});

describe('compileRules', () => {
  const valid = (): RulebookDocument => rulebook({
    facts: {
      x: { type: 'number', description: 'x' },
      mode: { type: 'string', description: 'mode', allowedValues: ['on', 'off'] },
      flag: { type: 'boolean', description: 'flag' },
      known: { type: 'integer', description: 'known', derivedFrom: { score: 's', value: 'knownTotal' } },
    },
    scores: { s: { description: 's', requiredFacts: ['x'] } },
    rules: [
      {
        name: 'points', description: 'd',
        conditions: { all: [{ fact: 'x', operator: 'greaterThan', value: 1 }] },
        event: { type: 'score', params: { score: 's', parameter: 'x', points: 1 } },
      },
      {
        name: 'level', description: 'd', stage: 2,
        conditions: { all: [{ fact: 'known', operator: 'greaterThan', value: 0 }, { fact: 'mode', operator: 'in', value: ['on'] }] },
        event: { type: 'outcome', params: { set: { level: 'high' }, add: { notes: 'n' } } },
      },
      {
        name: 'hide', description: 'd',
        conditions: { not: { fact: 'flag', operator: 'equal', value: false } },
        event: { type: 'suppress', params: { field: 'score' } },
      },
    ],
    fields: [
      { path: 'level', hitPolicy: 'PRIORITY', outputOrder: ['high', 'low'] },
      { path: 'score.total', from: { score: 's', value: 'total' } },
      { path: 'notes', hitPolicy: 'COLLECT' },
    ],
  });

  it('compiles a consistent rulebook into stages in evaluation order, without touching the document', () => {
    const doc = valid();
    const before = JSON.stringify(doc);
    const compiled = compileRules(doc);
    expect(compiled.inputFacts).toEqual(['x', 'mode', 'flag']);
    expect(compiled.derivedFacts.map((d) => d.name)).toEqual(['known']);
    expect(compiled.stages.map((s) => [s.stage, s.rules.map((r) => r.name)])).toEqual([[1, ['points', 'hide']], [2, ['level']]]);
    expect(JSON.stringify(doc)).toBe(before);
    expect(Object.isFrozen(compiled.rules[0].event)).toBe(true);
  });

  type Mutation = [string, (doc: RulebookDocument) => void, RegExp];
  const cases: Mutation[] = [
    ['unknown fact', (d) => { d.rules[0].conditions = { all: [{ fact: 'nope', operator: 'equal', value: 1 }] }; },
      /rule "points": fact "nope" is not in the fact catalog/],
    ['fact referenced in a value', (d) => { d.rules[0].conditions = { all: [{ fact: 'x', operator: 'greaterThan', value: { fact: 'ghost' } }] }; },
      /rule "points": fact "ghost" is not in the fact catalog/],
    ['derived fact in stage 1', (d) => { d.rules[1].stage = 1; },
      /rule "level": reads derived fact "known" in stage 1; derived facts exist from stage 2 on/],
    ['duplicate rule name', (d) => { d.rules[2].name = 'points'; }, /rule "points": name is not unique/],
    ['unknown operator', (d) => { d.rules[0].conditions = { all: [{ fact: 'x', operator: 'greaterThen', value: 1 }] }; },
      /rule "points": fact "x": unknown operator "greaterThen"/],
    ['numeric operator on a string fact', (d) => { d.rules[0].conditions = { all: [{ fact: 'mode', operator: 'lessThan', value: 1 }] }; },
      /fact "mode" is string; "lessThan" needs a number fact/],
    ['value not allowed', (d) => { d.rules[1].conditions = { all: [{ fact: 'mode', operator: 'equal', value: 'of' }] }; },
      /rule "level": fact "mode": "of" is not one of its allowedValues/],
    ['value of the wrong type', (d) => { d.rules[2].conditions = { all: [{ fact: 'flag', operator: 'equal', value: 'true' }] }; },
      /rule "hide": fact "flag" is boolean; value "true" is not/],
    ['set on an unknown field', (d) => { d.rules[1].event = { type: 'outcome', params: { set: { levle: 'high' } } }; },
      /rule "level": sets "levle", which is not an outcome field/],
    ['set value not in outputOrder', (d) => { d.rules[1].event = { type: 'outcome', params: { set: { level: 'hgih' } } }; },
      /rule "level": sets "level" to "hgih", which is not in its outputOrder/],
    ['add to a non-COLLECT field', (d) => { d.rules[1].event = { type: 'outcome', params: { add: { level: 'x' } } }; },
      /rule "level": adds to "level", which is not a COLLECT field/],
    ['set on a COLLECT field', (d) => { d.rules[1].event = { type: 'outcome', params: { set: { notes: 'x' } } }; },
      /rule "level": sets "notes", which takes items/],
    ['undeclared score', (d) => { d.rules[0].event = { type: 'score', params: { score: 'z', parameter: 'x', points: 1 } }; },
      /rule "points": score "z" is not declared/],
    ['suppress of an unknown field', (d) => { d.rules[2].event = { type: 'suppress', params: { field: 'scor' } }; },
      /rule "hide": suppresses "scor", which is neither an outcome field nor the parent of one/],
    ['unknown event type', (d) => { (d.rules[2] as { event: unknown }).event = { type: 'notify', params: {} }; },
      /rule "hide": unknown event type "notify"/],
    ['PRIORITY without outputOrder', (d) => { delete d.outcome.fields[0].outputOrder; },
      /outcome field "level": hit policy PRIORITY needs a non-empty "outputOrder"/],
    ['field with both from and hitPolicy', (d) => { d.outcome.fields[1].hitPolicy = 'FIRST'; },
      /outcome field "score.total": needs exactly one of "from" and "hitPolicy"/],
    ['field that is the parent of another', (d) => { d.outcome.fields.push({ path: 'score', hitPolicy: 'FIRST' }); },
      /outcome field "score": is the parent of outcome field "score.total"/],
    ['whenMissing on an unknown fact', (d) => { d.outcome.fields[0].whenMissing = { facts: ['nope'], value: null }; },
      /outcome field "level": whenMissing fact "nope" is not an input fact/],
    ['score requiring an unknown fact', (d) => { d.outcome.scores = { s: { description: 's', requiredFacts: ['nope'] } }; },
      /score "s": required fact "nope" is not an input fact/],
    ['derived fact from a list field', (d) => { d.facts.known.derivedFrom = { field: 'notes' }; },
      /fact "known": derivedFrom field "notes" is a list/],
    ['priority below 1', (d) => { d.rules[0].priority = 0; }, /rule "points": priority must be an integer ≥ 1/],
    // a threshold typed as text ("9O", a letter O) would compare as a string and silently never fire
    ['comparison threshold that is not a number', (d) => { d.rules[0].conditions = { all: [{ fact: 'x', operator: 'greaterThan', value: '9O' }] }; },
      /rule "points": fact "x": "greaterThan" needs a number value/],
    ['comparison threshold read from a string fact', (d) => { d.rules[0].conditions = { all: [{ fact: 'x', operator: 'lessThan', value: { fact: 'mode' } }] }; },
      /rule "points": fact "x": "lessThan" needs a number value/],
    ['list operator with a value outside allowedValues', (d) => { d.rules[1].conditions = { all: [{ fact: 'mode', operator: 'in', value: ['on', 'of'] }] }; },
      /rule "level": fact "mode": "of" is not one of its allowedValues/],
    ['notIn list with an item of the wrong type', (d) => { d.rules[1].conditions = { all: [{ fact: 'mode', operator: 'notIn', value: ['on', 1] }] }; },
      /rule "level": fact "mode" is string; value 1 is not/],
    ['list operator without a list', (d) => { d.rules[1].conditions = { all: [{ fact: 'mode', operator: 'in', value: 'on' }] }; },
      /rule "level": fact "mode": "in" needs an array value/],
  ];

  it.each(cases)('rejects %s, naming the rule or field', (_label, mutate, message) => {
    const doc = valid();
    mutate(doc);
    expect(() => compileRules(doc)).toThrow(message);
  });

  it('lists every problem at once', () => {
    const doc = valid();
    doc.rules[0].conditions = { all: [{ fact: 'nope', operator: 'equal', value: 1 }] };
    doc.rules[1].event = { type: 'outcome', params: { set: { levle: 'high' } } };
    expect(() => compileRules(doc)).toThrow(/inconsistent:\n {2}- rule "points".*\n {2}- rule "level"/);
  });
});
