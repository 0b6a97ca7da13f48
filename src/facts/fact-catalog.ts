import { unprocessable, validationFailed, type ProblemPointer } from '../common/domain-error.js';
import type { CodingToken, FactDefinition, FactType, FhirDerivation } from '../rulebooks/rulebook.types.js';
import { roundHalfUp } from './decimal-rounding.js';
import { allowedValuesProblem, factPrecision, rangeProblem } from './fact-value.js';
import {
  NEVER_ACCEPTED_OBSERVATION_STATUSES,
  notInSuppliedData,
  type CompiledDerivation,
  type DerivationContext,
  type Derived,
} from './fhir-derivation.js';
import { compileDerivation, deriveFhirFact } from './fhir-facts.mapper.js';
import { fhirInputResources, indexFhirInput, READ_RESOURCE_TYPES, type FhirResource } from './fhir-input.js';
import { parseRfc3339Millis } from '../common/rfc3339.js';
import { validateFhirInput } from './fhir-validator.js';
import { parseIsoDuration } from './iso8601-duration.js';
import { bindPatient } from './patient-binding.js';
import { takeRequestFacts } from './request-facts.js';
import { takenFact, type FactIntake, type IgnoredResource, type MissingFactDetail, type TakenFact } from './taken-fact.js';
import { convertUcum, isValidUcumUnit } from './ucum-units.js';

/** One fact of a compiled catalog: its definition and, when it comes from FHIR, its prepared derivation. */
export interface CompiledFact {
  readonly name: string;
  readonly definition: FactDefinition;
  readonly derivation?: CompiledDerivation;
}

/** A rulebook's fact catalog checked and prepared for intake (built once per rulebook version). */
export interface CompiledFactCatalog {
  /** The catalog as written, by fact name. */
  readonly definitions: Readonly<Record<string, FactDefinition>>;
  /** Facts taken in (all but `derivedFrom`), in intake order: a fact used as `activeAt.at` before its users. */
  readonly intakeOrder: readonly CompiledFact[];
  /** Names of the taken-in facts in catalog order, the order of `FactIntake.facts` and `missing`. */
  readonly catalogOrder: readonly string[];
}

const FACT_TYPES = new Set<FactType>(['number', 'integer', 'boolean', 'string', 'dateTime']);
const OBSERVATION_VALUES: Record<string, FactType[]> = {
  quantity: ['number', 'integer'],
  'quantity-nonzero': ['boolean'],
  'quantity-above': ['boolean'],
  coded: ['string'],
};
/** FHIR R4 ObservationStatus (http://hl7.org/fhir/R4/valueset-observation-status.html). */
const OBSERVATION_STATUSES = new Set(['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown']);

/**
 * Checks a rulebook's fact catalog and prepares it for {@link takeInFacts}: FHIRPath expressions are compiled with
 * the FHIR R4 model (and tried once on an empty resource), UCUM units checked, code lists indexed, and the facts
 * ordered so that a fact used as another's `activeAt.at: { fact }` is taken first. Call once per rulebook version.
 *
 * Checked: a known `type`; not both `fhir` and `derivedFrom`; `unit` a valid UCUM code; `precision` an integer 0–15
 * (0 for `integer`); `range.min ≤ range.max`; `allowedValues` only on strings; `default` of the fact's type, already
 * rounded, in range and allowed; every coding token written `system|code`; per FHIR kind, a value type the kind can
 * produce (`quantity` -> number/integer with a unit, `quantity-nonzero` and `exists` -> boolean, `coded` and
 * `codeMap` -> string with each mapped value allowed, `patient-age` -> number/integer in a unit of time), a resource
 * type Verdict reads, and an `activeAt.at` (or `patient-age` `at`) fact that exists, is a `dateTime` and is not
 * derived. Observation facts: `maxAge` an ISO 8601 duration of weeks, days, hours, minutes or seconds (observation
 * facts only); `statuses` FHIR ObservationStatus codes, never `entered-in-error` or `cancelled`; `preferCategory`
 * coding tokens; `quantity-above` with a threshold (a number and a valid UCUM unit) for every code it reads and no
 * other value kind with `above`. `onUnreadable` only on a fact derived from FHIR.
 *
 * @param catalog the rulebook's `facts` (RulebookDocument.facts)
 * @throws Error naming the fact and the problem (`fact "spo2": unit '%%' is not a valid UCUM unit`)
 */
