/**
 * The one adapter between Verdict and json-rules-engine 7: the only module of the project that imports it. It builds
 * json-rules-engine `Rule` objects once per rulebook version, runs one stage of rules on one set of facts, and turns
 * json-rules-engine's `RuleResult`s into Verdict's own explanation types.
 *
 * json-rules-engine is CommonJS. Its `index.js` is `module.exports = require('./json-rules-engine')`, whose
 * `exports.Engine = …`/`exports.Rule = …` assignments Node's CommonJS named-export detection recognises, so the named
 * imports below work under plain Node ESM (the `tsc` build) and under Jest's ESM loader (which exposes the keys of
 * `module.exports` as named exports).
 */
import { Engine, Rule } from 'json-rules-engine';
import type { EngineOptions, RuleProperties } from 'json-rules-engine';
import type { FactValue } from '../../rulebooks/rulebook.types.js';
import type { CompiledRule, EngineStage, ExplainedCondition } from './evaluation.types.js';

/**
 * Options of every `Engine` Verdict creates. They must be identical for every engine (see `runEngineStage`).
 * - `allowUndefinedFacts`: a fact the engine has not been given reads as `undefined` (falsy for every operator)
 *   instead of throwing. Every catalog fact is passed (`null` when missing), so this is a safety net only.
 * - `allowUndefinedConditions: false`: rulebooks may not use named shared conditions.
 * - `replaceFactsInEventParams: false`: event params are data, never templates.
 */
const ENGINE_OPTIONS: Readonly<EngineOptions> = Object.freeze({
  allowUndefinedFacts: true,
  allowUndefinedConditions: false,
  replaceFactsInEventParams: false,
});

/** Operators json-rules-engine 7 ships (docs/rules.md "Operators"), usable with its decorators. */
export const ENGINE_OPERATORS: readonly string[] = Object.freeze([
  'equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain',
  'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
]);

/** Operator decorators json-rules-engine 7 ships (`decorator:operator`, for example `not:in`). */
export const ENGINE_OPERATOR_DECORATORS: readonly string[] = Object.freeze([
  'someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not',
]);

/** json-rules-engine's operator map (with its decorators), for `evaluateOperator`. Stateless; never run. */
const OPERATORS = (new Engine([], ENGINE_OPTIONS) as unknown as {
  operators: { get(name: string): { evaluate(factValue: unknown, jsonValue: unknown): boolean } | null };
}).operators;

/**
 * Applies one json-rules-engine operator (decorators included, `not:in`) exactly as the engine does in a condition
 * leaf, for leaves the engine did not evaluate (short-circuited) when three-valued logic needs their value.
 * @param operator the leaf's operator as written
 * @param factValue the fact's value (`null` when missing)
 * @param value the leaf's `value`, with a `{ fact }` reference already resolved
 * @throws Error for an unknown operator (the compiler rejects those first)
 */
export function evaluateOperator(operator: string, factValue: unknown, value: unknown): boolean {
  const op = OPERATORS.get(operator);
  if (!op) throw new Error(`Unknown operator: ${operator}`);
  return op.evaluate(factValue, value) === true;
}

/** What an `EngineStage` holds: the json-rules-engine `Rule` objects of one stage. Known only to this adapter. */
interface RuleStage {
  readonly rules: readonly Rule[];
}

/** What json-rules-engine decided for one rule in one run. */
export interface EngineRuleOutcome {
  fired: boolean;
  conditions: ExplainedCondition;
}

/**
 * Builds the json-rules-engine `Rule` objects of one stage, once per rulebook version (never per request).
 * Conditions and event are deep-copied because json-rules-engine's `Condition` constructor rewrites `priority` on the
 * objects it is given.
 * @throws Error from json-rules-engine when a rule is malformed (for example a priority below 1)
 */
export function buildEngineStage(rules: readonly CompiledRule[]): EngineStage {
  const stage: RuleStage = Object.freeze({
    rules: Object.freeze(rules.map((rule) => new Rule({
      name: rule.name,
      priority: rule.priority,
      conditions: structuredClone(rule.conditions) as RuleProperties['conditions'],
      event: structuredClone(rule.event),
    }))),
  });
  return stage as unknown as EngineStage;
}

