import { parseFhirDateTime, periodContains } from './fhir-time.js';

const at = (text: string) => Date.parse(text);

describe('parseFhirDateTime', () => {
  it.each([
    ['2020', 'year', '2020-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z'],
    ['2020-02', 'month', '2020-02-01T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
    ['2020-02-29', 'day', '2020-02-29T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
    ['2020-03-06T20:20:23-08:00', 'time', '2020-03-07T04:20:23.000Z', '2020-03-07T04:20:23.001Z'],
    ['2014-12-05T09:30:10+01:00', 'time', '2014-12-05T08:30:10.000Z', '2014-12-05T08:30:10.001Z'],
    ['2020-03-06T20:20:23.123456Z', 'time', '2020-03-06T20:20:23.123Z', '2020-03-06T20:20:23.124Z'],
    ['0050-01-01', 'day', '0050-01-01T00:00:00.000Z', '0050-01-02T00:00:00.000Z'],
  ])('%s is a %s from %s to %s', (text, precision, start, end) => {
    expect(parseFhirDateTime(text)).toEqual({ precision, start: at(start), end: at(end) });
  });

  it.each(['2020-13', '2019-02-29', '2020-03-06T20:20:23', '2020-03-06T24:00:00Z', '20200306', '2020-3-6', ''])(
    'rejects %p',
    (text) => {
      expect(parseFhirDateTime(text)).toBeUndefined();
    },
  );
});

describe('periodContains (FHIR R4 Period)', () => {
  const coverage = { start: '2011-05-23', end: '2012-05-23' }; // HL7 coverage-example.json
  it.each([
    [coverage, '2012-01-01T00:00:00.000Z', true],
    [coverage, '2011-05-23T00:00:00.000Z', true],
    [coverage, '2012-05-23T23:59:59.999Z', true], // a date-only end covers that whole day
    [coverage, '2012-05-24T00:00:00.000Z', false],
    [coverage, '2011-05-22T23:59:59.999Z', false],
    [{ start: '2011-05-23' }, '2099-01-01T00:00:00.000Z', true], // open end
    [{ end: '2012-05' }, '2012-05-31T12:00:00.000Z', true],
    [{}, '2012-05-31T12:00:00.000Z', true],
    [{ start: '2017-02-01T07:15:00+10:00', end: '2017-02-01T07:35:00+10:00' }, '2017-01-31T21:35:00.000Z', true],
    [{ start: '2017-02-01T07:15:00+10:00', end: '2017-02-01T07:35:00+10:00' }, '2017-01-31T21:35:00.001Z', false],
    [{ start: 'not a date' }, '2017-01-31T21:35:00.001Z', false],
  ])('%j contains %s: %p', (period, instant, expected) => {
    expect(periodContains(period, at(instant))).toBe(expected);
  });
});
