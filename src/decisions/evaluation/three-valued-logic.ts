import type { FactValue } from '../../rulebooks/rulebook.types.js';
import type { ExplainedCondition, ExplainedLeaf } from './evaluation.types.js';
import { evaluateOperator } from './rule-engine.adapter.js';

/** A truth value of Kleene's strong three-valued logic: `null` is unknown. */
export type Truth = boolean | null;

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
 *   `notEqual null`, which test whether the fact is missing and so stay true or false;
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
  unknown: ReadonlyMap<string, readonly string[]>,
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
  unknown: ReadonlyMap<string, readonly string[]>,
): KleeneResult {
  const testsMissing = (leaf.operator === 'equal' || leaf.operator === 'notEqual') && leaf.value === null;
  const valueFact = isFactReference(leaf.value) ? leaf.value.fact : undefined;
  const causes = new Set<string>();
  if (!testsMissing) {
    for (const fact of [leaf.fact, valueFact]) for (const cause of (fact !== undefined && unknown.get(fact)) || []) causes.add(cause);
  }
  if (causes.size > 0) return { conditions: { ...leaf, result: null }, result: null, causes };
  if (typeof leaf.result === 'boolean') return { conditions: leaf, result: leaf.result, causes: NO_CAUSES };
  const value = valueFact !== undefined ? (facts[valueFact] ?? null) : leaf.value;
  const result = leaf.path === undefined ? evaluateOperator(leaf.operator, leaf.factValue, value) : null;
  return { conditions: { ...leaf, result }, result, causes: result === null ? new Set([leaf.fact]) : NO_CAUSES };
}

function isFactReference(value: unknown): value is { fact: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { fact?: unknown }).fact === 'string';
}

function union(results: readonly KleeneResult[]): Set<string> {
  const all = new Set<string>();
  for (const r of results) for (const cause of r.causes) all.add(cause);
  return all;
}
