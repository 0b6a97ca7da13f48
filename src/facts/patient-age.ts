import { daysInMonth } from '../common/rfc3339.js';

/** A full calendar date (`Patient.birthDate` at day precision). */
export interface CalendarDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

/**
 * The instant of the `months`-th monthly anniversary of `birth` (00:00 UTC). A day the target month does not have
 * is clamped to its last day: born on 31 January, the one-month anniversary is 28 (or 29) February, and a
 * 29 February birthday falls on 28 February in common years.
 */
function monthAnniversary(birth: CalendarDate, months: number): number {
  const monthIndex = birth.month - 1 + months;
  const year = birth.year + Math.floor(monthIndex / 12);
  const month = (((monthIndex % 12) + 12) % 12) + 1;
  const date = new Date(Date.UTC(2000, month - 1, Math.min(birth.day, daysInMonth(year, month))));
  date.setUTCFullYear(year);
  return date.getTime();
}

/**
 * The exact age in years at `asOf` of someone born on `birth` (FHIR R4 `Patient.birthDate`, read as 00:00 UTC):
 * `m` complete calendar months between birth and `asOf`, plus the elapsed fraction `f` of the month-long interval
 * between the m-th and (m+1)-th monthly anniversaries; age = (m + f) / 12.
 *
 * The age bands of ESI v4 (`< 3 months`, `3 months ≤ age < 3 years`, `3–8 years`) and the NEWS2 adult limit
 * (16 years) compare on this value, so it is exact at the edges: `0.25` at the 3-month anniversary, `3` at the third
 * birthday, `8` at the eighth, and below them the instant before. Full precision is kept (no rounding here).
 *
 * @param birth the date of birth
 * @param asOf the instant of evaluation
 * @returns age in years (UCUM `a`), ≥ 0
 * @throws RangeError when `birth` is after `asOf`
 */
export function exactAgeInYears(birth: CalendarDate, asOf: Date): number {
  const at = asOf.getTime();
  if (monthAnniversary(birth, 0) > at) throw new RangeError('the date of birth is after asOf');
  const asOfMonths = (asOf.getUTCFullYear() - birth.year) * 12 + (asOf.getUTCMonth() + 1 - birth.month);
  let months = Math.max(0, asOfMonths);
  while (monthAnniversary(birth, months) > at) months -= 1;
  while (monthAnniversary(birth, months + 1) <= at) months += 1;
  const from = monthAnniversary(birth, months);
  const fraction = (at - from) / (monthAnniversary(birth, months + 1) - from);
  return (months + fraction) / 12;
}