export function compileFactCatalog(catalog: Record<string, FactDefinition>): CompiledFactCatalog {
  const compiled = new Map<string, CompiledFact>();
  for (const [name, definition] of Object.entries(catalog)) {
    try {
      checkDefinition(definition, catalog);
      if (definition.derivedFrom) continue;
      const maxAge = definition.maxAge === undefined ? undefined : { ms: parseIsoDuration(definition.maxAge), text: definition.maxAge };
      const derivation = definition.fhir ? compileDerivation(definition.fhir, maxAge) : undefined;
      compiled.set(name, { name, definition, ...(derivation && { derivation }) });
    } catch (error) {
      throw new Error(`fact "${name}": ${(error as Error).message}`, { cause: error });
    }
  }
  return Object.freeze({
    definitions: catalog,
    intakeOrder: Object.freeze(intakeOrder(compiled.values())),
    catalogOrder: Object.freeze([...compiled.keys()]),
  });
}

/**
 * Catalog order, except that facts reading another fact as their instant (`exists` `activeAt.at`, `patient-age`
 * `at`) come last, after the fact they read. One level is enough: only `exists` (boolean) and `patient-age` (number)
 * facts read an `at` fact, and the `at` fact must be a `dateTime`.
 */
function intakeOrder(facts: Iterable<CompiledFact>): CompiledFact[] {
  const readsAtFact = (fact: CompiledFact): boolean =>
    (fact.derivation?.kind === 'exists' && fact.derivation.activeAt?.atFact !== undefined) ||
    (fact.derivation?.kind === 'patient-age' && fact.derivation.atFact !== undefined);
  const all = [...facts];
  return [...all.filter((fact) => !readsAtFact(fact)), ...all.filter(readsAtFact)];
}

function checkDefinition(definition: FactDefinition, catalog: Record<string, FactDefinition>): void {
  const { type } = definition;
  const numeric = type === 'number' || type === 'integer';
  if (!FACT_TYPES.has(type)) throw new Error(`unknown type '${String(type)}'`);
  if (definition.fhir && definition.derivedFrom) throw new Error('has both fhir and derivedFrom');
  if (definition.unit !== undefined) {
    if (!numeric) throw new Error(`a ${type} fact has no unit`);
    if (!isValidUcumUnit(definition.unit)) throw new Error(`unit '${definition.unit}' is not a valid UCUM unit`);
  }
  if (definition.precision !== undefined) {
    const { precision } = definition;
    if (!numeric || !Number.isInteger(precision) || precision < 0 || precision > 15 || (type === 'integer' && precision !== 0)) {
      throw new Error(`precision ${precision} is not valid for a ${type} fact (an integer 0-15; 0 for integers)`);
    }
  }
  if (definition.range !== undefined) {
    const { min, max } = definition.range;
    if (!numeric) throw new Error(`a ${type} fact has no range`);
    if (min !== undefined && max !== undefined && min > max) throw new Error(`range min ${min} is above max ${max}`);
  }
  if (definition.allowedValues !== undefined && (type !== 'string' || definition.allowedValues.length === 0)) {
    throw new Error('allowedValues needs a string fact and at least one value');
  }
  if (definition.default !== undefined) checkDefault(definition);
  if (definition.maxAge !== undefined) {
    if (definition.fhir?.kind !== 'observation') throw new Error('maxAge applies only to facts derived from an Observation');
    try {
      parseIsoDuration(definition.maxAge);
    } catch (error) {
      throw new Error(`maxAge ${(error as Error).message}`);
    }
  }
  if (definition.onUnreadable !== undefined) {
    if (definition.onUnreadable !== 'refuse' && definition.onUnreadable !== 'missing') {
      throw new Error(`onUnreadable '${String(definition.onUnreadable)}' is not 'refuse' or 'missing'`);
    }
    if (!definition.fhir) throw new Error('onUnreadable applies only to facts derived from FHIR');
  }
  if (definition.fhir) checkFhirDerivation(definition, definition.fhir, catalog);
}

/** A `default` must be a value the fact could take in: its type, already rounded, in range, allowed. */
function checkDefault(definition: FactDefinition): void {
  const value = definition.default;
  const shown = JSON.stringify(value);
  // Each problem names the value (a range or allowed-values problem does so itself: `101 % is outside …`).
  const problem = (() => {
    switch (definition.type) {
      case 'number':
      case 'integer': {
        if (typeof value !== 'number' || !Number.isFinite(value)) return `${shown} is not a number`;
        const places = factPrecision(definition);
        if (places !== undefined && roundHalfUp(value, places) !== value) return `${shown} has more than ${places} decimal places`;
        return rangeProblem(definition, value);
      }
      case 'boolean':
        return typeof value === 'boolean' ? undefined : `${shown} is not a boolean`;
      case 'string':
        return typeof value === 'string' ? allowedValuesProblem(definition, value) : `${shown} is not a string`;
      case 'dateTime':
        return typeof value === 'string' && parseRfc3339Millis(value) !== undefined ? undefined : `${shown} is not an RFC 3339 date-time`;
    }
  })();
  if (problem) throw new Error(`default ${problem}`);
}

