import { jsonPointer, type ProblemPointer } from '../common/domain-error.js';
import type { FactDefinition } from '../rulebooks/rulebook.types.js';
import { allowedValuesProblem, canonicalNumber, rangeProblem } from './fact-value.js';
import { isObject } from './fhir-input.js';
import { parseRfc3339Millis, toRfc3339Utc } from '../common/rfc3339.js';
import { takenFact, type TakenFact } from './taken-fact.js';
import { convertUcum } from './ucum-units.js';

/** The request's `facts` read against the catalog: the accepted facts and the problems, by HTTP status. */
export interface RequestFacts {
  taken: Map<string, TakenFact>;
  /** Names sent but not accepted (their problems are listed below); FHIR and defaults must not stand in for them. */
  rejected: Set<string>;
  /** 400 `VALIDATION_FAILED`: unknown or derived fact names, wrong JSON types, malformed date-times. */
  invalid: ProblemPointer[];
  /** 422 `UNPROCESSABLE_FACTS`: inconvertible units, values outside `range`, strings outside `allowedValues`. */
  unprocessable: ProblemPointer[];
}

const QUANTITY_KEYS = new Set(['value', 'unit']);

/**
 * Reads the request's explicit `facts` (README "API", `POST /v1/decisions`; the fact catalog in rulebooks/README.md). Every problem is collected,
 * none thrown, so that the caller can report them all at once.
 *
 * Per fact type:
 * - `number` / `integer`: a JSON number in the catalog unit, or `{ "value": 101.3, "unit": "[degF]" }` converted
 *   with UCUM to the catalog unit; then rounded half up to the catalog precision (`integer`: 0 places, so `37.5`
 *   becomes `38`) and checked against `range` (inclusive) after rounding.
 * - `boolean`: a JSON boolean. `string`: a JSON string, one of `allowedValues` when the catalog lists them.
 * - `dateTime`: an RFC 3339 date-time with seconds and a zone, normalised to UTC with milliseconds.
 *
 * Pointers: `/facts/<name>` (unknown or derived name, wrong type, out of range, not allowed),
 * `/facts/<name>/value`, `/facts/<name>/unit` (wrong type, inconvertible unit), `/facts/<name>/<key>` (unknown key).
 *
 * @param definitions the rulebook's fact catalog
 * @param facts the request's `facts` member, as parsed JSON (`undefined` when absent)
 */
export function takeRequestFacts(definitions: Readonly<Record<string, FactDefinition>>, facts: unknown): RequestFacts {
  const result: RequestFacts = { taken: new Map(), rejected: new Set(), invalid: [], unprocessable: [] };
  if (facts === undefined) return result;
  if (!isObject(facts)) {
    result.invalid.push({ pointer: '/facts', message: 'must be an object of fact names to values' });
    return result;
  }
  for (const [name, raw] of Object.entries(facts)) {
    const problemsBefore = result.invalid.length + result.unprocessable.length;
    const definition = Object.hasOwn(definitions, name) ? definitions[name] : undefined;
    if (!definition) {
      result.invalid.push({ pointer: jsonPointer('facts', name), message: 'is not a fact of this rulebook' });
    } else if (definition.derivedFrom) {
      result.invalid.push({
        pointer: jsonPointer('facts', name),
        message: 'is computed by the rulebook from other facts and cannot be sent',
      });
    } else {
      const fact = readRequestFact(name, definition, raw, result);
      if (fact) result.taken.set(name, takenFact('request', fact));
    }
    if (result.invalid.length + result.unprocessable.length > problemsBefore) result.rejected.add(name);
  }
  return result;
}

function readRequestFact(
  name: string,
  definition: FactDefinition,
  raw: unknown,
  problems: Pick<RequestFacts, 'invalid' | 'unprocessable'>,
): TakenFact | undefined {
  const pointer = jsonPointer('facts', name);
  const wrongType = (message: string): undefined => {
    problems.invalid.push({ pointer, message });
    return undefined;
  };
  switch (definition.type) {
    case 'number':
    case 'integer':
      return readRequestNumber(name, definition, raw, problems);
    case 'boolean':
      return typeof raw === 'boolean' ? { value: raw, source: 'request', rawValue: raw } : wrongType('must be a boolean');
    case 'string': {
      if (typeof raw !== 'string') return wrongType('must be a string');
      const notAllowed = allowedValuesProblem(definition, raw);
      if (notAllowed) {
        problems.unprocessable.push({ pointer, message: notAllowed });
        return undefined;
      }
      return { value: raw, source: 'request', rawValue: raw };
    }
    case 'dateTime': {
      const instant = typeof raw === 'string' ? parseRfc3339Millis(raw) : undefined;
      if (instant === undefined) return wrongType('must be an RFC 3339 date-time with a time zone (2026-11-21T09:30:00Z)');
      return { value: toRfc3339Utc(instant), source: 'request', rawValue: raw };
    }
  }
}

function readRequestNumber(
  name: string,
  definition: FactDefinition,
  raw: unknown,
  problems: Pick<RequestFacts, 'invalid' | 'unprocessable'>,
): TakenFact | undefined {
  const pointer = jsonPointer('facts', name);
  const unitText = definition.unit ? ` in ${definition.unit}` : '';
  let value: number;
  let rawUnit: string | undefined;
  if (typeof raw === 'number') {
    value = raw;
  } else if (isObject(raw)) {
    const before = problems.invalid.length;
    for (const key of Object.keys(raw)) {
      if (!QUANTITY_KEYS.has(key)) problems.invalid.push({ pointer: jsonPointer('facts', name, key), message: 'is not allowed' });
    }
    if (typeof raw.value !== 'number') {
      problems.invalid.push({ pointer: jsonPointer('facts', name, 'value'), message: 'is required and must be a number' });
    }
    if (raw.unit !== undefined && typeof raw.unit !== 'string') {
      problems.invalid.push({ pointer: jsonPointer('facts', name, 'unit'), message: 'must be a UCUM unit string' });
    }
    if (problems.invalid.length > before) return undefined;
    value = raw.value as number;
    rawUnit = raw.unit as string | undefined;
  } else {
    problems.invalid.push({ pointer, message: `must be a number${unitText}, or { "value": number, "unit": UCUM unit }` });
    return undefined;
  }

  let converted = value;
  if (rawUnit !== undefined) {
    const target = definition.unit;
    const inUnit = target === undefined ? undefined : convertUcum(value, rawUnit, target);
    if (inUnit === undefined) {
      problems.unprocessable.push({
        pointer: jsonPointer('facts', name, 'unit'),
        message: target
          ? `'${rawUnit}' is not a UCUM unit convertible to ${target}`
          : `the fact has no unit; send a plain ${definition.type}`,
      });
      return undefined;
    }
    converted = inUnit;
  }
  const canonical = canonicalNumber(definition, converted);
  const outOfRange = rangeProblem(definition, canonical);
  if (outOfRange) {
    problems.unprocessable.push({ pointer, message: outOfRange });
    return undefined;
  }
  return { value: canonical, unit: definition.unit, source: 'request', rawValue: value, rawUnit };
}
