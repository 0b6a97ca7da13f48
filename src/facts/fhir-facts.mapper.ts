import type { ProblemPointer } from '../common/domain-error.js';
import type { CodingToken, FactDefinition, FhirDerivation, ObservationDerivation } from '../rulebooks/rulebook.types.js';
import { allowedValuesProblem, canonicalNumber, rangeProblem } from './fact-value.js';
import {
  codingToken,
  conceptTokens,
  isObject,
  type FhirInputIndex,
  type FhirInputResource,
  type FhirResource,
} from './fhir-input.js';
import { parseFhirDateTime, parseRfc3339, periodContains, toRfc3339Utc } from './fhir-time.js';
import { compileFhirPath, type FhirPathExpression, type FhirPathItem } from './fhirpath-expression.js';
import { exactAgeInYears } from './patient-age.js';
import { takenFact, type TakenFact } from './taken-fact.js';
import { convertUcum, UCUM_SYSTEM } from './ucum-units.js';

/**
 * FHIR R4 resources -> canonical facts, driven only by the rulebook's fact catalog (`FactDefinition.fhir`): the code
 * knows no LOINC code and no clinical threshold. Pure functions over validated input (`validateFhirInput`).
 */

/** A `FhirDerivation` prepared once per rulebook version: code lists as sets, FHIRPath compiled. */
export type CompiledDerivation =
  | {
      kind: 'observation';
      codes: ReadonlySet<CodingToken>;
      panelCodes: ReadonlySet<CodingToken>;
      componentCodes: ReadonlySet<CodingToken>;
      value: ObservationDerivation['value'];
      codeMap: ReadonlyMap<CodingToken, string>;
    }
  | { kind: 'patient-age' }
  | {
      kind: 'element';
      resourceType: string;
      path: FhirPathExpression;
      where?: FhirPathExpression;
      codeMap?: ReadonlyMap<CodingToken, string>;
    }
  | {
      kind: 'exists';
      resourceType: string;
      where?: FhirPathExpression;
      codePath?: FhirPathExpression;
      codes?: ReadonlySet<CodingToken>;
      activeAt?: { period: FhirPathExpression; atFact?: string };
    };

/**
 * Prepares a derivation: compiles its FHIRPath expressions with the R4 model.
 *
 * @throws Error when an expression does not compile (the caller names the fact)
 */
export function compileDerivation(derivation: FhirDerivation): CompiledDerivation {
  const compile = (what: string, expression: string, resourceType: string): FhirPathExpression => {
    try {
      return compileFhirPath(expression, resourceType);
    } catch (error) {
      throw new Error(`${what} '${expression}' is not valid FHIRPath: ${(error as Error).message}`);
    }
  };
  switch (derivation.kind) {
    case 'observation':
      return {
        kind: 'observation',
        codes: new Set(derivation.codes),
        panelCodes: new Set(derivation.components?.panelCodes ?? []),
        componentCodes: new Set(derivation.components?.codes ?? []),
        value: derivation.value,
        codeMap: new Map(Object.entries(derivation.codeMap ?? {})),
      };
    case 'patient-age':
      return { kind: 'patient-age' };
    case 'element':
      return {
        kind: 'element',
        resourceType: derivation.resourceType,
        path: compile('path', derivation.path, derivation.resourceType),
        ...(derivation.where !== undefined && { where: compile('where', derivation.where, derivation.resourceType) }),
        ...(derivation.codeMap && { codeMap: new Map(Object.entries(derivation.codeMap)) }),
      };
    case 'exists': {
      const { activeAt } = derivation;
      return {
        kind: 'exists',
        resourceType: derivation.resourceType,
        ...(derivation.where !== undefined && { where: compile('where', derivation.where, derivation.resourceType) }),
        ...(derivation.codePath !== undefined && {
          codePath: compile('codePath', derivation.codePath, derivation.resourceType),
        }),
        ...(derivation.codes && { codes: new Set(derivation.codes) }),
        ...(activeAt && {
          activeAt: {
            period: compile('activeAt.period', activeAt.period, derivation.resourceType),
            ...(activeAt.at !== 'asOf' && { atFact: activeAt.at.fact }),
          },
        }),
      };
    }
  }
}

