import { unprocessable, validationFailed, type ProblemPointer } from '../common/domain-error.js';
import type { CodingToken, FactDefinition, FactType, FhirDerivation } from '../rulebooks/rulebook.types.js';
import { roundHalfUp } from './decimal-rounding.js';
import { allowedValuesProblem, factPrecision, rangeProblem } from './fact-value.js';
import {
  compileDerivation,
  deriveFhirFact,
  type CompiledDerivation,
  type DerivationContext,
} from './fhir-facts.mapper.js';
import { indexFhirInput, READ_RESOURCE_TYPES, type FhirResource } from './fhir-input.js';
import { parseRfc3339 } from './fhir-time.js';
import { validateFhirInput } from './fhir-validator.js';
import { takeRequestFacts } from './request-facts.js';
import { takenFact, type FactIntake, type TakenFact } from './taken-fact.js';
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
  coded: ['string'],
};

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
 * type Verdict reads, and an `activeAt.at` fact that exists, is a `dateTime` and is not derived.
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
      const derivation = definition.fhir ? compileDerivation(definition.fhir) : undefined;
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
 * Catalog order, except that facts reading another fact as `activeAt.at` come last, after the fact they read. One
 * level is enough: only `exists` facts (booleans) read an `at` fact, and the `at` fact must be a `dateTime`.
 */
function intakeOrder(facts: Iterable<CompiledFact>): CompiledFact[] {
  const readsAtFact = (fact: CompiledFact): boolean =>
    fact.derivation?.kind === 'exists' && fact.derivation.activeAt?.atFact !== undefined;
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
  if (definition.fhir) checkFhirDerivation(definition, definition.fhir, catalog);
}

function checkDefault(definition: FactDefinition): void {
  const value = definition.default;
  const problem = (() => {
    switch (definition.type) {
      case 'number':
      case 'integer': {
        if (typeof value !== 'number' || !Number.isFinite(value)) return 'is not a number';
        const places = factPrecision(definition);
        if (places !== undefined && roundHalfUp(value, places) !== value) return `has more than ${places} decimal places`;
        return rangeProblem(definition, value);
      }
      case 'boolean':
        return typeof value === 'boolean' ? undefined : 'is not a boolean';
      case 'string':
        return typeof value === 'string' ? allowedValuesProblem(definition, value) : 'is not a string';
      case 'dateTime':
        return typeof value === 'string' && parseRfc3339(value) !== undefined ? undefined : 'is not an RFC 3339 date-time';
    }
  })();
  if (problem) throw new Error(`default ${JSON.stringify(value)} ${problem}`);
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
      const types = OBSERVATION_VALUES[fhir.value];
      if (!types) throw new Error(`unknown observation value '${String(fhir.value)}'`);
      if (!types.includes(type)) throw new Error(`observation value '${fhir.value}' gives a ${types.join('/')}, not a ${type}`);
      if (fhir.value === 'quantity' && definition.unit === undefined) throw new Error("a 'quantity' fact needs a UCUM unit");
      if (fhir.value === 'coded') checkCodeMap(definition, fhir.codeMap);
      return;
    }
    case 'patient-age':
      if (type !== 'number' && type !== 'integer') throw new Error(`patient-age gives a number, not a ${type}`);
      if (definition.unit !== undefined && convertUcum(1, 'a', definition.unit) === undefined) {
        throw new Error(`patient-age cannot be expressed in '${definition.unit}' (a unit of time is needed)`);
      }
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
      const at = fhir.activeAt?.at;
      if (at !== undefined && at !== 'asOf') {
        const target = Object.hasOwn(catalog, at.fact) ? catalog[at.fact] : undefined;
        if (!target || target.type !== 'dateTime' || target.derivedFrom) {
          throw new Error(`activeAt.at fact '${at.fact}' must be a dateTime fact of the catalog that is not derived`);
        }
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
}

/**
 * Takes in the facts of one evaluation (CONTRACT.md "Canonical facts"): for each catalog fact that is not
 * `derivedFrom`, the request's explicit value, else the value derived from FHIR R4 by the catalog's `fhir`
 * derivation (see `fhir-facts.mapper.ts`), else the catalog `default`, else missing.
 *
 * Values are canonical: in the catalog's UCUM unit, rounded half up once to its `precision` (integers to 0 places),
 * checked against `range` (inclusive) after rounding; `rawValue`/`rawUnit` keep what was found. The FHIR input is
 * validated first (`validateFhirInput`) and indexed once, so a 1 MB Synthea bundle takes a few milliseconds.
 *
 * Errors, checked in this order, each listing every problem found:
 * @throws DomainError 400 `VALIDATION_FAILED`: an unknown or `derivedFrom` fact name, a value of the wrong JSON type,
 *   a `dateTime` that is not RFC 3339 (pointers `/facts/<name>`, `/facts/<name>/value`, `/facts/<name>/unit`); or an
 *   invalid `asOf` (`/asOf`)
 * @throws DomainError 422 `FHIR_INVALID`: the FHIR input is not valid FHIR R4 (pointers into `/fhir`)
 * @throws DomainError 422 `UNPROCESSABLE_FACTS`: a request unit not convertible to the catalog unit
 *   (`/facts/<name>/unit`), a value out of range or a string not allowed (`/facts/<name>`), a FHIR value with an
 *   inconvertible unit or out of range (`/fhir/entry/12/resource/valueQuantity[/value]`), a birthDate after `asOf`
 */
export function takeInFacts(catalog: CompiledFactCatalog, input: FactIntakeInput): FactIntake {
  const { asOf } = input;
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) {
    throw validationFailed('asOf is not a valid instant.', [{ pointer: '/asOf', message: 'must be an RFC 3339 date-time' }]);
  }
  const request = takeRequestFacts(catalog.definitions, input.facts);
  if (request.invalid.length > 0) throw validationFailed('The request facts are not valid.', request.invalid);

  const taken = new Map<string, TakenFact>();
  let context: DerivationContext | undefined;
  if (input.fhir !== undefined) {
    validateFhirInput(input.fhir);
    context = { index: indexFhirInput(input.fhir as FhirResource), asOf, taken, effectiveTimes: new Map() };
  }

  const problems = [...request.unprocessable];
  for (const fact of catalog.intakeOrder) {
    // A request value that was rejected is reported; FHIR and the default must not silently stand in for it.
    if (request.rejected.has(fact.name)) continue;
    const value = request.taken.get(fact.name) ?? fromFhirOrDefault(fact, context, problems);
    if (value) taken.set(fact.name, value);
  }
  if (problems.length > 0) {
    throw unprocessable('UNPROCESSABLE_FACTS', 'Some facts cannot be used: see errors.', problems);
  }
  return {
    facts: Object.fromEntries(catalog.catalogOrder.filter((name) => taken.has(name)).map((name) => [name, taken.get(name) as TakenFact])),
    missing: catalog.catalogOrder.filter((name) => !taken.has(name)),
  };
}

/** A fact the request did not send: derived from FHIR when it can be, else the catalog default, else undefined. */
function fromFhirOrDefault(
  { definition, derivation }: CompiledFact,
  context: DerivationContext | undefined,
  problems: ProblemPointer[],
): TakenFact | undefined {
  if (derivation && context) {
    const derived = deriveFhirFact(definition, derivation, context);
    if (derived && 'problem' in derived) {
      problems.push(derived.problem);
      return undefined;
    }
    if (derived) return derived.fact;
  }
  if (definition.default === undefined) return undefined;
  return takenFact('default', { value: definition.default, unit: definition.unit });
}
