import type { CodingToken, FactDefinition, FhirDerivation } from '../rulebooks/rulebook.types.js';
import { allowedValuesProblem } from './fact-value.js';
import {
  DEFAULT_OBSERVATION_STATUSES,
  derivedNumber,
  notInSuppliedData,
  unreadable,
  withoutUndefined,
  type CompiledDerivation,
  type DerivationContext,
  type Derived,
} from './fhir-derivation.js';
import { codingToken, conceptTokens, isObject, type FhirInputResource, type FhirResource } from './fhir-input.js';
import { numberFact, numberFromQuantity } from './fhir-quantity.js';
import { parseRfc3339Millis, toRfc3339Utc } from '../common/rfc3339.js';
import { parseFhirDateTime, periodContains } from './fhir-time.js';
import { compileFhirPath, type FhirPathExpression, type FhirPathItem } from './fhirpath-expression.js';
import { deriveFromObservation } from './observation-facts.js';
import { exactAgeInYears } from './patient-age.js';
import { takenFact } from './taken-fact.js';
import { convertUcum } from './ucum-units.js';

/**
 * FHIR R4 resources -> canonical facts, driven only by the rulebook's fact catalog (`FactDefinition.fhir`): the code
 * knows no LOINC code and no clinical threshold. Pure functions over validated input (`validateFhirInput`) about one
 * patient (`bindPatient`).
 */

/**
 * Prepares a derivation: compiles its FHIRPath expressions with the R4 model.
 *
 * @param maxAge the fact's `maxAge`, already read as milliseconds (observation facts only)
 * @throws Error when an expression does not compile (the caller names the fact)
 */
export function compileDerivation(derivation: FhirDerivation, maxAge?: { ms: number; text: string }): CompiledDerivation {
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
        panelCodes: new Set(derivation.components?.panelCodes),
        componentCodes: new Set(derivation.components?.codes),
        value: derivation.value,
        codeMap: new Map(Object.entries(derivation.codeMap ?? {})),
        above: new Map(Object.entries(derivation.above ?? {})),
        statuses: new Set(derivation.statuses ?? DEFAULT_OBSERVATION_STATUSES),
        preferCategory: new Set(derivation.preferCategory),
        ...(maxAge && { maxAge }),
      };
    case 'patient-age':
      return { kind: 'patient-age', ...(derivation.at !== undefined && derivation.at !== 'asOf' && { atFact: derivation.at.fact }) };
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
        absentMeans: derivation.absentMeans ?? 'false',
      };
    }
  }
}

/**
 * Derives one fact from the FHIR input per its catalog definition; see each kind below for the rules.
 *
 * @param name the fact's name (named in `ignored` entries)
 * @returns the fact (source `fhir`), why it is missing, or a value that cannot be read (see {@link Derived})
 */
export function deriveFhirFact(
  name: string,
  definition: FactDefinition,
  derivation: CompiledDerivation,
  context: DerivationContext,
): Derived {
  if (!context.hasFhir && !(derivation.kind === 'exists' && context.searchComplete.has(derivation.resourceType))) {
    return notInSuppliedData('neither the request facts nor FHIR input (the request has none) give a value');
  }
  const derived = (() => {
    switch (derivation.kind) {
      case 'observation':
        return deriveFromObservation(name, definition, derivation, context);
      case 'patient-age':
        return derivePatientAge(definition, derivation, context);
      case 'element':
        return deriveElement(definition, derivation, context);
      case 'exists':
        return deriveExists(derivation, context);
    }
  })();
  return 'fact' in derived ? { fact: takenFact('fhir', derived.fact) } : derived;
}

const PATIENT_BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';
/** Units in which an age is counted in calendar months (ESI's and NEWS2's age bands); others count elapsed time. */
const CALENDAR_AGE_UNITS = new Set(['a', 'mo']);

/**
 * `patient-age`: the age of the decision's Patient (see `bindPatient`) from `Patient.birthDate`, at `asOf` or at the
 * instant of another `dateTime` fact (`at: { fact }`, for example the appointment start; when that fact is missing
 * the age is missing as `reference-time-missing`).
 * - In `a` or `mo`: the exact age in calendar months and the fraction of the current month (`exactAgeInYears`), the
 *   birth date read as 00:00 UTC, converted from `a`.
 * - In any other unit of time (`d`, `wk`, `h`): the elapsed time since the start of the birth date, 00:00 UTC (FHIR
 *   `date` has no time zone), or since the instant of the `patient-birthTime` extension on `birthDate` when given
 *   (it has a time zone). So 11 days and 12 hours after a midnight birth is 11.5 d, and "under 28 days" is exact.
 * Rounded only when the fact has a `precision`. A birthDate of only a year or year-month, or no birthDate, leaves
 * the fact missing. Unreadable (422, pointer `…/birthDate`, unless `onUnreadable: missing`): a birth after the
 * instant, an age out of range.
 */
