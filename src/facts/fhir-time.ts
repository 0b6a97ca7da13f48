/**
 * Dates and times of FHIR R4 (`date`, `dateTime`, `instant`, `Period`), as milliseconds since the epoch (the
 * RFC 3339 instants of the API are read by `common/rfc3339.ts`). FHIR R4 datatypes: a `dateTime` may be a year, a
 * year-month, a date, or a date-time with seconds and a time zone; "if hours and minutes are specified, a time zone SHALL be populated".
 */

import { daysInMonth, utcMillis as utc } from '../common/rfc3339.js';

/** A FHIR date or dateTime read as the interval it stands for: `[start, end)`, in epoch milliseconds. */
export interface FhirTimeInterval {
  /** First millisecond covered. */
  start: number;
  /** First millisecond after the interval (exclusive). */
  end: number;
  /** How precise the text was: `2020` is `year`, `2020-03` is `month`, `2020-03-06` is `day`, else `time`. */
  precision: 'year' | 'month' | 'day' | 'time';
}

const FHIR_DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

const DAY_MS = 86_400_000;


/** Builds the interval from the capture groups: year, month, day, hour, minute, second, fraction, zone. */
function intervalOf(groups: (string | undefined)[]): FhirTimeInterval | undefined {
  const [y, mo, d, h, mi, s, fraction, zone = 'Z'] = groups;
  const year = Number(y);
  if (mo === undefined) return { start: utc(year, 1, 1), end: utc(year + 1, 1, 1), precision: 'year' };
  const month = Number(mo);
  if (month < 1 || month > 12) return undefined;
  if (d === undefined) return { start: utc(year, month, 1), end: utc(year, month + 1, 1), precision: 'month' };
  const day = Number(d);
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  if (h === undefined) {
    const start = utc(year, month, day);
    return { start, end: start + DAY_MS, precision: 'day' };
  }
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  // 60 seconds: a leap second, allowed by FHIR and RFC 3339; it reads as the first instant of the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')); // sub-ms digits dropped
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(':').map(Number);
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = sign * (zh * 60 + zm);
  }
  const start = utc(year, month, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  return { start, end: start + 1, precision: 'time' };
}

/**
 * Reads a FHIR R4 `date`, `dateTime` or `instant` (`2020`, `2020-03`, `2020-03-06`,
 * `2020-03-06T20:20:23-08:00`, `2020-03-06T20:20:23.123Z`) as the interval it covers, in UTC. Digits of a second
 * beyond the millisecond are dropped.
 *
 * @returns the interval, or `undefined` when the text is not a valid FHIR date/dateTime (a time without a time
 *   zone included, which FHIR forbids)
 */
export function parseFhirDateTime(text: string): FhirTimeInterval | undefined {
  const match = FHIR_DATE_TIME.exec(text);
  return match ? intervalOf(match.slice(1)) : undefined;
}

/**
 * Whether the FHIR R4 `Period` contains the instant `at` (epoch ms). Per FHIR R4 datatypes, "Period": a missing
 * `start` or `end` is unbounded on that side, and the end "includes any matching date/time", so an end of
 * `2012-05-23` covers that whole day (UTC) and an end of `2012-05` the whole month.
 *
 * @param period a FHIR `Period` (`{ start?, end? }`)
 * @returns `false` also when `start` or `end` is present but not a valid FHIR dateTime
 */
export function periodContains(period: { start?: unknown; end?: unknown }, at: number): boolean {
  if (period.start !== undefined) {
    const start = typeof period.start === 'string' ? parseFhirDateTime(period.start) : undefined;
    if (!start || at < start.start) return false;
  }
  if (period.end !== undefined) {
    const end = typeof period.end === 'string' ? parseFhirDateTime(period.end) : undefined;
    if (!end || at >= end.end) return false;
  }
  return true;
}
