import type { FactValue } from '../../rulebooks/rulebook.types.js';
import type { ExplainedCondition, ExplainedLeaf } from './evaluation.types.js';
import { evaluateOperator } from './rule-engine.adapter.js';

/** A truth value of Kleene's strong three-valued logic: `null` is unknown. */
export type Truth = boolean | null;

/**
 * A fact whose value is unknown, with what is still known about it:
 * - `causes`: the missing input facts behind it (a missing input fact is its own cause);
 * - `range`: the closed interval its value lies in (a missing number fact: its catalog range; a score total: from
 *   the points already scored to the most the missing parameters could add);
 * - `values`: the finite set of values it can take (a missing boolean: true and false; a string with allowed values:
 *   those; an undetermined outcome field: the values the fired and could-fire rules leave possible).
 */
export interface UnknownFact {
  causes: readonly string[];
  range?: { min: number; max: number };
  values?: readonly unknown[];
}

/** A condition tree re-evaluated in three-valued logic. */
export interface KleeneResult {
  /** The same tree; every `result` is `true`, `false` or `null` (unknown: it depends on a missing fact). */
  conditions: ExplainedCondition;
  result: Truth;
  /** The missing input facts that make `result` unknown (empty when it is known). */
  causes: ReadonlySet<string>;
}

const NO_CAUSES: ReadonlySet<string> = new Set();

/**
 * Re-evaluates an explained condition tree (as json-rules-engine evaluated it, missing facts read as `null`) in
 * Kleene's strong three-valued logic (S. C. Kleene, Introduction to Metamathematics, 1952, §64):
 * - a leaf reading an unknown fact (or comparing with an unknown fact's value) is unknown, except `equal null` and
 *   `notEqual null`, which test whether the fact is missing and so stay true or false, and except when every value
 *   the fact can still take (`UnknownFact.values`, or both ends of `UnknownFact.range` for an order comparison)
 *   gives the same result: then that result is certain (SpO2 unknown in 0–100 is certainly `<= 100`; a NEWS2 total
 *   between 2 and 4 is certainly `< 5`);
 * - a leaf json-rules-engine did not evaluate (short-circuited) is evaluated with the engine's own operator;
 * - `all` is false if any child is false, else unknown if any child is unknown, else true; `any` is true if any child
 *   is true, else unknown if any is unknown, else false; `not` swaps true and false and keeps unknown.
 *
 * @param tree the rule's explained conditions from the adapter
 * @param facts the values the rules saw (`null` for missing)
 * @param unknown the facts whose value is unknown, each to the missing input facts behind it
 * @returns the tree with three-valued results, the root's result and the causes of an unknown result
 */
export function evaluateKleene(
  tree: ExplainedCondition,
  facts: Readonly<Record<string, FactValue>>,
  unknown: ReadonlyMap<string, UnknownFact>,
): KleeneResult {
  const node = tree as Record<string, unknown>;
  const named = node.name !== undefined ? { name: node.name as string } : {};
  if ('any' in node || 'all' in node) {
    const isAll = 'all' in node;
    const children = ((isAll ? node.all : node.any) as ExplainedCondition[]).map((c) => evaluateKleene(c, facts, unknown));
    const decisive = isAll ? false : true;
    const results = children.map((c) => c.result);
    const result: Truth = results.includes(decisive) ? decisive : results.includes(null) ? null : !decisive;
    const conditions = (isAll
      ? { all: children.map((c) => c.conditions), ...named, result }
      : { any: children.map((c) => c.conditions), ...named, result }) as ExplainedCondition;
    return { conditions, result, causes: result === null ? union(children.filter((c) => c.result === null)) : NO_CAUSES };
  }
  if ('not' in node) {
    const child = evaluateKleene(node.not as ExplainedCondition, facts, unknown);
    const result: Truth = child.result === null ? null : !child.result;
    return { conditions: { not: child.conditions, ...named, result } as ExplainedCondition, result, causes: child.causes };
  }
  return evaluateLeaf(tree as ExplainedLeaf, facts, unknown);
}

function evaluateLeaf(
  leaf: ExplainedLeaf,
  facts: Readonly<Record<string, FactValue>>,
  unknown: ReadonlyMap<string, UnknownFact>,
): KleeneResult {
  const testsMissing = (leaf.operator === 'equal' || leaf.operator === 'notEqual') && leaf.value === null;
  const valueFact = isFactReference(leaf.value) ? leaf.value.fact : undefined;
  const left = testsMissing ? undefined : unknown.get(leaf.fact);
  const right = testsMissing || valueFact === undefined ? undefined : unknown.get(valueFact);
  const value = valueFact !== undefined ? (facts[valueFact] ?? null) : leaf.value;
  if (left !== undefined || right !== undefined) {
    const certain = right === undefined && leaf.path === undefined && left !== undefined
      ? certainResult(leaf.operator, left, value)
      : null;
    if (certain !== null) return { conditions: { ...leaf, result: certain }, result: certain, causes: NO_CAUSES };
    const causes = new Set([...(left?.causes ?? []), ...(right?.causes ?? [])]);
    return { conditions: { ...leaf, result: null }, result: null, causes };
  }
  if (typeof leaf.result === 'boolean') return { conditions: leaf, result: leaf.result, causes: NO_CAUSES };
  const result = leaf.path === undefined ? evaluateOperator(leaf.operator, leaf.factValue, value) : null;
  return { conditions: { ...leaf, result }, result, causes: result === null ? new Set([leaf.fact]) : NO_CAUSES };
}

const ORDER_OPERATORS = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);

/**
 * The result of `operator` that holds for every value an unknown fact can still take, or `null` when the values
 * disagree or nothing bounds the fact. A finite `values` set is tried value by value. For a `range`, an order
 * comparison with a number holds on a half-line, so it is the same everywhere in the range exactly when it is the
 * same at both ends; `equal` a number outside the range is certainly false (and `notEqual` true).
 */
function certainResult(operator: string, fact: UnknownFact, value: unknown): boolean | null {
  if (fact.values !== undefined && fact.values.length > 0) {
    const results = new Set(fact.values.map((candidate) => evaluateOperator(operator, candidate, value)));
    return results.size === 1 ? [...results][0] : null;
  }
  if (fact.range === undefined || typeof value !== 'number') return null;
  const { min, max } = fact.range;
  if (ORDER_OPERATORS.has(operator)) {
    const atMin = evaluateOperator(operator, min, value);
    return atMin === evaluateOperator(operator, max, value) ? atMin : null;
  }
  if ((operator === 'equal' || operator === 'notEqual') && (value < min || value > max)) return operator === 'notEqual';
  return null;
}

function isFactReference(value: unknown): value is { fact: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { fact?: unknown }).fact === 'string';
}

function union(results: readonly KleeneResult[]): Set<string> {
  const all = new Set<string>();
  for (const r of results) for (const cause of r.causes) all.add(cause);
  return all;
}
