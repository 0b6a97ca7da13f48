import type { RecordedFact, ReplayableDecision } from '../audit/decision-history.js';
import { canonicalJson } from '../common/canonical-json.js';
import { DomainError, type ProblemPointer } from '../common/domain-error.js';
import { compileFactCatalog, takeInFacts, type CompiledFactCatalog } from '../facts/index.js';
import { outcomePaths, outcomeValue } from '../rulebooks/rulebook-outcome-paths.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { ruleInput } from '../decisions/decision-explanation.js';
import { compileRules, evaluate, type CompiledRules } from '../decisions/evaluation/index.js';
import { annotateOutcomeFacts } from '../decisions/outcome-fact-annotation.js';

/** A fact of an audited decision as stored in `decision_fact` (the audit's read model, `DecisionHistory`). */
export type StoredFact = RecordedFact;

/** What impact analysis needs of one audited decision (as `DecisionHistory.recentForReplay` gives it). */
export type StoredDecision = ReplayableDecision;

/** One example of a changed outcome field. */
export interface FieldChangeExample {
  decisionId: string;
  before: unknown;
  after: unknown;
}

/** The report of `POST /v1/rulebooks/{key}/versions/{version}/simulate`. */
export interface ImpactReport {
  rulebook: { key: string; version: string; contentHash: string };
  /** The audited decisions replayed: `evaluated_at` in [from, to), newest first, at most `last`. */
  window: { from: string | null; to: string | null; last: number };
  /** Decisions replayed. */
  decisions: number;
  /** True when more decisions matched the window than `last`: only the newest `last` were replayed. */
  truncated: boolean;
  /** Decisions whose outcome would differ in at least one field. */
  outcomeChanged: number;
  unchanged: number;
  /** Decisions whose recorded facts the candidate refuses (a narrower range, another type): it would answer 4xx. */
  refused: number;
  /** Decisions whose evaluation fails under the candidate (a rulebook defect such as disagreeing UNIQUE rules). */
  failed: number;
  /** Per outcome field (dotted path): how many decisions would get another value, with examples. */
  byField: { field: string; changed: number; examples: FieldChangeExample[] }[];
  /** Per rule whose firing would differ: how many decisions it would newly fire on or stop firing on, with examples. */
  byRule: { rule: string; nowFires: number; stopsFiring: number; examples: { decisionId: string; firedBefore: boolean; firedAfter: boolean }[] }[];
  /** Examples of refused and failed decisions. */
  refusals: { decisionId: string; code: string; detail: string; errors?: ProblemPointer[] }[];
  failures: { decisionId: string; message: string }[];
  /** How many of the replayed decisions each stored version made. */
  versionsReplayed: Record<string, number>;
}

/** The facts a decision is replayed with: the recorded request and FHIR facts the candidate takes as input. */
export function replayFacts(candidate: RulebookDocument, facts: readonly StoredFact[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const fact of facts) {
    // Defaults are the old version's: the candidate applies its own. Derived and missing facts are not input.
    if (fact.source !== 'request' && fact.source !== 'fhir') continue;
    const definition = Object.hasOwn(candidate.facts, fact.name) ? candidate.facts[fact.name] : undefined;
    if (!definition || definition.derivedFrom || fact.value === null || fact.value === undefined) continue;
    const numeric = definition.type === 'number' || definition.type === 'integer';
    // A number keeps its recorded unit, so a candidate that changes the unit converts it (UCUM).
    input[fact.name] = numeric && typeof fact.value === 'number' && fact.unit && definition.unit && fact.unit !== definition.unit
      ? { value: fact.value, unit: fact.unit } : fact.value;
  }
  return input;
}

const ABSENT = '\u0000absent';
const same = (a: unknown, b: unknown): boolean =>
  (a === undefined ? ABSENT : canonicalJson(a)) === (b === undefined ? ABSENT : canonicalJson(b));

/**
 * Replays audited decisions on a candidate rulebook version and counts what would change. Pure (no I/O): the
 * decisions come from the caller (`ImpactSimulationService`, from the audit's `DecisionHistory`). Each decision's recorded request and FHIR facts (`replayFacts`) go through the
 * candidate's fact intake (its types, units, ranges and defaults) and rules at the decision's `asOf`; its outcome is
 * compared field by field (the candidate's outcome fields and those of the version that decided) and its rules by
 * whether they fired. Nothing is written.
 */
