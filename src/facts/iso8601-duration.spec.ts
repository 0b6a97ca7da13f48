import { parseIsoDuration } from './iso8601-duration.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('parseIsoDuration', () => {
  it.each([
    ['PT4H', 4 * HOUR],
    ['P1D', DAY],
    ['P1DT12H', 36 * HOUR],
    ['PT0.5H', HOUR / 2],
    ['PT0,5H', HOUR / 2],
    ['P2W', 14 * DAY],
    ['PT90M', 90 * 60_000],
    ['PT30S', 30_000],
    ['P1DT1H1M1S', DAY + HOUR + 60_000 + 1000],
    ['PT1.5S', 1500],
  ])('reads %s as %p ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'is not an ISO 8601 duration'],
    ['P', 'is not an ISO 8601 duration'],
    ['PT', 'is not an ISO 8601 duration'],
    ['4H', 'is not an ISO 8601 duration'],
    ['PT4h', 'is not an ISO 8601 duration'],
    ['P1H', 'is not an ISO 8601 duration'],
    ['P1W2D', 'is not an ISO 8601 duration'],
    ['-PT4H', 'is not an ISO 8601 duration'],
    ['P1Y', 'years or months'],
    ['P1M', 'years or months'],
    ['P1MT1H', 'years or months'],
    ['PT0.5H30M', 'decimal fraction before its last component'],
    ['PT0H', 'is zero'],
    ['P0D', 'is zero'],
  ])('refuses %p, saying it %s', (text, message) => {
    expect(() => parseIsoDuration(text)).toThrow(message);
  });
});
