import { exactAgeInYears } from './patient-age.js';

const born = (text: string) => {
  const [year, month, day] = text.split('-').map(Number);
  return { year, month, day };
};

describe('exactAgeInYears', () => {
  it.each([
    // the ESI v4 age-band edges are exact
    ['2020-01-15', '2020-04-15T00:00:00.000Z', 0.25],
    ['2017-03-10', '2020-03-10T00:00:00.000Z', 3],
    ['2012-06-01', '2020-06-01T00:00:00.000Z', 8],
    ['2004-05-20', '2020-05-20T00:00:00.000Z', 16],
    ['2020-01-15', '2020-01-15T00:00:00.000Z', 0],
    // half-way through the 13th month: (12 + 15/30) / 12
    ['2019-04-01', '2020-04-16T00:00:00.000Z', 12.5 / 12],
  ])('born %s, at %s: %p years', (birth, asOf, years) => {
    expect(exactAgeInYears(born(birth), new Date(asOf))).toBe(years);
  });

  it.each([
    ['2020-01-15', '2020-04-14T23:59:59.999Z', 0.25],
    ['2017-03-10', '2020-03-09T00:00:00.000Z', 3],
    ['2017-03-10', '2020-03-09T23:59:59.999Z', 3],
    ['2012-06-01', '2020-05-31T00:00:00.000Z', 8],
  ])('born %s, at %s (before the anniversary): just under %p', (birth, asOf, edge) => {
    const age = exactAgeInYears(born(birth), new Date(asOf));
    expect(age).toBeLessThan(edge);
    expect(age).toBeGreaterThan(edge - 1 / 12);
  });

  it('one day before the third birthday is 35 months plus 28/29 of the 36th', () => {
    // 2020-02-10 .. 2020-03-10 is 29 days (leap year); the day before is 28 of them
    expect(exactAgeInYears(born('2017-03-10'), new Date('2020-03-09T00:00:00.000Z'))).toBe((35 + 28 / 29) / 12);
  });

  it('clamps anniversaries on days the month lacks (born 31 January, 29 February)', () => {
    // the one-month anniversary of 31 January 2021 is 28 February 2021
    expect(exactAgeInYears(born('2021-01-31'), new Date('2021-02-28T00:00:00.000Z'))).toBe(1 / 12);
    // a 29 February birthday is reached on 28 February in a common year
    expect(exactAgeInYears(born('2016-02-29'), new Date('2017-02-28T00:00:00.000Z'))).toBe(1);
    expect(exactAgeInYears(born('2016-02-29'), new Date('2017-02-27T12:00:00.000Z'))).toBeLessThan(1);
  });

  it('refuses a birth after asOf', () => {
    expect(() => exactAgeInYears(born('2020-01-02'), new Date('2020-01-01T23:59:59.999Z'))).toThrow(RangeError);
  });
});
