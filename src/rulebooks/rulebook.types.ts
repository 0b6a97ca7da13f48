/**
 * The rulebook document: the unit of clinical logic Verdict loads, versions, evaluates and audits.
 *
 * A rulebook is pure data (no code). It is stored as `rulebooks/<key>/<semver>.json` and in the database, validated
 * against `rulebook.schema.json` (JSON Schema 2020-12) and identified by the sha256 of its RFC 8785 canonical JSON.
 *
 * Evaluation in brief (see `src/decisions/evaluation/`):
 * 1. Facts are taken in: request `facts`, else derived from FHIR by the fact catalog (`FactDefinition.fhir`), else the
 *    catalog `default`; anything else is missing (value `null` for the rules, listed in `missingFacts`).
 * 2. Rules run stage by stage (`RulebookRule.stage`, 1 first). Between stages the facts with `derivedFrom` are computed
 *    from the events fired so far (for example the NEWS2 total feeding the risk-band rules of stage 2).
 * 3. The outcome policy turns fired events into the outcome: score sums, hit policies (DMN vocabulary) for single
 *    values, collected lists, suppression, and what a missing fact means.
 */

import type { RulebookKind } from '../common/rulebook-kind.js';

/** Types a fact can take. `integer` and `number` are JSON numbers; `dateTime` is an RFC 3339 string. */
export type FactType = 'number' | 'integer' | 'boolean' | 'string' | 'dateTime';

/** A fact value as the rules see it. `null` means the fact is missing. */
export type FactValue = number | boolean | string | null;

/** A bibliographic reference: the standard or source a rulebook or rule follows. */
export interface Reference {
  title: string;
  url?: string;
}

/** A coded reason or requirement in an outcome: a stable code and text a person can read. */
export interface CodedText {
  code: string;
  text: string;
}

/**
 * One entry of the fact catalog: what the fact means, its type, unit and limits, and where it comes from.
 * Exactly one of `fhir` and `derivedFrom` may be present; a fact with neither comes only from the request (or `default`).
 */
export interface FactDefinition {
  type: FactType;
  description: string;
  /** UCUM unit of the canonical value (for example `/min`, `Cel`, `mm[Hg]`, `%`, `a`). */
  unit?: string;
  /** Decimal places kept; values are rounded half up once when taken in (`0` for integers). */
  precision?: number;
  /** Physiological range, inclusive. A value outside it is rejected with 422 (request) or 422 (FHIR). */
  range?: { min?: number; max?: number };
  /** Allowed values of a `string` fact (for example ACVPU `A`,`C`,`V`,`P`,`U`). */
  allowedValues?: string[];
  /** Value used when neither the request nor FHIR provides one (source `default`). */
  default?: number | boolean | string;
  /** How to derive the fact from FHIR R4 resources. */
  fhir?: FhirDerivation;
  /**
   * Observation facts only: the maximum age of a reading at `asOf`, an ISO 8601 duration of weeks, days, hours,
   * minutes or seconds (`PT4H`, `P1D`). An older reading is not used; when nothing newer is usable the fact is
   * missing as `stale`.
   */
  maxAge?: string;
  /**
   * What a FHIR value that cannot be read does (a unit absent or not convertible, a value out of `range`, a code not
   * in the `codeMap`, not a number): `refuse` (the default) answers 422 `UNPROCESSABLE_FACTS` for the whole
   * decision; `missing` makes this fact missing as `unreadable`. Request facts and invalid FHIR are always refused.
   */
  onUnreadable?: 'refuse' | 'missing';
  /** A fact computed between rule stages from what earlier stages fired. */
  derivedFrom?: DerivedFactSource;
}

/** A FHIR coding written `system|code`, for example `http://loinc.org|9279-1`. */
export type CodingToken = string;

/** FHIR R4 resource types Verdict reads facts from. */
export type FhirResourceType =
  | 'Patient'
  | 'Observation'
  | 'Condition'
  | 'Encounter'
  | 'Appointment'
  | 'ServiceRequest'
  | 'Coverage';

export type FhirDerivation = ObservationDerivation | PatientAgeDerivation | ElementDerivation | ExistsDerivation;

/**
 * A vital sign or other Observation: the latest Observation effective at or before `asOf` whose `code` has one of
 * `codes` (or, for panels, whose `code` has one of `components.panelCodes` and that has a component coded with one
 * of `components.codes`), about the decision's patient, with an accepted `statuses` value and within `maxAge`.
 */
