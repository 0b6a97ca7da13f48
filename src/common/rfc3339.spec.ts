import { validate } from 'class-validator';
import { IsRfc3339DateTime, parseRfc3339, parseRfc3339Millis, toRfc3339Utc } from './rfc3339.js';

describe('RFC 3339 date-times (section 5.6)', () => {
  it('reads a date-time with a zone and writes UTC with milliseconds', () => {
    expect(toRfc3339Utc(parseRfc3339Millis('2026-11-21T10:30:00+01:00') as number)).toBe('2026-11-21T09:30:00.000Z');
    expect(toRfc3339Utc(parseRfc3339Millis('2026-11-21t09:30:00.5z') as number)).toBe('2026-11-21T09:30:00.500Z');
    expect(parseRfc3339('2026-11-21T09:30:00.123456789-05:30')?.toISOString()).toBe('2026-11-21T15:00:00.123Z');
  });

  it('reads a leap second as the first instant of the next minute', () => {
    expect(parseRfc3339('2016-12-31T23:59:60Z')?.toISOString()).toBe('2017-01-01T00:00:00.000Z');
  });

  it.each(['2026-11-21', '2026-11-21T09:30:00', '2026-11-21T09:30Z', 'yesterday', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z',
    '2026-11-21T24:00:00Z', '2026-11-21T09:60:00Z', '2026-11-21T09:30:00+24:00', '2026-11-21T09:30:00.Z', ' 2026-11-21T09:30:00Z'])(
    'refuses %p', (text) => {
      expect(parseRfc3339Millis(text)).toBeUndefined();
      expect(parseRfc3339(text)).toBeUndefined();
    });

  it('validates DTO properties and names the property in the message', async () => {
    class Dto {
      @IsRfc3339DateTime() asOf!: unknown;
    }
    const good = Object.assign(new Dto(), { asOf: '2026-11-21T09:30:00Z' });
    const bad = Object.assign(new Dto(), { asOf: '2026-02-30T09:30:00Z' });
    expect(await validate(good)).toHaveLength(0);
    const [error] = await validate(bad);
    expect(Object.values(error.constraints ?? {})).toEqual(['asOf must be an RFC 3339 date-time with a time zone, e.g. 2026-11-21T09:30:00.000Z']);
  });
});
