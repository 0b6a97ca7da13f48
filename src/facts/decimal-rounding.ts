/**
 * Significant digits in which a binary double is read as the decimal it stands for when rounding. Any JSON number
 * written with up to 15 significant digits round-trips exactly (IEEE 754 binary64 guarantees 15 digits).
 */
const SIGNIFICANT_DIGITS = 15;

/**
 * Significant digits kept of a computed value (a UCUM conversion multiplies and adds in binary, leaving errors of
 * about 1e-15 relative, in the 16th digit). 12 digits is far beyond the precision of any clinical measurement.
 */
const COMPUTED_SIGNIFICANT_DIGITS = 12;

/**
 * Removes binary floating-point noise from a computed value: its decimal value at 12 significant digits
 * (`38.50000000000006` -> `38.5`, `0.1 + 0.2` -> `0.3`), so that half-up rounding later sees the decimal meant.
 *
 * @param value a finite number (others are returned as is)
 * @returns the nearest number with at most 12 significant decimal digits
 */
export function withoutFloatNoise(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(COMPUTED_SIGNIFICANT_DIGITS)) : value;
}

/**
 * Rounds half up (away from zero on an exact half) to `places` decimal places, in decimal arithmetic, as the
 * fact catalog requires for canonical facts (rulebooks/README.md, `precision`: rounding is half up, applied once):
 * `36.05` -> `36.1`, `37.25` -> `37.3`, `0.5` -> `1` (0 places), `-0.5` -> `-1`, `2.675` -> `2.68` (2 places).
 *
 * `Number.prototype.toFixed` and `Math.round(x * 10 ** p)` both work on the binary value, in which `36.05` is
 * 36.04999…, and would round it down; here the value is read as the decimal it was written as (its 15 significant
 * digits) and those digits are rounded exactly with BigInt. Computed values (unit conversions) should go through
 * {@link withoutFloatNoise} first.
 *
 * @param value a finite number
 * @param places decimal places to keep, an integer 0–15
 * @returns the rounded number (never `-0`)
 * @throws RangeError when `value` is not finite or `places` is not an integer 0–15
 */
export function roundHalfUp(value: number, places: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot round ${value}`);
  if (!Number.isInteger(places) || places < 0 || places > SIGNIFICANT_DIGITS) {
    throw new RangeError(`decimal places must be an integer 0-${SIGNIFICANT_DIGITS}, got ${places}`);
  }
  if (value === 0) return 0;
  // |value| = digits × 10^(exponent − 14), digits being the 15 significant digits as an integer.
  const [mantissa, exponentText] = Math.abs(value).toExponential(SIGNIFICANT_DIGITS - 1).split('e');
  const digits = BigInt(mantissa.replace('.', ''));
  const scale = SIGNIFICANT_DIGITS - 1 - Number(exponentText); // decimal places held by `digits`
  let magnitude: number;
  if (scale <= places) {
    magnitude = Number(`${digits}e${-scale}`);
  } else {
    const divisor = 10n ** BigInt(scale - places);
    let kept = digits / divisor;
    if ((digits % divisor) * 2n >= divisor) kept += 1n;
    magnitude = Number(`${kept}e${-places}`);
  }
  if (magnitude === 0) return 0;
  return value < 0 ? -magnitude : magnitude;
}
