import { buildEngineStage, evaluateOperator, runEngineStage } from './rule-engine.adapter.js';
import type { CompiledRule } from './evaluation.types.js';

/** The part of a json-rules-engine `Rule` (an EventEmitter that knows its engine) this test uses. */
interface EngineRule {
  engine: { stop(): void };
  on(event: 'success', listener: () => void): void;
  removeListener(event: 'success', listener: () => void): void;
}

const rule = (name: string, priority: number, threshold: number, order: number): CompiledRule => ({
  name,
  stage: 1,
  priority,
  order,
  event: { type: 'outcome', params: { set: { hit: name } } },
  conditions: { all: [{ fact: 'x', operator: 'greaterThan', value: threshold }] },
});

describe('runEngineStage', () => {
  it('reports every rule of the stage, fired or not, with its explained conditions', async () => {
    const stage = buildEngineStage([rule('high', 2, 10, 0), rule('low', 1, 1, 1)]);
    const outcomes = await runEngineStage(stage, { x: 5 });
    expect([...outcomes.keys()].sort()).toStrictEqual(['high', 'low']);
    expect(outcomes.get('high')).toStrictEqual({
      fired: false,
      conditions: { all: [{ fact: 'x', operator: 'greaterThan', value: 10, factValue: 5, result: false }], result: false },
    });
    expect(outcomes.get('low')?.fired).toBe(true);
  });

  it('refuses a run in which json-rules-engine skipped a rule, instead of reading the skipped rule as not fired', async () => {
    const stage = buildEngineStage([rule('first', 2, 0, 0), rule('skipped', 1, 0, 1), rule('also-skipped', 1, 5, 2)]);
    // Stopping the engine after the first priority level is what an overlapping run of a shared Engine does
    // (see runEngineStage): the lower-priority rule is then neither fired nor reported.
    const [first] = (stage as unknown as { rules: EngineRule[] }).rules;
    const stop = (): void => first.engine.stop();
    first.on('success', stop);
    try {
      await expect(runEngineStage(stage, { x: 1 })).rejects.toThrow('json-rules-engine returned no result for rule(s) "skipped", "also-skipped"');
    } finally {
      first.removeListener('success', stop);
    }
  });
});

describe('evaluateOperator', () => {
  it('applies operators and decorators as json-rules-engine does, and refuses an unknown operator', () => {
    expect(evaluateOperator('greaterThan', 5, 4)).toBe(true);
    expect(evaluateOperator('greaterThan', null, 4)).toBe(false);
    expect(evaluateOperator('not:in', 'b', ['a'])).toBe(true);
    expect(() => evaluateOperator('greaterThen', 5, 4)).toThrow('Unknown operator: greaterThen');
  });
});

describe('explained conditions', () => {
  it('keeps a leaf\'s path and a node\'s name, and shows the input value of a leaf the engine never evaluated', async () => {
    const stage = buildEngineStage([{
      name: 'explained', stage: 1, priority: 1, order: 0,
      event: { type: 'outcome', params: { set: { hit: true } } },
      conditions: {
        all: [
          { fact: 'x', operator: 'greaterThan', value: 10, priority: 9 },
          { any: [{ fact: 'vitals', path: '$.rr', operator: 'greaterThan', value: 20 }], name: 'respiratory' } as never,
        ],
      } as CompiledRule['conditions'],
    }]);
    const outcome = (await runEngineStage(stage, { x: 5, vitals: { rr: 30 } as never })).get('explained');
    expect(outcome).toStrictEqual({
      fired: false,
      conditions: {
        all: [
          { fact: 'x', operator: 'greaterThan', value: 10, factValue: 5, result: false },
          // short-circuited: never evaluated, so the result is null and the input value is shown for reference
          { any: [{ fact: 'vitals', operator: 'greaterThan', value: 20, path: '$.rr', factValue: { rr: 30 }, result: null }], name: 'respiratory', result: null },
        ],
        result: false,
      },
    });
  });
});