function checkTokens(what: string, tokens: unknown): asserts tokens is CodingToken[] {
  if (!Array.isArray(tokens)) throw new Error(`${what} must be a list of 'system|code' tokens`);
  for (const token of tokens) {
    const bar = typeof token === 'string' ? token.indexOf('|') : -1;
    if (bar <= 0 || bar === (token as string).length - 1) throw new Error(`${what}: '${String(token)}' is not 'system|code'`);
  }
}

function checkCodeMap(definition: FactDefinition, codeMap: Record<string, string> | undefined): void {
  if (codeMap === undefined || Object.keys(codeMap).length === 0) throw new Error('codeMap must map at least one code');
  checkTokens('codeMap', Object.keys(codeMap));
  if (definition.type !== 'string') throw new Error(`codeMap gives strings, but the fact is a ${definition.type}`);
  for (const value of Object.values(codeMap)) {
    const notAllowed = typeof value === 'string' ? allowedValuesProblem(definition, value) : 'is not a string';
    if (notAllowed) throw new Error(`codeMap value ${notAllowed}`);
  }
}

/** An `at: { fact }` must name a `dateTime` fact of the catalog that is not derived. */
function checkAtFact(what: string, at: 'asOf' | { fact: string } | undefined, catalog: Record<string, FactDefinition>): void {
  if (at === undefined || at === 'asOf') return;
  // Stryker disable next-line ConditionalExpression: reading an inherited member (`toString`) instead gives no `type`, refused the same way
  const target = Object.hasOwn(catalog, at.fact) ? catalog[at.fact] : undefined;
  if (!target || target.type !== 'dateTime' || target.derivedFrom) {
    throw new Error(`${what} fact '${at.fact}' must be a dateTime fact of the catalog that is not derived`);
  }
}

