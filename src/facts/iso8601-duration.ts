/**
 * ISO 8601 durations (ISO 8601-1:2019 section 5.5.2, the `PnDTnHnMnS` and `PnW` forms that FHIR and XML Schema
 * `xs:duration` use) read as a fixed number of milliseconds, for the fact catalog's `maxAge`.
 */

const DURATION = /^P(?:(\d+(?:[.,]\d+)?)W|(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?)$/;

const MS = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1000 } as const;

/**
 * Reads an ISO 8601 duration of weeks, days, hours, minutes and seconds as milliseconds: `PT4H` is 14,400,000,
 * `P1D` 86,400,000, `P1DT12H` 129,600,000, `PT0.5H` 1,800,000, `P2W` 1,209,600,000. A day counts as 24 hours
 * (the duration is elapsed time, not calendar days). A decimal fraction (`.` or `,`) is allowed on the last
 * component only, as ISO 8601 says.
 *
 * Years and months are refused: their length depends on the calendar (28 to 31 days, 365 or 366), so "older than
 * P1M" would mean different ages on different dates. Write `P30D` instead.
 *
 * @param text the duration, for example `PT4H`
 * @returns the duration in milliseconds, greater than zero
 * @throws Error saying what is wrong: not an ISO 8601 duration, years or months used, a fraction before the last
 *   component, or a zero duration
 */
export function parseIsoDuration(text: string): number {
  const match = typeof text === 'string' ? DURATION.exec(text) : null;
  // `P` and `PT` alone match the pattern with every group empty; ISO 8601 needs at least one component.
  if (!match || match.slice(1).every((group) => group === undefined)) {
    throw new Error(`'${String(text)}' is not an ISO 8601 duration such as PT4H, P1D or P1DT12H`);
  }
  const [, weeks, years, months, days, hours, minutes, seconds] = match;
  if (years !== undefined || months !== undefined) {
    throw new Error(`'${text}' uses years or months, whose length depends on the calendar; use weeks, days, hours, minutes or seconds (P30D)`);
  }
  const parts: [string | undefined, number][] = [
    [weeks, MS.W],
    [days, MS.D],
    [hours, MS.H],
    [minutes, MS.M],
    [seconds, MS.S],
  ];
  const present = parts.filter(([value]) => value !== undefined) as [string, number][];
  if (present.slice(0, -1).some(([value]) => /[.,]/.test(value))) {
    throw new Error(`'${text}' has a decimal fraction before its last component, which ISO 8601 does not allow`);
  }
  const total = present.reduce((sum, [value, unit]) => sum + Number(value.replace(',', '.')) * unit, 0);
  if (!(total > 0)) throw new Error(`'${text}' is zero; a maximum age must be longer than zero`);
  return Math.round(total);
}
