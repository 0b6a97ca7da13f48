import type { FactValue } from '../../rulebooks/rulebook.types.js';
import type { CompiledRules, Evaluation, RuleExplanation } from './evaluation.types.js';
import { computeDerivedFacts, type FiredEvent, type PossibleEvent, resolveOutcome } from './outcome-policy.js';
import { runEngineStage } from './rule-engine.adapter.js';
import { evaluateKleene, type UnknownFact } from './three-valued-logic.js';

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
 * Under `kleene` logic (`OutcomePolicy.missingFactLogic`), each rule's conditions are re-evaluated in Kleene's
 * three-valued logic (`evaluateKleene`): a rule whose conditions are unknown does not fire but "could fire"; its
 * explanation shows `fired: false` with `conditions.result: null` and `null` on the unknown leaves. A derived fact is
 * unknown when the score total or outcome field it comes from is unknown, and the outcome policy makes every field
 * such a rule could change undetermined (see `resolveOutcomeWithUncertainty`).
 *
 * @param rules from `compileRules`
 * @param facts every input (non-derived) catalog fact by name, `null` when missing; an absent name counts as `null`,
 *   names outside the catalog and values given for derived facts are ignored. Values are expected already taken in
 *   (type-checked, unit-converted, rounded to the catalog precision, in range).
 * @returns the outcome, the explanation of every rule (in evaluation order) and the derived facts after the last stage
 * @throws RulebookDefectError on a rulebook defect found at run time: `UNIQUE` rules that disagree, a score parameter
 *   scored twice
 */
export async function evaluate(rules: CompiledRules, facts: Record<string, FactValue>): Promise<Evaluation> {
  const current: Record<string, FactValue> = {};
  for (const name of rules.inputFacts) current[name] = facts[name] ?? null;
  const kleene = rules.logic === 'kleene';
  // Under Kleene logic every missing input fact is unknown, caused by itself; derived facts join after each stage.
  let unknown = new Map<string, UnknownFact>();
  if (kleene) {
    for (const name of rules.inputFacts) {
      if (current[name] === null) unknown.set(name, { causes: [name], ...rules.inputDomains.get(name) });
    }
  }
  const inputUnknown = new Map(unknown);

  const fired: FiredEvent[] = [];
  const possible: PossibleEvent[] = [];
  const explanations: RuleExplanation[] = [];
  let derivedFacts: Record<string, FactValue> = {};
  for (const stage of rules.stages) {
    const results = await runEngineStage(stage.engine, current);
    for (const rule of stage.rules) {
      const result = results.get(rule.name);
      if (!result) throw new Error(`rule "${rule.name}" was not evaluated`);
      let { conditions } = result;
      let truth: boolean | null = result.fired;
      let causes: readonly string[] = [];
      if (kleene) {
        const three = evaluateKleene(result.conditions, current, unknown);
        ({ conditions } = three);
        truth = three.result;
        causes = [...three.causes].sort();
      }
      explanations.push({
        name: rule.name,
        stage: rule.stage,
        priority: rule.priority,
        fired: truth === true,
        event: rule.event,
        conditions,
      });
      if (truth === true) fired.push({ rule: rule.name, event: rule.event, order: rule.order });
      else if (truth === null) possible.push({ rule: rule.name, event: rule.event, order: rule.order, causes });
    }
    const derived = computeDerivedFacts(rules, { fired, possible }, current);
    derivedFacts = derived.values;
    Object.assign(current, derivedFacts);
    if (kleene) unknown = new Map([...inputUnknown, ...derived.unknown]);
  }
  if (rules.stages.length === 0) derivedFacts = computeDerivedFacts(rules, { fired, possible }, current).values;

  return { outcome: resolveOutcome(rules, { fired, possible }, current), rules: explanations, derivedFacts };
}