export interface ObservationDerivation {
  kind: 'observation';
  codes: CodingToken[];
  components?: { panelCodes: CodingToken[]; codes: CodingToken[] };
  /**
   * - `quantity`: `valueQuantity` converted to the fact `unit` with UCUM (by `code`, else by `unit`).
   * - `coded`: `valueCodeableConcept` mapped through `codeMap`.
   * - `quantity-nonzero`: boolean, true when `valueQuantity.value` > 0 (for example an oxygen flow rate).
   * - `quantity-above`: boolean, true when the value, converted to the unit of the threshold `above[code]` of the
   *   matched code, is above that threshold.
   */
  value: 'quantity' | 'coded' | 'quantity-nonzero' | 'quantity-above';
  /** For `coded`: coding token to fact value. */
  codeMap?: Record<CodingToken, string>;
  /** For `quantity-above`: per code (every one of `codes` and `components.codes`), the threshold and its UCUM unit. */
  above?: Record<CodingToken, { value: number; unit: string }>;
  /**
   * The `Observation.status` values that count. Default: `final`, `amended`, `corrected`, `preliminary`;
   * `entered-in-error` and `cancelled` may never be listed.
   */
  statuses?: string[];
  /** Among the usable readings, the latest with one of these `Observation.category` codings wins; else the latest. */
  preferCategory?: CodingToken[];
  select: 'latest-at-or-before-asOf';
}

/**
 * `Patient.birthDate` to the exact age at `asOf`, or at another `dateTime` fact's instant (`at: { fact }`). In `a`
 * or `mo`: calendar months plus the fraction of the current month; in other units of time (`d`, `wk`, `h`): the
 * elapsed time since the start of the birth date.
 */
export interface PatientAgeDerivation {
  kind: 'patient-age';
  at?: 'asOf' | { fact: string };
}

/**
 * A FHIRPath `path` evaluated on the first resource of `resourceType` (bundle order) that passes `where`.
 * With `codeMap`, the path must yield Coding or CodeableConcept values, mapped to a fact value (first match wins).
 */
export interface ElementDerivation {
  kind: 'element';
  resourceType: FhirResourceType;
  path: string;
  where?: string;
  codeMap?: Record<CodingToken, string>;
}

/**
 * Boolean: whether a resource of `resourceType` exists that passes `where` (FHIRPath), has a coding in `codes` at
 * `codePath` (when given), and whose Period at `activeAt.period` contains the instant `activeAt.at` (`asOf`, or the
 * value of another `dateTime` fact; an open end counts as unbounded). False when the input has FHIR but no such
 * resource; missing when the request carries no FHIR at all.
 */
export interface ExistsDerivation {
  kind: 'exists';
  resourceType: FhirResourceType;
  where?: string;
  codePath?: string;
  codes?: CodingToken[];
  activeAt?: { period: string; at: 'asOf' | { fact: string } };
  /**
   * What no matching resource means: `false` (the default), or `unknown-unless-complete`: missing
   * (`not-in-supplied-data`) unless the request lists `resourceType` in `fhirSearchComplete`.
   */
  absentMeans?: 'false' | 'unknown-unless-complete';
}

/** Where a derived fact's value comes from: a score's summary, or an outcome field as resolved so far. */
export type DerivedFactSource =
  | { score: string; value: 'total' | 'knownTotal' | 'maxPoints' | 'complete' }
  | { field: string };

/** A json-rules-engine condition tree (`all`/`any`/`not` nodes and fact/operator/value leaves). */
export type ConditionNode =
  | { all: ConditionNode[]; name?: string; priority?: number }
  | { any: ConditionNode[]; name?: string; priority?: number }
  | { not: ConditionNode; name?: string; priority?: number }
  | ConditionLeaf;

export interface ConditionLeaf {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  /** Not supported: facts are values, not functions of parameters; the schema and `compileRules` reject it. */
  params?: Record<string, unknown>;
  priority?: number;
}

/** The top of a rule's condition tree. */
export type TopLevelCondition =
  | { all: ConditionNode[] }
  | { any: ConditionNode[] }
  | { not: ConditionNode };

/**
 * A rule fires one event:
 * - `score`: adds `points` for `parameter` to the score `score` (summed by the outcome policy); a parameter scores at
 *   most once per evaluation (two fired rules scoring one parameter are overlapping bands: an evaluation error);
 * - `outcome`: `set` proposes values for single-valued outcome fields (resolved by each field's hit policy) and `add`
 *   appends items to list fields (`COLLECT`);
 * - `suppress`: makes an outcome field (and everything under it) `null`, for example NEWS2 under 16 years.
 */
export type RuleEvent =
  | { type: 'score'; params: { score: string; parameter: string; points: number } }
  | { type: 'outcome'; params: { set?: Record<string, unknown>; add?: Record<string, unknown | unknown[]> } }
  | { type: 'suppress'; params: { field: string; reason?: CodedText } };