/** What one evaluation derives from: the indexed FHIR input, `asOf`, and the facts taken so far. */
export interface DerivationContext {
  index: FhirInputIndex;
  asOf: Date;
  /** Facts already taken in (a fact used as `activeAt.at` is taken before the facts that use it). */
  taken: ReadonlyMap<string, TakenFact>;
  /** Observation effective times, read once per evaluation. */
  effectiveTimes: Map<FhirResource, number | undefined>;
}

/** The outcome of one derivation: a fact, a 422 problem with the input, or nothing (no value in the input). */
export type Derived = { fact: TakenFact } | { problem: ProblemPointer } | undefined;

/**
 * Derives one fact from the FHIR input per its catalog definition; see each kind below for the rules.
 *
 * @returns the fact (source `fhir`), a problem that makes the input unprocessable (422 `UNPROCESSABLE_FACTS`,
 *   pointing into the request body), or `undefined` when the input holds no value for it
 */
export function deriveFhirFact(
  definition: FactDefinition,
  derivation: CompiledDerivation,
  context: DerivationContext,
): Derived {
  const derived = (() => {
    switch (derivation.kind) {
      case 'observation':
        return deriveFromObservation(definition, derivation, context);
      case 'patient-age':
        return derivePatientAge(definition, context);
      case 'element':
        return deriveElement(definition, derivation, context);
      case 'exists':
        return deriveExists(derivation, context);
    }
  })();
  return derived && 'fact' in derived ? { fact: takenFact('fhir', derived.fact) } : derived;
}

type ObservationRule = Extract<CompiledDerivation, { kind: 'observation' }>;

/** An Observation (or one of its components) holding a value for the fact. */
interface Reading {
  item: FhirInputResource;
  /** The Observation, or the component, that carries `value[x]`. */
  holder: Record<string, unknown>;
  holderPointer: string;
  /** The matched coding of the Observation or component code. */
  code: CodingToken;
  effective: number;
}

/**
 * The time an Observation counts as made (FHIR R4 `Observation.effective[x]`): `effectiveDateTime` or
 * `effectiveInstant`; for `effectivePeriod` its `end`, else its `start` (a measurement over a period is complete at
 * its end, so before then it is not yet the latest one). A date without a time counts as 00:00 UTC that day; a
 * year or year-month is too imprecise and, like `effectiveTiming` or no effective time at all, makes the Observation
 * ignored.
 */
function effectiveTime(observation: FhirResource, cache: DerivationContext['effectiveTimes']): number | undefined {
  if (cache.has(observation)) return cache.get(observation);
  let text: unknown = observation.effectiveDateTime ?? observation.effectiveInstant;
  if (text === undefined && isObject(observation.effectivePeriod)) {
    text = observation.effectivePeriod.end ?? observation.effectivePeriod.start;
  }
  const interval = typeof text === 'string' ? parseFhirDateTime(text) : undefined;
  const time = interval && (interval.precision === 'day' || interval.precision === 'time') ? interval.start : undefined;
  cache.set(observation, time);
  return time;
}

const IGNORED_OBSERVATION_STATUS = new Set(['entered-in-error', 'cancelled']);

function hasValue(holder: Record<string, unknown>, value: ObservationRule['value']): boolean {
  if (value === 'coded') return conceptTokens(holder.valueCodeableConcept).length > 0;
  return isObject(holder.valueQuantity) && typeof holder.valueQuantity.value === 'number';
}

/** The value-carrying part of an Observation for the rule: top level by `codes`, else a panel component. */
function readingOf(item: FhirInputResource, rule: ObservationRule): Omit<Reading, 'effective'> | undefined {
  const observation = item.resource;
  const codes = conceptTokens(observation.code);
  const topLevel = codes.find((token) => rule.codes.has(token));
  if (topLevel && hasValue(observation, rule.value)) {
    return { item, holder: observation, holderPointer: item.pointer, code: topLevel };
  }
  if (!codes.some((token) => rule.panelCodes.has(token)) || !Array.isArray(observation.component)) return undefined;
  for (const [index, component] of observation.component.entries()) {
    if (!isObject(component)) continue;
    const code = conceptTokens(component.code).find((token) => rule.componentCodes.has(token));
    if (code && hasValue(component, rule.value)) {
      return { item, holder: component, holderPointer: `${item.pointer}/component/${index}`, code };
    }
  }
  return undefined;
}

