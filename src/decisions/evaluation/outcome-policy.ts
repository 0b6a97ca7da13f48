import { canonicalJson } from '../../common/canonical-json.js';
import type { FactValue, RuleEvent } from '../../rulebooks/rulebook.types.js';
import type { CompiledField, CompiledRules } from './evaluation.types.js';
import { RulebookDefectError } from './rulebook-defect.error.js';
import type { UnknownFact } from './three-valued-logic.js';

/** An event of a fired rule; a list of them is always in evaluation order. */
export interface FiredEvent {
  rule: string;
  event: RuleEvent;
  /** The rule's place in evaluation order (`CompiledRule.order`); the list index when absent. */
  order?: number;
}

/**
 * An event of a rule that COULD fire: under `kleene` logic its conditions are unknown because they read missing facts.
 * `causes` are the missing input facts behind the unknown conditions (fact names, sorted).
 */
export interface PossibleEvent extends FiredEvent {
  causes: readonly string[];
}

/**
 * What the rules decided so far: the events that fired (true conditions) and, under `kleene` logic, the events that
 * could fire (unknown conditions). Under `two-valued` logic `possible` is always empty.
 */
export interface Firings {
  fired: readonly FiredEvent[];
  possible: readonly PossibleEvent[];
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
  /**
   * Missing facts that make `total` unknown: the missing required facts plus the causes of score events that could
   * fire (sorted). Empty when `total` is known.
   */
  unknownBecause: string[];
  /**
   * Bounds of the total over every value the missing facts could take: `knownTotal` plus, for each parameter not yet
   * scored, the fewest (negative) and the most points a rule that could fire would add. Equal to `total` when known.
   */
  totalRange: { min: number; max: number };
  /** The most points a single parameter could still reach (at least `maxPoints`). */
  maxPointsUpper: number;
}

/** An undetermined outcome field: the missing facts it depends on (sorted) and the values it could still take. */
export interface UndeterminedField {
  causes: string[];
  values: unknown[];
}

/** The outcome with its undetermined fields by path. */
export interface ResolvedOutcome {
  outcome: Record<string, unknown>;
  undetermined: Map<string, UndeterminedField>;
}

function isMissing(value: FactValue | undefined): boolean {
  return value === null || value === undefined;
}

/**
 * Sums the `score` events fired for `score`.
 * A parameter scores at most once: two fired events for the same parameter (overlapping bands) are a rulebook defect.
 * @param possible score events that could fire (`kleene` logic); they make `total` unknown, never add points
 * @throws RulebookDefectError naming the score, the parameter and both rules when a parameter scored twice
 */