/**
 * Runs one stage of rules on `facts` with a NEW json-rules-engine `Engine` and returns, for every rule of the stage,
 * whether it fired and its explained condition tree.
 *
 * Why a new engine per run: an `Engine` keeps a single run status (`READY`/`RUNNING`/`FINISHED`) for all its runs, and
 * checks it before each priority level. When two runs of one engine overlap, the first to finish sets `FINISHED` and
 * the other runs silently skip their remaining priority levels (their lower-priority rules are neither fired nor
 * reported). Building an engine from the precompiled `Rule`s costs a few microseconds.
 *
 * Caveat, accepted knowingly: `Engine.addRule` calls `rule.setEngine(engine)` on the SHARED `Rule` object, and
 * `Rule.evaluate` reads its operators, named conditions and fact priorities from `rule.engine`, which is therefore
 * whichever engine last added the rule (possibly one of a concurrent evaluation). This is harmless only because every
 * engine is built here, identically: same `ENGINE_OPTIONS`, the default operators and decorators, no engine-level
 * facts, named conditions or custom operators. Keep it that way; anything engine-specific must go into `run` facts.
 *
 * @param facts every fact the stage's rules may read; `null` for a missing fact (numeric operators are then false)
 * @throws Error when json-rules-engine did not report a result for every rule (it must never skip one)
 */
export async function runEngineStage(
  stage: EngineStage,
  facts: Readonly<Record<string, FactValue>>,
): Promise<Map<string, EngineRuleOutcome>> {
  const { rules } = stage as unknown as RuleStage;
  const engine = new Engine(rules as Rule[], ENGINE_OPTIONS);
  const { results, failureResults } = await engine.run({ ...facts });
  const outcomes = new Map<string, EngineRuleOutcome>();
  for (const ruleResult of [...results, ...failureResults]) {
    const fired = ruleResult.result === true;
    const top = explainNode(ruleResult.conditions, facts);
    outcomes.set(ruleResult.name, { fired, conditions: { ...top, result: fired } as ExplainedCondition });
  }
  const skipped = rules.filter((rule) => !outcomes.has(rule.name));
  if (skipped.length > 0) {
    throw new Error(`json-rules-engine returned no result for rule(s) ${skipped.map((r) => `"${r.name}"`).join(', ')}`);
  }
  return outcomes;
}

/** A node of json-rules-engine's evaluated condition tree (the clone a `RuleResult` carries). */
interface EngineConditionNode {
  all?: EngineConditionNode[];
  any?: EngineConditionNode[];
  not?: EngineConditionNode;
  name?: string;
  fact?: string;
  operator?: string;
  value?: unknown;
  path?: string;
  factResult?: unknown;
  result?: unknown;
}

function has(node: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(node, key);
}

function explainNode(raw: unknown, facts: Readonly<Record<string, FactValue>>): ExplainedCondition {
  const node = raw as EngineConditionNode;
  const result = typeof node.result === 'boolean' ? node.result : null;
  const named = node.name !== undefined ? { name: node.name } : {};
  // json-rules-engine checks `any`, then `all`, then `not` (Condition.booleanOperator); so do we.
  if (has(node, 'any')) return { any: (node.any ?? []).map((c) => explainNode(c, facts)), ...named, result };
  if (has(node, 'all')) return { all: (node.all ?? []).map((c) => explainNode(c, facts)), ...named, result };
  if (has(node, 'not')) return { not: explainNode(node.not, facts), ...named, result };
  const fact = String(node.fact);
  // An evaluated leaf carries the value the engine read; a short-circuited one gets the input value for reference.
  const factValue = result !== null ? (node.factResult ?? null) : (facts[fact] ?? null);
  return {
    fact,
    operator: String(node.operator),
    value: node.value,
    ...(node.path !== undefined ? { path: node.path } : {}),
    factValue: factValue as FactValue,
    result,
  };
}
