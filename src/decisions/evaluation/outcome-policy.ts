import { canonicalJson } from '../../common/canonical-json.js';
import type { FactValue, RuleEvent } from '../../rulebooks/rulebook.types.js';
import type { CompiledField, CompiledRules } from './evaluation.types.js';
import { RulebookDefectError } from './rulebook-defect.error.js';

/** An event of a fired rule; a list of them is always in evaluation order. */
export interface FiredEvent {
  rule: string;
  event: RuleEvent;
}

/** The summary of one score over the events fired so far. */
export interface ScoreSummary {
  /** Sum of the points when every required fact is present, else `null` (a partial sum never reads as the score). */
  total: number | null;
  /** Sum of the points fired so far, that is of the parameters that are known (rules fire only on known values). */
  knownTotal: number;
  /** The largest points of a single fired score event; 0 when none fired (for "3 in a single parameter"). */
  maxPoints: number;
  /** Required facts that are missing (`null`), in `requiredFacts` order. */
  missing: string[];
  /** `missing` is empty. */
  complete: boolean;
}

function isMissing(value: FactValue | undefined): boolean {
  return value === null || value === undefined;
}

/**
 * Sums the `score` events fired for `score`.
 * A parameter scores at most once: two fired events for the same parameter (overlapping bands) are a rulebook defect.
 * @throws RulebookDefectError naming the score, the parameter and both rules when a parameter scored twice
 */
export function summarizeScore(
  rules: CompiledRules,
  score: string,
  fired: readonly FiredEvent[],
  facts: Readonly<Record<string, FactValue>>,
): ScoreSummary {
  const byParameter = new Map<string, string>();
  let knownTotal = 0;
  let maxPoints: number | null = null;
  for (const { rule, event } of fired) {
    if (event.type !== 'score' || event.params.score !== score) continue;
    const { parameter, points } = event.params;
    const earlier = byParameter.get(parameter);
    if (earlier !== undefined) {
      throw new RulebookDefectError('SCORE_PARAMETER_SCORED_TWICE', rules, `${score}.${parameter}`, [earlier, rule],
        `Rulebook ${rules.key}@${rules.version}: score "${score}" parameter "${parameter}" was scored by both rule ` +
        `"${earlier}" and rule "${rule}" (overlapping bands)`,
      );
    }
    byParameter.set(parameter, rule);
    knownTotal += points;
    maxPoints = maxPoints === null ? points : Math.max(maxPoints, points);
  }
  const missing = rules.scores[score].requiredFacts.filter((fact) => isMissing(facts[fact]));
  return {
    total: missing.length === 0 ? knownTotal : null,
    knownTotal,
    maxPoints: maxPoints ?? 0,
    missing,
    complete: missing.length === 0,
  };
}

/**
 * Builds the outcome from the events fired so far, following the rulebook's outcome policy (see `OutcomeField` in
 * `rulebook.types.ts`); dotted paths become nested objects, in policy order.
 * - `from`: a score summary (`total` `null` unless complete, `knownTotal`, `maxPoints`, `missing`).
 * - `PRIORITY`: of the values fired rules `set`, the one ranked first in `outputOrder`.
 * - `FIRST`: the value set by the first fired rule in evaluation order.
 * - `UNIQUE`: the value every fired rule agrees on (canonical JSON equality).
 * - `COLLECT`: every item `add`ed, duplicates (canonical JSON) removed, in evaluation order.
 * - Nothing set/added: `whenMissing.value` if any of `whenMissing.facts` is missing, else `default`, else `null`
 *   (`[]` for `COLLECT`).
 * - A fired `suppress` event makes its field, and every field under it, `null`.
 * Values are copied: the outcome shares nothing with the compiled rulebook.
 * @throws RulebookDefectError naming the field and the rules when `UNIQUE` rules disagree, or as `summarizeScore`
 */
export function resolveOutcome(
  rules: CompiledRules,
  fired: readonly FiredEvent[],
  facts: Readonly<Record<string, FactValue>>,
): Record<string, unknown> {
  const suppressed = fired.flatMap(({ event }) => (event.type === 'suppress' ? [event.params.field] : []));
  const summaries = new Map<string, ScoreSummary>();
  const outcome: Record<string, unknown> = {};
  for (const field of rules.fields) {
    const cover = suppressed.find((s) => field.path === s || field.path.startsWith(s + '.'));
    if (cover !== undefined) {
      setPath(outcome, cover, null);
      continue;
    }
    if (field.from) {
      const { score, value } = field.from;
      let summary = summaries.get(score);
      if (!summary) {
        summary = summarizeScore(rules, score, fired, facts);
        summaries.set(score, summary);
      }
      setPath(outcome, field.path, structuredClone(summary[value]));
    } else {
      setPath(outcome, field.path, resolveHitPolicy(rules, field, fired, facts));
    }
  }
  return outcome;
}