function derivePatientAge(
  definition: FactDefinition,
  rule: Extract<CompiledDerivation, { kind: 'patient-age' }>,
  context: DerivationContext,
): Derived {
  let at = context.asOf.getTime();
  let atText = `asOf (${context.asOf.toISOString()})`;
  if (rule.atFact !== undefined) {
    const atValue = context.taken.get(rule.atFact)?.value;
    const instant = typeof atValue === 'string' ? parseRfc3339Millis(atValue) : undefined;
    if (instant === undefined) {
      return { missing: { reason: 'reference-time-missing', detail: `the age is counted at ${rule.atFact}, which is missing` } };
    }
    at = instant;
    atText = `${rule.atFact} (${atValue as string})`;
  }
  const patient = context.index.byType.get('Patient')?.[0];
  if (!patient) return notInSuppliedData("no Patient resource of the decision's patient in the data supplied");
  const birthDate = patient.resource.birthDate;
  const reference = patient.reference;
  if (typeof birthDate !== 'string') return notInSuppliedData(`${reference ?? patient.pointer} has no birthDate`);
  const pointer = `${patient.pointer}/birthDate`;
  const interval = parseFhirDateTime(birthDate);
  if (!interval || interval.precision !== 'day') {
    return { missing: { reason: 'unreadable', detail: `birthDate ${birthDate} is not a full date`, ...(reference && { reference }), rawValue: birthDate } };
  }
  const found = { reference, rawValue: birthDate };
  if (interval.start > at) return unreadable({ pointer, message: `${birthDate} is after ${atText}` }, found);
  const unit = definition.unit ?? 'a';
  let value: number | undefined;
  if (CALENDAR_AGE_UNITS.has(unit)) {
    const date = new Date(interval.start);
    const years = exactAgeInYears({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }, new Date(at));
    value = convertUcum(years, 'a', unit);
  } else {
    const born = birthTime(patient.resource) ?? interval.start;
    if (born > at) return unreadable({ pointer, message: `the birth time is after ${atText}` }, found);
    value = convertUcum(at - born, 'ms', unit);
  }
  // Stryker disable next-line StringLiteral: unreachable, the catalog check refuses a unit an age cannot be expressed in
  if (value === undefined) throw new Error(`age cannot be expressed in ${unit}`); // excluded by the catalog check
  return derivedNumber(numberFact(definition, value, pointer, { rawValue: birthDate }), { reference });
}

/** The instant of the `patient-birthTime` extension on `Patient.birthDate` (`_birthDate`), when given with a time. */
function birthTime(patient: FhirResource): number | undefined {
  const element = patient._birthDate;
  if (!isObject(element) || !Array.isArray(element.extension)) return undefined;
  const extension = element.extension.find((e: unknown) => isObject(e) && e.url === PATIENT_BIRTH_TIME) as Record<string, unknown> | undefined;
  const text = extension?.valueDateTime;
  const interval = typeof text === 'string' ? parseFhirDateTime(text) : undefined;
  return interval?.precision === 'time' ? interval.start : undefined;
}

/** The first resource of `resourceType` in bundle order that passes `where`, with evaluation errors as problems. */
function firstPassing(
  resources: readonly FhirInputResource[],
  where: FhirPathExpression | undefined,
  accept: (item: FhirInputResource) => boolean = () => true,
): { item?: FhirInputResource } | { failed: Derived } {
  for (const item of resources) {
    try {
      if ((!where || where.test(item.resource)) && accept(item)) return { item };
    } catch (error) {
      return { failed: fhirPathProblem(item, error) };
    }
  }
  return {};
}

function fhirPathProblem(item: FhirInputResource, error: unknown): Derived {
  return unreadable(
    { pointer: item.pointer, message: `cannot be read by the rulebook's FHIRPath: ${(error as Error).message}` },
    { reference: item.reference },
  );
}

/** `system|code` tokens of FHIRPath results that are Codings or CodeableConcepts, in result order. */
function resultTokens(items: FhirPathItem[]): CodingToken[] {
  return items.flatMap(({ value }) => {
    const tokens = isObject(value) && Array.isArray(value.coding) ? conceptTokens(value) : [codingToken(value)];
    return tokens.filter((token): token is CodingToken => token !== undefined);
  });
}

/**
 * `element`: FHIRPath `path` on the first resource of `resourceType` (bundle order) about the patient that passes
 * `where`.
 * - With `codeMap`: the first Coding (or coding of a CodeableConcept) among the results found in `codeMap`; none
 *   found: missing (`unreadable`, never refused).
 * - Without: the first result, taken by the fact type: a number (or a Quantity, converted like an Observation's);
 *   a boolean; a string (one of `allowedValues`); a FHIR date/dateTime for a `dateTime` fact, as RFC 3339 UTC with
 *   milliseconds (a date counts as 00:00 UTC; a year or year-month is too imprecise: missing). Unreadable (422 at
 *   the element unless `onUnreadable: missing`): a result of another JSON type, a string not allowed, a number out
 *   of range or in an inconvertible unit.
 */