/**
 * `observation`: the latest Observation effective at or before `asOf` (see {@link effectiveTime}) whose code has
 * one of `codes` and that carries a value, or whose code has one of `components.panelCodes` and that has a
 * component coded with one of `components.codes` carrying a value (Synthea's blood pressure: 8480-6 inside 85354-9
 * or 55284-4). Status `entered-in-error` and `cancelled` are ignored; an Observation with the code but no value (a
 * `dataAbsentReason`) does not count. Equal times: the first in bundle order wins.
 * - `quantity`: `valueQuantity.value` converted with UCUM from `valueQuantity.code` (when `system` is UCUM), else
 *   from `valueQuantity.unit`, to the fact unit; rounded half up to the fact precision; checked against `range`.
 *   422 (pointer `…/valueQuantity`) when the unit is missing or not convertible; 422 (pointer
 *   `…/valueQuantity/value`) when out of range.
 * - `coded`: the first coding of `valueCodeableConcept` found in `codeMap`; none found: no value (the fact is
 *   missing; an older Observation does not stand in for the latest one).
 * - `quantity-nonzero`: `valueQuantity.value > 0` (for example an oxygen flow rate).
 */
function deriveFromObservation(definition: FactDefinition, rule: ObservationRule, context: DerivationContext): Derived {
  const asOf = context.asOf.getTime();
  const seen = new Set<FhirInputResource>();
  let latest: Reading | undefined;
  for (const token of [...rule.codes, ...rule.panelCodes]) {
    for (const item of context.index.observationsByCode.get(token) ?? []) {
      if (seen.has(item)) continue;
      seen.add(item);
      const status = item.resource.status;
      if (typeof status === 'string' && IGNORED_OBSERVATION_STATUS.has(status)) continue;
      const effective = effectiveTime(item.resource, context.effectiveTimes);
      if (effective === undefined || effective > asOf) continue;
      if (latest && (effective < latest.effective || (effective === latest.effective && item.position > latest.item.position))) {
        continue;
      }
      const reading = readingOf(item, rule);
      if (reading) latest = { ...reading, effective };
    }
  }
  if (!latest) return undefined;

  const provenance = {
    source: 'fhir' as const,
    reference: latest.item.reference,
    code: latest.code,
    effective: toRfc3339Utc(latest.effective),
  };
  if (rule.value === 'coded') {
    const codings = conceptTokens(latest.holder.valueCodeableConcept);
    const matched = codings.find((token) => rule.codeMap.has(token));
    if (matched === undefined) return undefined;
    return { fact: { value: rule.codeMap.get(matched) as string, ...provenance, rawValue: matched } };
  }
  const quantity = latest.holder.valueQuantity as Record<string, unknown>;
  const quantityPointer = `${latest.holderPointer}/valueQuantity`;
  if (rule.value === 'quantity-nonzero') {
    const raw = quantity.value as number;
    return { fact: { value: raw > 0, ...provenance, rawValue: raw, rawUnit: rawUnitOf(quantity) } };
  }
  const taken = numberFromQuantity(definition, quantity, quantityPointer);
  return 'problem' in taken ? taken : { fact: { ...taken.fact, ...provenance } };
}

/** The unit of a FHIR Quantity: its UCUM `code` when `system` is UCUM, else its human-readable `unit`. */
function rawUnitOf(quantity: Record<string, unknown>): string | undefined {
  if (quantity.system === UCUM_SYSTEM && typeof quantity.code === 'string') return quantity.code;
  return typeof quantity.unit === 'string' ? quantity.unit : undefined;
}

/** A FHIR Quantity as a number fact: converted to the fact unit, rounded, range-checked. */
function numberFromQuantity(
  definition: FactDefinition,
  quantity: Record<string, unknown>,
  quantityPointer: string,
): { fact: TakenFact } | { problem: ProblemPointer } {
  const raw = quantity.value as number;
  const rawUnit = rawUnitOf(quantity);
  let converted = raw;
  if (definition.unit !== undefined) {
    const inUnit = rawUnit === undefined ? undefined : convertUcum(raw, rawUnit, definition.unit);
    if (inUnit === undefined) {
      const message =
        rawUnit === undefined
          ? `has no unit; ${definition.unit} is needed`
          : `unit '${rawUnit}' is not a UCUM unit convertible to ${definition.unit}`;
      return { problem: { pointer: quantityPointer, message } };
    }
    converted = inUnit;
  }
  return numberFact(definition, converted, `${quantityPointer}/value`, { rawValue: raw, rawUnit });
}