export function summarizeScore(
  rules: CompiledRules,
  score: string,
  fired: readonly FiredEvent[],
  facts: Readonly<Record<string, FactValue>>,
  possible: readonly PossibleEvent[] = [],
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
  const unknown = new Set(missing);
  // Per parameter not scored yet, the least and most points a rule that could fire would add.
  const couldAdd = new Map<string, { least: number; most: number }>();
  for (const { event, causes } of possible) {
    if (event.type !== 'score' || event.params.score !== score) continue;
    for (const cause of causes) unknown.add(cause);
    const { parameter, points } = event.params;
    if (byParameter.has(parameter)) continue;
    const seen = couldAdd.get(parameter);
    couldAdd.set(parameter, { least: Math.min(seen?.least ?? 0, points), most: Math.max(seen?.most ?? 0, points) });
  }
  let least = knownTotal;
  let most = knownTotal;
  let maxPointsUpper = maxPoints ?? 0;
  for (const range of couldAdd.values()) {
    least += range.least;
    most += range.most;
    maxPointsUpper = Math.max(maxPointsUpper, range.most);
  }
  return {
    total: unknown.size === 0 ? knownTotal : null,
    knownTotal,
    maxPoints: maxPoints ?? 0,
    missing,
    complete: missing.length === 0,
    unknownBecause: [...unknown].sort(),
    totalRange: { min: least, max: most },
    maxPointsUpper,
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
 * - A fired `suppress` event makes its field, and every field under it, `null` (an event that only could fire does not).
 * - Undetermined (`kleene` logic): a single-value field is `null` when a rule that could fire would change it: for
 *   `PRIORITY` a possible value ranked before the best fired one (or any possible value when none fired), for
 *   `UNIQUE` a possible value other than the fired one, for `FIRST` a possible event before the first fired one.
 *   The missing facts behind it are listed at `undeterminedPath` (when the policy has one). `COLLECT` lists only
 *   what fired.
 * - `floorPath` (`PRIORITY`): the best fired value, which the answer is at least as urgent as; equal to the field when
 *   determined; `null` when nothing fired.
 * Values are copied: the outcome shares nothing with the compiled rulebook.
 * @throws RulebookDefectError naming the field and the rules when `UNIQUE` rules disagree, or as `summarizeScore`
 */
export function resolveOutcome(
  rules: CompiledRules,
  firings: Firings | readonly FiredEvent[],
  facts: Readonly<Record<string, FactValue>>,
): Record<string, unknown> {
  return resolveOutcomeWithUncertainty(rules, asFirings(firings), facts).outcome;
}

function asFirings(firings: Firings | readonly FiredEvent[]): Firings {
  return Array.isArray(firings) ? { fired: firings, possible: [] } : (firings as Firings);
}

/** `resolveOutcome`, also returning the undetermined fields with their causes. */
export function resolveOutcomeWithUncertainty(
  rules: CompiledRules,
  { fired, possible }: Firings,
  facts: Readonly<Record<string, FactValue>>,
): ResolvedOutcome {
  const suppressed = fired.flatMap(({ event }) => (event.type === 'suppress' ? [event.params.field] : []));
  const summaries = new Map<string, ScoreSummary>();
  const outcome: Record<string, unknown> = {};
  const undetermined = new Map<string, UndeterminedField>();
  for (const field of rules.fields) {
    const cover = suppressed.find((s) => field.path === s || field.path.startsWith(s + '.'));
    if (cover !== undefined) {
      setPath(outcome, cover, null);
      if (field.floorPath !== undefined) setPath(outcome, field.floorPath, null);
      continue;
    }
    if (field.from) {
      const { score, value } = field.from;
      let summary = summaries.get(score);
      if (!summary) {
        summary = summarizeScore(rules, score, fired, facts, possible);
        summaries.set(score, summary);
      }
      setPath(outcome, field.path, structuredClone(summary[value]));
    } else {
      const resolved = resolveHitPolicy(rules, field, fired, possible, facts);
      setPath(outcome, field.path, resolved.value);
      if (field.floorPath !== undefined) setPath(outcome, field.floorPath, resolved.floor ?? null);
      if (resolved.undetermined) undetermined.set(field.path, resolved.undetermined);
    }
  }
  if (rules.undeterminedPath !== undefined) {
    setPath(outcome, rules.undeterminedPath, Object.fromEntries([...undetermined].map(([path, u]) => [path, u.causes])));
  }
  return { outcome, undetermined };
}

interface Hit {
  rule: string;
  value: unknown;
  key: string;
  order: number;
  causes?: readonly string[];
}

interface ResolvedField {
  value: unknown;
  floor?: unknown;
  /** Set when the field is undetermined. */
  undetermined?: UndeterminedField;
}

function resolveHitPolicy(
  rules: CompiledRules,
  field: CompiledField,
  fired: readonly FiredEvent[],
  possible: readonly PossibleEvent[],
  facts: Readonly<Record<string, FactValue>>,
): ResolvedField {
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
    return { value: items.length > 0 ? items : fallback(field, facts) };
  }

  const hits = setHits(field, fired);
  const maybe = setHits(field, possible);
  /** Undetermined: `by` could change it; without them it would be `otherwise`. */
  const undetermined = (by: readonly Hit[], otherwise: unknown): ResolvedField => {
    const values = new Map([[canonicalJson(otherwise), otherwise]]);
    for (const hit of by) values.set(hit.key, hit.value);
    return {
      value: null,
      undetermined: { causes: [...new Set(by.flatMap((hit) => hit.causes ?? []))].sort(), values: structuredClone([...values.values()]) },
    };
  };

  switch (field.hitPolicy) {
    case 'FIRST': {
      const first = hits[0];
      const before = maybe.filter((hit) => first === undefined || hit.order < first.order);
      const otherwise = first ? structuredClone(first.value) : fallback(field, facts);
      if (before.length > 0) return undetermined(before, otherwise);
      return { value: otherwise };
    }
    case 'UNIQUE': {
      const conflict = hits.find((hit) => hit.key !== hits[0].key);
      if (conflict) {
        throw new RulebookDefectError('HIT_POLICY_VIOLATION', rules, field.path, [hits[0].rule, conflict.rule],
          `Rulebook ${rules.key}@${rules.version}: outcome field "${field.path}" has hit policy UNIQUE but rule ` +
          `"${hits[0].rule}" set ${hits[0].key} and rule "${conflict.rule}" set ${conflict.key}`,
        );
      }
      const otherwise = hits.length > 0 ? structuredClone(hits[0].value) : fallback(field, facts);
      const other = maybe.filter((hit) => hits.length === 0 || hit.key !== hits[0].key);
      if (other.length > 0) return undetermined(other, otherwise);
      return { value: otherwise };
    }
    case 'PRIORITY': {
      const rank = field.outputRank as ReadonlyMap<string, number>;
      const best = (list: readonly Hit[]): Hit | undefined =>
        list.reduce<Hit | undefined>((a, b) => (a === undefined || (rank.get(b.key) as number) < (rank.get(a.key) as number) ? b : a), undefined);
      const top = best(hits);
      const floor = top ? structuredClone(top.value) : null;
      const moreUrgent = maybe.filter((hit) => top === undefined || (rank.get(hit.key) as number) < (rank.get(top.key) as number));
      const otherwise = top ? structuredClone(top.value) : fallback(field, facts);
      if (moreUrgent.length > 0) return { ...undetermined(moreUrgent, otherwise), floor };
      return { value: otherwise, floor };
    }
    default:
      throw new Error(`outcome field "${field.path}": unknown hit policy ${String(field.hitPolicy)}`);
  }
}

/** The `set` proposals of `events` for one field, in evaluation order. */
function setHits(field: CompiledField, events: readonly (FiredEvent | PossibleEvent)[]): Hit[] {
  const hits: Hit[] = [];
  events.forEach((entry, order) => {
    const { rule, event } = entry;
    if (event.type !== 'outcome' || !event.params.set || !(field.path in event.params.set)) return;
    const value = event.params.set[field.path];
    hits.push({ rule, value, key: canonicalJson(value), order: ruleOrder(entry, order), ...('causes' in entry && { causes: entry.causes }) });
  });
  return hits;
}

/** Evaluation order of an event: its `order` when the evaluator gave one, else its index in its list. */
function ruleOrder(entry: FiredEvent | PossibleEvent, index: number): number {
  return entry.order ?? index;
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

/** Derived facts after a stage: their values and, under `kleene` logic, which of them are unknown and what is known. */
export interface DerivedFacts {
  values: Record<string, FactValue>;
  /** Derived facts whose value is unknown, with their causes and bounds. */
  unknown: Map<string, UnknownFact>;
}

/**
 * Computes the catalog facts with `derivedFrom` from the events fired so far (run between stages):
 * `{ score, value }` is the score summary's `total`/`knownTotal`/`maxPoints`/`complete`; `{ field }` is the outcome
 * field (or floor) as resolved so far (`null` when unset or suppressed).
 * Unknown (`kleene` logic): a score `total` that is `null` for missing facts (bounded by `totalRange`), a `maxPoints`
 * that a rule that could fire would raise (bounded by `maxPointsUpper`), and an undetermined field (with the values
 * it could take). `knownTotal`, `complete` and floors are always known (certainties).
 * @throws RulebookDefectError as `resolveOutcome`
 */
export function computeDerivedFacts(
  rules: CompiledRules,
  firings: Firings | readonly FiredEvent[],
  facts: Readonly<Record<string, FactValue>>,
): DerivedFacts {
  const { fired, possible } = asFirings(firings);
  const values: Record<string, FactValue> = {};
  const unknown = new Map<string, UnknownFact>();
  let resolved: ResolvedOutcome | undefined;
  const summaries = new Map<string, ScoreSummary>();
  for (const { name, source } of rules.derivedFacts) {
    if ('score' in source) {
      let summary = summaries.get(source.score);
      if (!summary) {
        summary = summarizeScore(rules, source.score, fired, facts, possible);
        summaries.set(source.score, summary);
      }
      values[name] = summary[source.value];
      if (source.value === 'total' && summary.total === null) {
        unknown.set(name, { causes: summary.unknownBecause, range: summary.totalRange });
      } else if (source.value === 'maxPoints' && summary.maxPointsUpper > summary.maxPoints) {
        unknown.set(name, { causes: summary.unknownBecause, range: { min: summary.maxPoints, max: summary.maxPointsUpper } });
      }
    } else {
      resolved ??= resolveOutcomeWithUncertainty(rules, { fired, possible }, facts);
      values[name] = getPath(resolved.outcome, source.field) as FactValue;
      const field = resolved.undetermined.get(source.field);
      if (field) unknown.set(name, { causes: field.causes, values: field.values });
    }
  }
  return { values, unknown };
}
