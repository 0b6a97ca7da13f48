import type { FactValue } from '../../rulebooks/rulebook.types.js';
import type { CompiledRules, Evaluation, RuleExplanation } from './evaluation.types.js';
import { computeDerivedFacts, type FiredEvent, resolveOutcome } from './outcome-policy.js';
import { runEngineStage } from './rule-engine.adapter.js';

/**
 * Evaluates a compiled rulebook on one set of facts: pure (no I/O, no clock), and safe to run concurrently with any
 * number of other evaluations of the same `CompiledRules` (each stage runs on its own json-rules-engine `Engine`).
 *
 * 1. Stage by stage (ascending), the stage's rules run on the input facts plus the derived facts computed so far.
 * 2. After each stage, the catalog facts with `derivedFrom` are recomputed from every event fired so far
 *    (`computeDerivedFacts`), so later stages can read, say, the NEWS2 total.
 * 3. The outcome is built from every fired event by the outcome policy (`resolveOutcome`: score sums, DMN hit
 *    policies `PRIORITY`/`FIRST`/`UNIQUE`/`COLLECT`, `suppress`, `default`, `whenMissing`).
 *
 * Missing facts are `null`. json-rules-engine's numeric operators are false on `null`, and `equal`/`in` compare
 * strictly, so a missing value never satisfies a threshold; what a missing fact means is decided by the rulebook,
 * through the outcome policy (`whenMissing`, score `requiredFacts` making `total` `null` and listing `missing`) and
 * through explicit rules (`{ "fact": "x", "operator": "equal", "value": null }`), never by silently reading as normal.
 *
 * @param rules from `compileRules`
 * @param facts every input (non-derived) catalog fact by name, `null` when missing; an absent name counts as `null`,
 *   names outside the catalog and values given for derived facts are ignored. Values are expected already taken in
 *   (type-checked, unit-converted, rounded to the catalog precision, in range).
 * @returns the outcome, the explanation of every rule (in evaluation order) and the derived facts after the last stage
 * @throws Error on a rulebook defect found at run time: `UNIQUE` rules that disagree, a score parameter scored twice
 */
export async function evaluate(rules: CompiledRules, facts: Record<string, FactValue>): Promise<Evaluation> {
  const current: Record<string, FactValue> = {};
  for (const name of rules.inputFacts) current[name] = facts[name] ?? null;

  const fired: FiredEvent[] = [];
  const explanations: RuleExplanation[] = [];
  let derivedFacts: Record<string, FactValue> = {};
  for (const stage of rules.stages) {
    const results = await runEngineStage(stage.engine, current);
    for (const rule of stage.rules) {
      const result = results.get(rule.name);
      if (!result) throw new Error(`rule "${rule.name}" was not evaluated`);
      explanations.push({
        name: rule.name,
        stage: rule.stage,
        priority: rule.priority,
        fired: result.fired,
        event: rule.event,
        conditions: result.conditions,
      });
      if (result.fired) fired.push({ rule: rule.name, event: rule.event });
    }
    derivedFacts = computeDerivedFacts(rules, fired, current);
    Object.assign(current, derivedFacts);
  }
  if (rules.stages.length === 0) derivedFacts = computeDerivedFacts(rules, fired, current);

  return { outcome: resolveOutcome(rules, fired, current), rules: explanations, derivedFacts };
}