function deriveElement(
  definition: FactDefinition,
  rule: Extract<CompiledDerivation, { kind: 'element' }>,
  context: DerivationContext,
): Derived {
  const first = firstPassing(context.index.byType.get(rule.resourceType) ?? [], rule.where);
  if ('failed' in first) return first.failed;
  const { item } = first;
  if (!item) return notInSuppliedData(`no ${rule.resourceType} about the patient${rule.where ? ' that matches the rulebook' : ''} in the data supplied`);
  let results: FhirPathItem[];
  try {
    results = rule.path.evaluate(item.resource);
  } catch (error) {
    return fhirPathProblem(item, error);
  }
  const reference = item.reference;
  const provenance = { source: 'fhir' as const, reference };

  if (rule.codeMap) {
    const codeMap = rule.codeMap;
    const tokens = resultTokens(results);
    const matched = tokens.find((token) => codeMap.has(token));
    if (matched === undefined) {
      if (tokens.length === 0) return notInSuppliedData(`${reference ?? item.pointer} has no coded value there`);
      return { missing: { reason: 'unreadable', detail: `${reference ?? item.pointer}: no code among ${tokens.join(', ')} is mapped by the rulebook`, ...(reference && { reference }), rawValue: tokens[0] } };
    }
    return { fact: { value: codeMap.get(matched) as string, ...provenance, code: matched, rawValue: matched } };
  }

  const [result] = results;
  if (!result) return notInSuppliedData(`${reference ?? item.pointer} has no value there`);
  const pointer = item.pointer + (result.pointer ?? '');
  const raw = result.value;
  const found = { reference, rawValue: raw };
  const mismatch = (): Derived =>
    unreadable({ pointer, message: `is ${JSON.stringify(raw)}, which cannot be read as the ${definition.type} the rulebook needs` }, found);
  switch (definition.type) {
    case 'number':
    case 'integer': {
      const reading =
        typeof raw === 'number'
          ? numberFact(definition, raw, pointer, { rawValue: raw })
          : isObject(raw) && typeof raw.value === 'number'
            ? numberFromQuantity(definition, raw, pointer)
            : undefined;
      return reading ? derivedNumber(reading, { reference }) : mismatch();
    }
    case 'boolean':
      return typeof raw === 'boolean' ? { fact: { value: raw, ...provenance, rawValue: raw } } : mismatch();
    case 'string': {
      if (typeof raw !== 'string') return mismatch();
      const notAllowed = allowedValuesProblem(definition, raw);
      return notAllowed ? unreadable({ pointer, message: notAllowed }, found) : { fact: { value: raw, ...provenance, rawValue: raw } };
    }
    case 'dateTime': {
      const interval = typeof raw === 'string' ? parseFhirDateTime(raw) : undefined;
      if (!interval) return mismatch();
      if (interval.precision === 'year' || interval.precision === 'month') {
        return { missing: { reason: 'unreadable', detail: `${reference ?? pointer}: ${raw as string} is only a ${interval.precision}, too imprecise`, ...withoutUndefined(found) } };
      }
      return { fact: { value: toRfc3339Utc(interval.start), ...provenance, rawValue: raw } };
    }
  }
}

/**
 * `exists`: true when a resource of `resourceType` about the patient passes `where`, has a coding in `codes` among
 * the results of `codePath` (when given), and is active at the instant `activeAt.at`: one of the Periods at
 * `activeAt.period` contains it (see `periodContains`: an open start or end is unbounded, a date-only end covers that
 * whole day), or the resource has no such Period at all (FHIR R4 Coverage.period: "a missing end date means the
 * coverage is continuing to be in force"). The instant is `asOf`, or the value of another `dateTime` fact; when that
 * fact is missing, `asOf` is used. True carries the first matching resource (bundle order) as `reference`.
 *
 * No such resource: `false` with `absentMeans: false` (the default); with `absentMeans: unknown-unless-complete`,
 * missing (`not-in-supplied-data`) unless the request's `fhirSearchComplete` lists `resourceType` (the caller
 * searched for every such resource of the patient), then `false`. With no FHIR in the request the fact is missing,
 * except that a type listed in `fhirSearchComplete` is `false` (a complete search that found nothing).
 */
function deriveExists(rule: Extract<CompiledDerivation, { kind: 'exists' }>, context: DerivationContext): Derived {
  let at = context.asOf.getTime();
  if (rule.activeAt?.atFact !== undefined) {
    const atValue = context.taken.get(rule.activeAt.atFact)?.value;
    const instant = typeof atValue === 'string' ? parseRfc3339Millis(atValue) : undefined;
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
  if ('failed' in found) return found.failed;
  if (found.item) return { fact: { value: true, source: 'fhir', reference: found.item.reference, code: matchedCode } };
  if (rule.absentMeans === 'unknown-unless-complete' && !context.searchComplete.has(rule.resourceType)) {
    return notInSuppliedData(
      `no ${rule.resourceType} about the patient in the data supplied, and the request does not state the search complete (fhirSearchComplete)`,
    );
  }
  return { fact: { value: false, source: 'fhir' } };
}
