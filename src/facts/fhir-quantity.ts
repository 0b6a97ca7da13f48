import type { ProblemPointer } from '../common/domain-error.js';
import type { FactDefinition } from '../rulebooks/rulebook.types.js';
import { canonicalNumber, rangeProblem } from './fact-value.js';
import { isObject } from './fhir-input.js';
import type { TakenFact } from './taken-fact.js';
import { convertUcum, UCUM_SYSTEM } from './ucum-units.js';

/** A number read from FHIR as a fact, or the problem that keeps it from being one (with the value as found). */
export type NumberReading = { fact: TakenFact } | { problem: ProblemPointer; rawValue?: unknown; rawUnit?: string };

/** The unit of a FHIR Quantity: its UCUM `code` when `system` is UCUM, else its human-readable `unit`. */
export function rawUnitOf(quantity: Record<string, unknown>): string | undefined {
  if (quantity.system === UCUM_SYSTEM && typeof quantity.code === 'string') return quantity.code;
  return typeof quantity.unit === 'string' ? quantity.unit : undefined;
}

const dimensionless = new Map<string, boolean>();

/**
 * Whether a UCUM unit is the dimensionless unity: `1`, an annotation such as `{score}`, or anything equal to 1 such
 * as `g/g` (`%` is 1/100 and is not). Scores are such units, and systems often send them with no unit at all.
 */
export function isDimensionlessUnity(unit: string): boolean {
  let result = dimensionless.get(unit);
  if (result === undefined) {
    result = convertUcum(1, '1', unit) === 1;
    dimensionless.set(unit, result);
  }
  return result;
}

/** A number in the fact unit made canonical (rounded half up) and checked against `range`, or the problem. */
export function numberFact(
  definition: FactDefinition,
  value: number,
  valuePointer: string,
  raw: Pick<TakenFact, 'rawValue' | 'rawUnit'>,
): NumberReading {
  const canonical = canonicalNumber(definition, value);
  const outOfRange = rangeProblem(definition, canonical);
  if (outOfRange) return { problem: { pointer: valuePointer, message: outOfRange }, ...raw };
  return { fact: { value: canonical, unit: definition.unit, source: 'fhir', ...raw } };
}

/**
 * A FHIR Quantity as a number fact: `value` converted with UCUM from the Quantity's unit (see {@link rawUnitOf}) to
 * the fact unit, rounded, range-checked. A Quantity with no unit is read in the fact unit when that unit is
 * dimensionless (see {@link isDimensionlessUnity}: a pain score of `{ "value": 7 }`), and is a problem otherwise.
 *
 * @param quantityPointer JSON Pointer of the Quantity in the request body (problems point there or at its `value`)
 */
export function numberFromQuantity(definition: FactDefinition, quantity: Record<string, unknown>, quantityPointer: string): NumberReading {
  const raw = quantity.value as number;
  const rawUnit = rawUnitOf(quantity);
  let converted = raw;
  if (definition.unit !== undefined) {
    const unitless = rawUnit === undefined && isDimensionlessUnity(definition.unit);
    const inUnit = unitless ? raw : rawUnit === undefined ? undefined : convertUcum(raw, rawUnit, definition.unit);
    if (inUnit === undefined) {
      const message =
        rawUnit === undefined
          ? `has no unit; ${definition.unit} is needed`
          : `unit '${rawUnit}' is not a UCUM unit convertible to ${definition.unit}`;
      return { problem: { pointer: quantityPointer, message }, rawValue: raw, rawUnit };
    }
    converted = inUnit;
  }
  return numberFact(definition, converted, `${quantityPointer}/value`, { rawValue: raw, rawUnit });
}

/**
 * The number value of an Observation (or component), `value[x]`: a `valueQuantity` (see {@link numberFromQuantity}),
 * or a `valueInteger`, which has no unit and so is read only for a fact whose unit is dimensionless (a score) or
 * that has no unit; for any other unit it is a problem.
 *
 * @returns the reading, or `undefined` when the holder carries neither (no value, `dataAbsentReason`, another type)
 */
export function numberFromValue(definition: FactDefinition, holder: Record<string, unknown>, holderPointer: string): NumberReading | undefined {
  if (isObject(holder.valueQuantity) && typeof holder.valueQuantity.value === 'number') {
    return numberFromQuantity(definition, holder.valueQuantity, `${holderPointer}/valueQuantity`);
  }
  if (typeof holder.valueInteger !== 'number') return undefined;
  const pointer = `${holderPointer}/valueInteger`;
  const value = holder.valueInteger;
  if (definition.unit !== undefined && !isDimensionlessUnity(definition.unit)) {
    return { problem: { pointer, message: `is an integer without a unit; ${definition.unit} is needed` }, rawValue: value };
  }
  return numberFact(definition, value, pointer, { rawValue: value });
}
