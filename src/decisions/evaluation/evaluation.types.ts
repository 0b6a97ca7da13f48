import type {
  FactDefinition,
  FactValue,
  MissingFactLogic,
  OutcomeField,
  RuleEvent,
  ScoreDefinition,
  TopLevelCondition,
} from '../../rulebooks/rulebook.types.js';

/**
 * A leaf of an explained condition tree: the rule's `fact`/`operator`/`value` (and `path`) as written, the fact value
 * the rule saw and the leaf's result.
 * - `factValue` is `null` for a missing fact.
 * - `result` is `true`/`false` when json-rules-engine evaluated the leaf, and `null` when it did not: json-rules-engine
 *   short-circuits an `all`/`any` between condition priority levels (a leaf with a lower `priority` than a leaf that
 *   already decided its parent is never evaluated). Leaves of equal priority are always all evaluated.
 */
export interface ExplainedLeaf {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  factValue: FactValue;
  result: boolean | null;
}

/** A boolean node of an explained condition tree; `result` is `null` when short-circuited (see `ExplainedLeaf`). */
export type ExplainedBoolean =
  | { all: ExplainedCondition[]; name?: string; result: boolean | null }
  | { any: ExplainedCondition[]; name?: string; result: boolean | null }
  | { not: ExplainedCondition; name?: string; result: boolean | null };

/** The same tree as the rule's `conditions` (`all`/`any`/`not` nodes and leaves), with values and results. */
export type ExplainedCondition = ExplainedBoolean | ExplainedLeaf;

/** What one rule did in one evaluation: listed for every rule of every stage, fired or not. */
export interface RuleExplanation {
  name: string;
  stage: number;
  /** json-rules-engine priority within the stage (higher runs first). */
  priority: number;
  fired: boolean;
  /** The rule's event as written in the rulebook (whether or not it fired); frozen and shared between evaluations. */
  event: RuleEvent;
  conditions: ExplainedCondition;
}

/** The result of `evaluate`: the outcome, every rule's explanation and the derived facts as computed. */
export interface Evaluation {
  /** Built from the outcome policy: dotted field paths become nested objects (`news2.riskBand`). */
  outcome: Record<string, unknown>;
  /** Every rule of every stage, fired or not, in evaluation order (stage, then priority high to low, then file order). */
  rules: RuleExplanation[];
  /** Values of the catalog facts with `derivedFrom`, as computed after the last stage. */
  derivedFacts: Record<string, FactValue>;
}

/** One rule after compilation: its place in evaluation order and its documentation-free parts. */
export interface CompiledRule {
  readonly name: string;
  readonly stage: number;
  readonly priority: number;
  /** Position in evaluation order (0 first). */
  readonly order: number;
  /** Deep-frozen; shared by every evaluation. */
  readonly event: RuleEvent;
  readonly conditions: TopLevelCondition;
}

declare const engineStageBrand: unique symbol;

/**
 * json-rules-engine's prepared `Rule` objects of one stage. Opaque on purpose: only `rule-engine.adapter.ts` builds
 * (`buildEngineStage`) and reads (`runEngineStage`) it, so no other module depends on json-rules-engine's types, and
 * the evaluation types do not import the adapter (which imports them).
 */
export interface EngineStage {
  readonly [engineStageBrand]: true;
}

/** The rules of one stage, ready for json-rules-engine. */
export interface CompiledStage {
  readonly stage: number;
  readonly rules: readonly CompiledRule[];
  /** json-rules-engine `Rule` objects, built once and shared by every evaluation (see `rule-engine.adapter.ts`). */
  readonly engine: EngineStage;
}

/** A catalog fact computed between stages. */
export interface DerivedFact {
  readonly name: string;
  readonly definition: FactDefinition;
  readonly source: NonNullable<FactDefinition['derivedFrom']>;
}

/**
 * A rulebook version compiled once by `compileRules` and evaluated many times by `evaluate`. Immutable; safe to share
 * between concurrent evaluations.
 */
export interface CompiledRules {
  readonly key: string;
  readonly version: string;
  /** Catalog facts an evaluation takes as input (every fact without `derivedFrom`), in catalog order. */
  readonly inputFacts: readonly string[];
  /**
   * What a missing input fact could be, from its catalog: `range` for numbers (the physiological range), `values` for
   * booleans (true, false) and strings with `allowedValues`. Used by `kleene` logic.
   */
  readonly inputDomains: ReadonlyMap<string, { range?: { min: number; max: number }; values?: readonly unknown[] }>;
  /** Catalog facts computed between stages, in catalog order. */
  readonly derivedFacts: readonly DerivedFact[];
  /** Stages in ascending order; empty stages are omitted. */
  readonly stages: readonly CompiledStage[];
  /** Every rule in evaluation order. */
  readonly rules: readonly CompiledRule[];
  readonly scores: Readonly<Record<string, ScoreDefinition>>;
  /** Outcome fields in policy order. */
  readonly fields: readonly CompiledField[];
  /** How conditions on missing facts evaluate (`OutcomePolicy.missingFactLogic`, default `two-valued`). */
  readonly logic: MissingFactLogic;
  /** Where the outcome lists the undetermined fields and the missing facts behind them, if the policy says. */
  readonly undeterminedPath?: string;
}

/** An outcome field after compilation. */
export interface CompiledField extends OutcomeField {
  /** For `PRIORITY`: canonical JSON of each `outputOrder` value to its rank (0 wins). */
  readonly outputRank?: ReadonlyMap<string, number>;
}