function resolveHitPolicy(
  rules: CompiledRules,
  field: CompiledField,
  fired: readonly FiredEvent[],
  facts: Readonly<Record<string, FactValue>>,
): unknown {
  if (field.hitPolicy === 'COLLECT') {
    const seen = new Set<string>();
    const items: unknown[] = [];
    for (const { event } of fired) {
      if (event.type !== 'outcome' || !event.params.add || !(field.path in event.params.add)) continue;
      const added = event.params.add[field.path];
      for (const item of Array.isArray(added) ? added : [added]) {
        const key = canonicalJson(item);
        if (seen.has(key)) continue;
        seen.add(key);
        items.push(structuredClone(item));
      }
    }
    return items.length > 0 ? items : fallback(field, facts);
  }

  const hits: { rule: string; value: unknown; key: string }[] = [];
  for (const { rule, event } of fired) {
    if (event.type !== 'outcome' || !event.params.set || !(field.path in event.params.set)) continue;
    const value = event.params.set[field.path];
    hits.push({ rule, value, key: canonicalJson(value) });
  }
  if (hits.length === 0) return fallback(field, facts);

  switch (field.hitPolicy) {
    case 'FIRST':
      return structuredClone(hits[0].value);
    case 'UNIQUE': {
      const conflict = hits.find((hit) => hit.key !== hits[0].key);
      if (conflict) {
        throw new RulebookDefectError('HIT_POLICY_VIOLATION', rules, field.path, [hits[0].rule, conflict.rule],
          `Rulebook ${rules.key}@${rules.version}: outcome field "${field.path}" has hit policy UNIQUE but rule ` +
          `"${hits[0].rule}" set ${hits[0].key} and rule "${conflict.rule}" set ${conflict.key}`,
        );
      }
      return structuredClone(hits[0].value);
    }
    case 'PRIORITY': {
      const rank = field.outputRank as ReadonlyMap<string, number>;
      let best = hits[0];
      for (const hit of hits) if ((rank.get(hit.key) as number) < (rank.get(best.key) as number)) best = hit;
      return structuredClone(best.value);
    }
    default:
      throw new Error(`outcome field "${field.path}": unknown hit policy ${String(field.hitPolicy)}`);
  }
}

function fallback(field: CompiledField, facts: Readonly<Record<string, FactValue>>): unknown {
  if (field.whenMissing && field.whenMissing.facts.some((fact) => isMissing(facts[fact]))) {
    return structuredClone(field.whenMissing.value);
  }
  if (field.default !== undefined) return structuredClone(field.default);
  return field.hitPolicy === 'COLLECT' ? [] : null;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** Reads a dotted path of an outcome; `null` when a step is missing or `null` (suppressed). */
export function getPath(outcome: Record<string, unknown>, path: string): unknown {
  let node: unknown = outcome;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[key];
  }
  return node === undefined ? null : node;
}

/**
 * Computes the catalog facts with `derivedFrom` from the events fired so far (run between stages):
 * `{ score, value }` is the score summary's `total`/`knownTotal`/`maxPoints`/`complete`; `{ field }` is the outcome
 * field as resolved so far (`null` when unset or suppressed).
 * @throws Error as `resolveOutcome`
 */
export function computeDerivedFacts(
  rules: CompiledRules,
  fired: readonly FiredEvent[],
  facts: Readonly<Record<string, FactValue>>,
): Record<string, FactValue> {
  const derived: Record<string, FactValue> = {};
  let outcome: Record<string, unknown> | undefined;
  const summaries = new Map<string, ScoreSummary>();
  for (const { name, source } of rules.derivedFacts) {
    if ('score' in source) {
      let summary = summaries.get(source.score);
      if (!summary) {
        summary = summarizeScore(rules, source.score, fired, facts);
        summaries.set(source.score, summary);
      }
      derived[name] = summary[source.value];
    } else {
      outcome ??= resolveOutcome(rules, fired, facts);
      derived[name] = getPath(outcome, source.field) as FactValue;
    }
  }
  return derived;
}