/** A number in the fact unit made canonical (rounded half up) and checked against `range`, or the 422 problem. */
function numberFact(
  definition: FactDefinition,
  value: number,
  valuePointer: string,
  raw: Pick<TakenFact, 'rawValue' | 'rawUnit'>,
): { fact: TakenFact } | { problem: ProblemPointer } {
  const canonical = canonicalNumber(definition, value);
  const outOfRange = rangeProblem(definition, canonical);
  if (outOfRange) return { problem: { pointer: valuePointer, message: outOfRange } };
  return { fact: { value: canonical, unit: definition.unit, source: 'fhir', ...raw } };
}

/**
 * `patient-age`: the exact age in years at `asOf` (see `exactAgeInYears`) of the first Patient in bundle order,
 * from `Patient.birthDate` read as 00:00 UTC. A birthDate of only a year or year-month is too imprecise for the age
 * bands and leaves the fact missing, as does a Patient without birthDate. Converted from `a` when the fact has
 * another unit; rounded only when the fact has a `precision`. 422 (pointer `…/birthDate`) when the birthDate is
 * after `asOf` or the age is out of range.
 */
function derivePatientAge(definition: FactDefinition, context: DerivationContext): Derived {
  const patient = context.index.byType.get('Patient')?.[0];
  const birthDate = patient?.resource.birthDate;
  if (!patient || typeof birthDate !== 'string') return undefined;
  const pointer = `${patient.pointer}/birthDate`;
  const interval = parseFhirDateTime(birthDate);
  if (!interval || interval.precision !== 'day') return undefined;
  const date = new Date(interval.start);
  const birth = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
  if (interval.start > context.asOf.getTime()) {
    return { problem: { pointer, message: `${birthDate} is after asOf (${context.asOf.toISOString()})` } };
  }
  const years = exactAgeInYears(birth, context.asOf);
  const value = definition.unit && definition.unit !== 'a' ? convertUcum(years, 'a', definition.unit) : years;
  if (value === undefined) throw new Error(`age cannot be expressed in ${definition.unit}`); // excluded by the catalog check
  const taken = numberFact(definition, value, pointer, { rawValue: birthDate });
  return 'problem' in taken ? taken : { fact: { ...taken.fact, reference: patient.reference } };
}

/** The first resource of `resourceType` in bundle order that passes `where` (FHIRPath), with evaluation errors as 422. */
function firstPassing(
  resources: readonly FhirInputResource[],
  where: FhirPathExpression | undefined,
  accept: (item: FhirInputResource) => boolean = () => true,
): { item?: FhirInputResource } | { problem: ProblemPointer } {
  for (const item of resources) {
    try {
      if ((!where || where.test(item.resource)) && accept(item)) return { item };
    } catch (error) {
      return { problem: fhirPathProblem(item, error) };
    }
  }
  return {};
}

function fhirPathProblem(item: FhirInputResource, error: unknown): ProblemPointer {
  return { pointer: item.pointer, message: `cannot be read by the rulebook's FHIRPath: ${(error as Error).message}` };
}

/** `system|code` tokens of FHIRPath results that are Codings or CodeableConcepts, in result order. */
function resultTokens(items: FhirPathItem[]): CodingToken[] {
  return items.flatMap(({ value }) => {
    const tokens = isObject(value) && Array.isArray(value.coding) ? conceptTokens(value) : [codingToken(value)];
    return tokens.filter((token): token is CodingToken => token !== undefined);
  });
}

/**
 * `element`: FHIRPath `path` on the first resource of `resourceType` (bundle order) that passes `where`.
 * - With `codeMap`: the first Coding (or coding of a CodeableConcept) among the results found in `codeMap`; none
 *   found: no value.
 * - Without: the first result, taken by the fact type: a number (or a Quantity, converted like an Observation's);
 *   a boolean; a string (one of `allowedValues`, else 422); a FHIR date/dateTime for a `dateTime` fact, as RFC 3339
 *   UTC with milliseconds (a date counts as 00:00 UTC; a year or year-month is too imprecise: no value). A result of
 *   another JSON type is 422, pointing at the element.
 */