export class ImpactSimulation {
  private readonly catalog: CompiledFactCatalog;
  private readonly rules: CompiledRules;
  private readonly fieldCounts = new Map<string, { changed: number; examples: FieldChangeExample[] }>();
  private readonly ruleCounts = new Map<string, { nowFires: number; stopsFiring: number; examples: { decisionId: string; firedBefore: boolean; firedAfter: boolean }[] }>();
  private readonly refusals: ImpactReport['refusals'] = [];
  private readonly failures: ImpactReport['failures'] = [];
  private readonly versions: Record<string, number> = {};
  private decisions = 0;
  private changed = 0;
  private refused = 0;
  private failed = 0;

  /**
   * @param candidate the version to simulate (structurally valid: it must compile)
   * @param fieldsOf the outcome field paths of a stored version (the fields of the version that made a decision)
   * @param examples how many example decision ids to keep per field, per rule and for refusals
   * @throws Error when the candidate does not compile
   */
  constructor(
    private readonly candidate: RulebookDocument,
    private readonly fieldsOf: (version: string) => readonly string[],
    private readonly examples = 5,
  ) {
    this.catalog = compileFactCatalog(candidate.facts);
    this.rules = compileRules(candidate);
    for (const path of outcomePaths(candidate)) this.fieldCounts.set(path, { changed: 0, examples: [] });
  }

  /** Replays one decision on the candidate and counts the differences. */
  async add(decision: StoredDecision): Promise<void> {
    this.decisions += 1;
    this.versions[decision.version] = (this.versions[decision.version] ?? 0) + 1;
    let outcome: Record<string, unknown>;
    let fired: Set<string>;
    try {
      const intake = takeInFacts(this.catalog, { facts: replayFacts(this.candidate, decision.facts), asOf: decision.asOf });
      const evaluation = await evaluate(this.rules, ruleInput(this.candidate, intake));
      evaluation.outcome = annotateOutcomeFacts(evaluation.outcome, intake);
      outcome = evaluation.outcome;
      fired = new Set(evaluation.rules.filter((r) => r.fired).map((r) => r.name));
    } catch (error) {
      if (error instanceof DomainError) {
        this.refused += 1;
        if (this.refusals.length < this.examples) {
          this.refusals.push({ decisionId: decision.id, code: error.code, detail: error.detail, ...(error.errors ? { errors: error.errors } : {}) });
        }
      } else {
        this.failed += 1;
        if (this.failures.length < this.examples) this.failures.push({ decisionId: decision.id, message: (error as Error).message });
      }
      return;
    }

    let changed = false;
    const fields = new Set([...this.fieldCounts.keys(), ...this.fieldsOf(decision.version)]);
    for (const field of fields) {
      const before = outcomeValue(decision.outcome, field);
      const after = outcomeValue(outcome, field);
      if (same(before, after)) continue;
      changed = true;
      let count = this.fieldCounts.get(field);
      if (!count) this.fieldCounts.set(field, (count = { changed: 0, examples: [] }));
      count.changed += 1;
      if (count.examples.length < this.examples) count.examples.push({ decisionId: decision.id, before: before ?? null, after: after ?? null });
    }
    if (changed) this.changed += 1;

    const names = new Set([...decision.fired.keys(), ...this.rules.rules.map((r) => r.name)]);
    for (const rule of names) {
      const firedBefore = decision.fired.get(rule) === true;
      const firedAfter = fired.has(rule);
      if (firedBefore === firedAfter) continue;
      let count = this.ruleCounts.get(rule);
      if (!count) this.ruleCounts.set(rule, (count = { nowFires: 0, stopsFiring: 0, examples: [] }));
      if (firedAfter) count.nowFires += 1;
      else count.stopsFiring += 1;
      if (count.examples.length < this.examples) count.examples.push({ decisionId: decision.id, firedBefore, firedAfter });
    }
  }

  /** The report so far. */
  report(meta: Pick<ImpactReport, 'rulebook' | 'window' | 'truncated'>): ImpactReport {
    return {
      ...meta,
      decisions: this.decisions,
      outcomeChanged: this.changed,
      unchanged: this.decisions - this.changed - this.refused - this.failed,
      refused: this.refused,
      failed: this.failed,
      byField: [...this.fieldCounts].map(([field, count]) => ({ field, ...count })),
      byRule: [...this.ruleCounts].map(([rule, count]) => ({ rule, ...count })).sort((a, b) => a.rule.localeCompare(b.rule)),
      refusals: this.refusals,
      failures: this.failures,
      versionsReplayed: this.versions,
    };
  }
}
