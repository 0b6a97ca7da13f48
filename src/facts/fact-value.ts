import type { FactDefinition } from '../rulebooks/rulebook.types.js';
import { roundHalfUp } from './decimal-rounding.js';

/** Decimal places a number fact keeps: the catalog `precision`, `0` for an `integer`, none (full precision) else. */
export function factPrecision(definition: FactDefinition): number | undefined {
  return definition.precision ?? (definition.type === 'integer' ? 0 : undefined);
}

/**
 * A number in the fact's unit made canonical: rounded half up to the fact's precision (see {@link factPrecision}),
 * once, when the fact is taken in (rulebooks/README.md, the fact catalog's `precision`).
 */
export function canonicalNumber(definition: FactDefinition, value: number): number {
  const places = factPrecision(definition);
  return places === undefined ? value : roundHalfUp(value, places);
}

/**
 * Why a canonical number is outside the fact's physiological `range` (inclusive), or `undefined` when inside.
 * The contract checks the range after rounding: a `spo2` of 100.4 is 100 and accepted.
 */
export function rangeProblem(definition: FactDefinition, value: number): string | undefined {
  const { min, max } = definition.range ?? {};
  if ((min === undefined || value >= min) && (max === undefined || value <= max)) return undefined;
  const unit = definition.unit ? ` ${definition.unit}` : '';
  const bounds =
    min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
  return `${value}${unit} is outside the accepted range: must be ${bounds}${unit}`;
}

/** Why a string is not one of the fact's `allowedValues`, or `undefined` when it is (or there is no list). */
export function allowedValuesProblem(definition: FactDefinition, value: string): string | undefined {
  const allowed = definition.allowedValues;
  if (!allowed || allowed.includes(value)) return undefined;
  return `'${value}' is not one of ${allowed.map((v) => `'${v}'`).join(', ')}`;
}