function deriveElement(
  definition: FactDefinition,
  rule: Extract<CompiledDerivation, { kind: 'element' }>,
  context: DerivationContext,
): Derived {
  const found = firstPassing(context.index.byType.get(rule.resourceType) ?? [], rule.where);
  if ('problem' in found) return found;
  const { item } = found;
  if (!item) return undefined;
  let results: FhirPathItem[];
  try {
    results = rule.path.evaluate(item.resource);
  } catch (error) {
    return { problem: fhirPathProblem(item, error) };
  }
  const provenance = { source: 'fhir' as const, reference: item.reference };

  if (rule.codeMap) {
    const codeMap = rule.codeMap;
    const matched = resultTokens(results).find((token) => codeMap.has(token));
    if (matched === undefined) return undefined;
    return { fact: { value: codeMap.get(matched) as string, ...provenance, code: matched, rawValue: matched } };
  }

  const [first] = results;
  if (!first) return undefined;
  const pointer = item.pointer + (first.pointer ?? '');
  const raw = first.value;
  const mismatch = (): Derived => ({
    problem: { pointer, message: `is ${JSON.stringify(raw)}, which cannot be read as the ${definition.type} the rulebook needs` },
  });
  switch (definition.type) {
    case 'number':
    case 'integer': {
      const taken =
        typeof raw === 'number'
          ? numberFact(definition, raw, pointer, { rawValue: raw })
          : isObject(raw) && typeof raw.value === 'number'
            ? numberFromQuantity(definition, raw, pointer)
            : undefined;
      if (!taken) return mismatch();
      return 'problem' in taken ? taken : { fact: { ...taken.fact, ...provenance } };
    }
    case 'boolean':
      return typeof raw === 'boolean' ? { fact: { value: raw, ...provenance, rawValue: raw } } : mismatch();
    case 'string': {
      if (typeof raw !== 'string') return mismatch();
      const notAllowed = allowedValuesProblem(definition, raw);
      return notAllowed ? { problem: { pointer, message: notAllowed } } : { fact: { value: raw, ...provenance, rawValue: raw } };
    }
    case 'dateTime': {
      const interval = typeof raw === 'string' ? parseFhirDateTime(raw) : undefined;
      if (!interval) return mismatch();
      if (interval.precision === 'year' || interval.precision === 'month') return undefined;
      return { fact: { value: toRfc3339Utc(interval.start), ...provenance, rawValue: raw } };
    }
  }
}

/**
 * `exists`: true when a resource of `resourceType` passes `where`, has a coding in `codes` among the results of
 * `codePath` (when given), and is active at the instant `activeAt.at`: one of the Periods at `activeAt.period`
 * contains it (see `periodContains`: an open start or end is unbounded, a date-only end covers that whole day), or
 * the resource has no such Period at all (FHIR R4 Coverage.period: "a missing end date means the coverage is
 * continuing to be in force"). The instant is `asOf`, or the value of another `dateTime` fact; when that fact is
 * missing, `asOf` is used. True carries the first matching resource (bundle order) as `reference`; false has none.
 * (With no FHIR in the request the fact is not derived at all, so it is missing.)
 */
function deriveExists(rule: Extract<CompiledDerivation, { kind: 'exists' }>, context: DerivationContext): Derived {
  let at = context.asOf.getTime();
  if (rule.activeAt?.atFact !== undefined) {
    const atValue = context.taken.get(rule.activeAt.atFact)?.value;
    const instant = typeof atValue === 'string' ? parseRfc3339(atValue) : undefined;
    if (instant !== undefined) at = instant;
  }
  let matchedCode: CodingToken | undefined;
  const accept = (item: FhirInputResource): boolean => {
    if (rule.codePath && rule.codes) {
      const codes = rule.codes;
      matchedCode = resultTokens(rule.codePath.evaluate(item.resource)).find((token) => codes.has(token));
      if (matchedCode === undefined) return false;
    }
    if (!rule.activeAt) return true;
    const periods = rule.activeAt.period.evaluate(item.resource).filter((p) => isObject(p.value));
    return periods.length === 0 || periods.some((p) => periodContains(p.value as Record<string, unknown>, at));
  };
  const found = firstPassing(context.index.byType.get(rule.resourceType) ?? [], rule.where, accept);
  if ('problem' in found) return found;
  if (!found.item) return { fact: { value: false, source: 'fhir' } };
  return { fact: { value: true, source: 'fhir', reference: found.item.reference, code: matchedCode } };
}
