import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import { withoutFloatNoise } from './decimal-rounding.js';

/** The UCUM system URI FHIR uses in `Quantity.system` (FHIR R4 datatypes, "Quantity"). */
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

let ucum: UcumLhcUtils | undefined;

/** The NLM UCUM library, loaded on first use (it builds its unit tables once per process). */
function ucumUtils(): UcumLhcUtils {
  ucum ??= UcumLhcUtils.getInstance();
  return ucum;
}

/**
 * Runs a ucum-lhc call with `console.log` muted: the library logs, rather than returns, some parse failures (a unit
 * with a blank, text around parentheses), and a unit sent by a caller that is not UCUM is an expected 422 here, not
 * something for the process log. The call is synchronous, so nothing else can log in the meantime.
 */
function quietly<T>(call: () => T): T {
  const log = console.log;
  console.log = () => undefined;
  try {
    return call();
  } finally {
    console.log = log;
  }
}

/**
 * Whether `unit` is a valid UCUM expression (case-sensitive UCUM codes: `/min`, `Cel`, `[degF]`, `mm[Hg]`, `%`,
 * `{score}`, `a`), per the Unified Code for Units of Measure as implemented by `@lhncbc/ucum-lhc`.
 */
export function isValidUcumUnit(unit: string): boolean {
  return unit.trim() !== '' && quietly(() => ucumUtils().validateUnitString(unit)).status === 'valid';
}

/**
 * Converts `value` from one UCUM unit to another (`101.3 [degF]` -> `38.5 Cel`; `3 mo` -> `0.25 a`), including
 * the offset conversions of temperature, with `@lhncbc/ucum-lhc`. The result is read back at 12 significant digits
 * so that rounding later sees the decimal the conversion means (`38.5`, not `38.50000000000006`).
 *
 * @param value the number of `fromUnit`s
 * @param fromUnit UCUM code of the given value
 * @param toUnit UCUM code wanted
 * @returns the value in `toUnit`, or `undefined` when either unit is not valid UCUM or the units are not
 *   commensurable (`kg` -> `Cel`); identical units return `value` unchanged
 */
export function convertUcum(value: number, fromUnit: string, toUnit: string): number | undefined {
  if (fromUnit === toUnit) return value;
  const result = quietly(() => ucumUtils().convertUnitTo(fromUnit, value, toUnit));
  if (result.status !== 'succeeded' || typeof result.toVal !== 'number' || !Number.isFinite(result.toVal)) {
    return undefined;
  }
  return withoutFloatNoise(result.toVal);
}