/** A json-rules-engine rule plus Verdict's documentation and stage. */
export interface RulebookRule {
  /** Unique in the rulebook; kebab-case. */
  name: string;
  description: string;
  references?: Reference[];
  /** Stage the rule runs in (1, 2, …); default 1. */
  stage?: number;
  /** json-rules-engine priority within the stage (higher first); default 1. */
  priority?: number;
  conditions: TopLevelCondition;
  event: RuleEvent;
}

/** A score summed from `score` events, for example NEWS2. */
export interface ScoreDefinition {
  description: string;
  /** Facts without which the total is unknown (`null`) and listed in `missing`. */
  requiredFacts: string[];
}

/**
 * One outcome field, addressed by a dotted `path` (`news2.riskBand`). Exactly one of `from` and `hitPolicy`.
 * - `from`: a score summary (`total` is `null` unless complete; `missing` is the list of missing required facts).
 * - `hitPolicy` (DMN): `PRIORITY` takes the fired value that comes first in `outputOrder` (the most urgent);
 *   `FIRST` the value of the first fired rule in evaluation order; `UNIQUE` requires fired rules to agree;
 *   `COLLECT` lists every item added (duplicates removed, in evaluation order).
 * - `default`: the value when no rule set one; `whenMissing`: the value instead when no rule set one and any of
 *   `facts` is missing (so a missing fact never silently reads as normal).
 */
export interface OutcomeField {
  path: string;
  description?: string;
  from?: { score: string; value: 'total' | 'knownTotal' | 'maxPoints' | 'missing' };
  hitPolicy?: 'PRIORITY' | 'FIRST' | 'UNIQUE' | 'COLLECT';
  outputOrder?: unknown[];
  default?: unknown;
  whenMissing?: { facts: string[]; value: unknown };
  /**
   * `PRIORITY` only: an outcome path (`acuityAtLeast`) that receives the floor of this field: the value certain from
   * the rules that fired whatever the missing facts are. With `outputOrder` most urgent first, the answer is at least
   * as urgent as the floor. Equal to the field when it is determined; the only value shown when it is undetermined.
   */
  floorPath?: string;
}

/**
 * What a missing fact means to the rule conditions:
 * - `two-valued` (the default, rulebook format 1.0): a condition on a missing fact is false, so a rule that needs the
 *   fact does not fire, and the rulebook must say what missing facts mean (`whenMissing`, score `requiredFacts`,
 *   explicit `equal null` conditions);
 * - `kleene`: Kleene's strong three-valued logic. A condition on a missing fact is unknown (`equal null` and
 *   `notEqual null`, which test for missingness, stay true or false); `all`, `any` and `not` combine true, false and
 *   unknown as Kleene defines; a rule whose conditions are unknown "could fire". An outcome field that such a rule could
 *   change is undetermined (`null`, with the missing facts named at `undeterminedPath`) unless the rules that did fire
 *   already decide it, for example because a more urgent `PRIORITY` value fired. Missing data is never reassuring.
 */
export type MissingFactLogic = 'two-valued' | 'kleene';

export interface OutcomePolicy {
  scores?: Record<string, ScoreDefinition>;
  /** How conditions on missing facts evaluate; default `two-valued`. Triage rulebooks use `kleene`. */
  missingFactLogic?: MissingFactLogic;
  /**
   * An outcome path that receives, for every undetermined field, the missing facts it depends on:
   * `{ "acuity": ["consciousness", "temperatureC"] }` (`{}` when every field is determined).
   */
  undeterminedPath?: string;
  fields: OutcomeField[];
}

/** A test case shipped with the rulebook: input, `asOf` and the outcome subset it must produce. */
export interface RulebookScenario {
  name: string;
  description?: string;
  asOf: string;
  facts?: Record<string, unknown>;
  fhir?: Record<string, unknown>;
  /** FHIR resource types whose search the scenario states complete (the request's `fhirSearchComplete`). */
  fhirSearchComplete?: string[];
  /** A deep subset of the outcome: every given key must equal the produced value. */
  expect: Record<string, unknown>;
  /** Rules that must fire (optional). */
  expectFired?: string[];
}

export { RULEBOOK_KINDS, type RulebookKind } from '../common/rulebook-kind.js';

/** The whole rulebook document as stored in `rulebooks/<key>/<version>.json`. */
export interface RulebookDocument {
  $schema?: string;
  key: string;
  version: string;
  kind: RulebookKind;
  title: string;
  description: string;
  references: Reference[];
  facts: Record<string, FactDefinition>;
  rules: RulebookRule[];
  outcome: OutcomePolicy;
  scenarios: RulebookScenario[];
}