function checkObservationRules(fhir: Extract<FhirDerivation, { kind: 'observation' }>): void {
  if (fhir.statuses !== undefined) {
    if (!Array.isArray(fhir.statuses) || fhir.statuses.length === 0) throw new Error('statuses must list at least one Observation.status');
    for (const status of fhir.statuses) {
      if (!OBSERVATION_STATUSES.has(status)) throw new Error(`statuses: '${status}' is not an R4 Observation.status (${[...OBSERVATION_STATUSES].join(', ')})`);
      if (NEVER_ACCEPTED_OBSERVATION_STATUSES.includes(status)) throw new Error(`statuses: '${status}' may never count (the reading is a mistake or never happened)`);
    }
  }
  if (fhir.preferCategory !== undefined) checkTokens('preferCategory', fhir.preferCategory);
  if (fhir.value !== 'quantity-above') {
    if (fhir.above !== undefined) throw new Error(`above goes only with value 'quantity-above', not '${fhir.value}'`);
    return;
  }
  const above = fhir.above;
  if (!isPlainObject(above) || Object.keys(above).length === 0) throw new Error("'quantity-above' needs a threshold per code in above");
  checkTokens('above', Object.keys(above));
  for (const [token, threshold] of Object.entries(above)) {
    if (!isPlainObject(threshold) || !Number.isFinite(threshold.value) || typeof threshold.unit !== 'string') {
      throw new Error(`above['${token}'] must be { "value": number, "unit": UCUM unit }`);
    }
    if (!isValidUcumUnit(threshold.unit)) throw new Error(`above['${token}'] unit '${threshold.unit}' is not a valid UCUM unit`);
  }
  for (const code of [...fhir.codes, ...(fhir.components?.codes ?? [])]) {
    if (!Object.hasOwn(above, code)) throw new Error(`above has no threshold for ${code}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkResourceType(type: string): void {
  if (!READ_RESOURCE_TYPES.has(type)) {
    throw new Error(`resourceType '${type}' is not one Verdict reads (${[...READ_RESOURCE_TYPES].join(', ')})`);
  }
}

function checkFhirDerivation(definition: FactDefinition, fhir: FhirDerivation, catalog: Record<string, FactDefinition>): void {
  const { type } = definition;
  switch (fhir.kind) {
    case 'observation': {
      checkTokens('codes', fhir.codes);
      if (fhir.components) {
        checkTokens('components.panelCodes', fhir.components.panelCodes);
        checkTokens('components.codes', fhir.components.codes);
      }
      if (fhir.codes.length === 0 && !fhir.components?.panelCodes.length) throw new Error('observation needs codes');
      if (fhir.select !== 'latest-at-or-before-asOf') throw new Error(`unknown select '${String(fhir.select)}'`);
      const types = Object.hasOwn(OBSERVATION_VALUES, fhir.value) ? OBSERVATION_VALUES[fhir.value] : undefined;
      if (!types) throw new Error(`unknown observation value '${String(fhir.value)}'`);
      if (!types.includes(type)) throw new Error(`observation value '${fhir.value}' gives a ${types.join('/')}, not a ${type}`);
      if (fhir.value === 'quantity' && definition.unit === undefined) throw new Error("a 'quantity' fact needs a UCUM unit");
      if (fhir.value === 'coded') checkCodeMap(definition, fhir.codeMap);
      checkObservationRules(fhir);
      return;
    }
    case 'patient-age':
      if (type !== 'number' && type !== 'integer') throw new Error(`patient-age gives a number, not a ${type}`);
      if (definition.unit !== undefined && convertUcum(1, 'a', definition.unit) === undefined) {
        throw new Error(`patient-age cannot be expressed in '${definition.unit}' (a unit of time is needed)`);
      }
      checkAtFact('at', fhir.at, catalog);
      return;
    case 'element':
      checkResourceType(fhir.resourceType);
      if (typeof fhir.path !== 'string' || fhir.path.trim() === '') throw new Error('element needs a FHIRPath path');
      if (fhir.codeMap !== undefined) checkCodeMap(definition, fhir.codeMap);
      return;
    case 'exists': {
      checkResourceType(fhir.resourceType);
      if (type !== 'boolean') throw new Error(`exists gives a boolean, not a ${type}`);
      if ((fhir.codePath === undefined) !== (fhir.codes === undefined)) throw new Error('codePath and codes go together');
      if (fhir.codes !== undefined) checkTokens('codes', fhir.codes);
      checkAtFact('activeAt.at', fhir.activeAt?.at, catalog);
      if (fhir.absentMeans !== undefined && fhir.absentMeans !== 'false' && fhir.absentMeans !== 'unknown-unless-complete') {
        throw new Error(`absentMeans '${String(fhir.absentMeans)}' is not 'false' or 'unknown-unless-complete'`);
      }
      return;
    }
    default:
      throw new Error(`unknown fhir kind '${String((fhir as { kind: unknown }).kind)}'`);
  }
}

/** Per-evaluation input to {@link takeInFacts}. */
export interface FactIntakeInput {
  /** The request's explicit `facts` (fact name -> value), as parsed JSON. */
  facts?: Record<string, unknown>;
  /** The request's `fhir`: a FHIR R4 Bundle of any type or a single resource, as parsed JSON. */
  fhir?: unknown;
  /** The evaluation instant: ages are computed and the latest Observation chosen at this time. */
  asOf: Date;
  /**
   * The request's `context.patientRef`: the decision's patient, as a relative (`Patient/123`), absolute or
   * `urn:uuid:` reference. Without it the patient is the one Patient resource of the input (see `bindPatient`).
   */
  patientRef?: string;
  /**
   * The request's `fhirSearchComplete`: FHIR resource types (`ServiceRequest`, `Coverage`) for which the caller
   * states that the input holds every resource of the patient, so that none found means none exists.
   */
  fhirSearchComplete?: readonly string[];
}

/**
 * Takes in the facts of one evaluation (rulebooks/README.md, "`facts`: the fact catalog"): for each catalog fact that is not
 * `derivedFrom`, the request's explicit value, else the value derived from FHIR R4 by the catalog's `fhir`
 * derivation (see `fhir-facts.mapper.ts`), else the catalog `default`, else missing.
 *
 * Only FHIR resources about the decision's patient are read (`bindPatient`: `patientRef`, else the one Patient,
 * else the one patient referred to); the others are listed in `ignoredResources` with why. Values are canonical: in
 * the catalog's UCUM unit, rounded half up once to its `precision` (integers to 0 places), checked against `range`
 * (inclusive) after rounding; `rawValue`/`rawUnit` keep what was found. Every missing fact has a reason in
 * `missingDetails` (`not-in-supplied-data`, `stale`, `status-not-accepted`, `unreadable`, `reference-time-missing`);
 * the catalog `default` stands in only for a fact not in the data supplied, never for a stale, unreadable or refused
 * one. The FHIR input is validated first (`validateFhirInput`) and indexed once, so a 1 MB Synthea bundle takes a
 * few milliseconds.
 *
 * Errors, checked in this order, each listing every problem found:
 * @throws DomainError 400 `VALIDATION_FAILED`: an unknown or `derivedFrom` fact name, a value of the wrong JSON type,
 *   a `dateTime` that is not RFC 3339 (pointers `/facts/<name>`, `/facts/<name>/value`, `/facts/<name>/unit`); or an
 *   invalid `asOf` (`/asOf`)
 * @throws DomainError 422 `FHIR_INVALID`: the FHIR input is not valid FHIR R4 (pointers into `/fhir`)
 * @throws DomainError 422 `AMBIGUOUS_PATIENT` (pointer `/fhir`): the input holds two or more Patients, or refers to
 *   two or more patients, and `patientRef` does not say which one; or `patientRef` matches two Patients
 * @throws DomainError 422 `UNPROCESSABLE_FACTS`: a request unit not convertible to the catalog unit
 *   (`/facts/<name>/unit`), a value out of range or a string not allowed (`/facts/<name>`); for facts without
 *   `onUnreadable: missing`, a FHIR value with no or an inconvertible unit or out of range
 *   (`/fhir/entry/12/resource/valueQuantity[/value]`), a birthDate after the age's instant
 */
export function takeInFacts(catalog: CompiledFactCatalog, input: FactIntakeInput): FactIntake {
  const { asOf } = input;
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) {
    throw validationFailed('asOf is not a valid instant.', [{ pointer: '/asOf', message: 'must be an RFC 3339 date-time' }]);
  }
  const request = takeRequestFacts(catalog.definitions, input.facts);
  if (request.invalid.length > 0) throw validationFailed('The request facts are not valid.', request.invalid);

  const taken = new Map<string, TakenFact>();
  const ignored: IgnoredResource[] = [];
  let patient = input.patientRef;
  let resources: ReturnType<typeof fhirInputResources> = [];
  if (input.fhir !== undefined) {
    validateFhirInput(input.fhir);
    const binding = bindPatient(fhirInputResources(input.fhir as FhirResource), input.patientRef);
    resources = binding.counted;
    ignored.push(...binding.ignored);
    patient = binding.patient;
  }
  const context: DerivationContext = {
    index: indexFhirInput(resources),
    hasFhir: input.fhir !== undefined,
    asOf,
    taken,
    effectiveTimes: new Map(),
    searchComplete: new Set(input.fhirSearchComplete),
    ignored,
  };

  const problems = [...request.unprocessable];
  const details = new Map<string, MissingFactDetail>();
  for (const fact of catalog.intakeOrder) {
    // A request value that was rejected is reported; FHIR and the default must not silently stand in for it.
    if (request.rejected.has(fact.name)) continue;
    const value = request.taken.get(fact.name) ?? fromFhirOrDefault(fact, context, problems, details);
    if (value) taken.set(fact.name, value);
  }
  if (problems.length > 0) {
    throw unprocessable('UNPROCESSABLE_FACTS', 'Some facts cannot be used: see errors.', problems);
  }
  const missing = catalog.catalogOrder.filter((name) => !taken.has(name));
  return {
    facts: Object.fromEntries(catalog.catalogOrder.filter((name) => taken.has(name)).map((name) => [name, taken.get(name) as TakenFact])),
    missing,
    missingDetails: Object.fromEntries(missing.map((name) => [name, details.get(name) as MissingFactDetail])),
    ignoredResources: ignored,
    ...(patient !== undefined && { patient }),
  };
}

/**
 * A fact the request did not send: derived from FHIR when it can be, else the catalog default when the data
 * supplied has no value for it, else undefined with its reason in `details` (or its problem in `problems`).
 */
function fromFhirOrDefault(
  { name, definition, derivation }: CompiledFact,
  context: DerivationContext,
  problems: ProblemPointer[],
  details: Map<string, MissingFactDetail>,
): TakenFact | undefined {
  const derived: Derived = derivation
    ? deriveFhirFact(name, definition, derivation, context)
    : notInSuppliedData('not in the request facts (the rulebook derives it from no FHIR resource)');
  if ('fact' in derived) return derived.fact;
  if ('problem' in derived) {
    if (definition.onUnreadable === 'missing') details.set(name, derived.unreadable);
    else problems.push(derived.problem);
    return undefined;
  }
  if (derived.missing.reason === 'not-in-supplied-data' && definition.default !== undefined) {
    return takenFact('default', { value: definition.default, unit: definition.unit });
  }
  details.set(name, derived.missing);
  return undefined;
}
