import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * RFC 3339 `date-time` (section 5.6), the format of every instant in Verdict's API: a full date, `T`, a time with
 * seconds and optional fraction, and `Z` or a numeric offset (`2026-11-21T09:30:00.000Z`, `2026-11-21T10:30:00+01:00`).
 * Lower-case `t` and `z` are accepted as section 5.6 allows. A leap second (`:60`) reads as the first instant of the
 * next minute. Fraction digits beyond the millisecond are dropped.
 */
const RFC3339_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Days in `month` (1–12) of `year`, proleptic Gregorian. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * `Date.UTC` without the two-digit-year mapping (years 0–99 would otherwise become 1900–1999).
 * @returns epoch milliseconds
 */
export function utcMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year + date.getUTCFullYear() - 2000);
  return date.getTime();
}

/**
 * Reads an RFC 3339 `date-time`, refusing impossible calendar dates (`2026-02-30`) and times (`24:00:00`, offset
 * `+24:00`) that `Date` would roll over.
 *
 * @param text the text as received
 * @returns epoch milliseconds, or `undefined` when the text is not an RFC 3339 date-time
 */
export function parseRfc3339Millis(text: string): number | undefined {
  const match = RFC3339_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [fraction, zone] = [match[7], match[8]];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number);
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  return utcMillis(year, month, day, hour, minute, second, ms) - offsetMinutes * 60_000;
}

/**
 * Reads an RFC 3339 `date-time` as a `Date` (see {@link parseRfc3339Millis}).
 * @returns the instant, or `undefined` when the text is not an RFC 3339 date-time
 */
export function parseRfc3339(text: string): Date | undefined {
  const millis = parseRfc3339Millis(text);
  return millis === undefined ? undefined : new Date(millis);
}

/** Formats epoch milliseconds as RFC 3339 UTC with milliseconds (`2020-03-07T04:20:23.000Z`), the API's format. */
export function toRfc3339Utc(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * class-validator decorator: the property is a string holding a real RFC 3339 date-time ({@link parseRfc3339Millis}).
 * The default message names the property and shows an example.
 */
export function IsRfc3339DateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({
    name: 'isRfc3339DateTime',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseRfc3339Millis(value) !== undefined,
      defaultMessage: (args) => `${args?.property ?? 'value'} must be an RFC 3339 date-time with a time zone, e.g. 2026-11-21T09:30:00.000Z`,
    },
  }, options);
}
