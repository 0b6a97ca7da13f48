import { roundHalfUp, withoutFloatNoise } from './decimal-rounding.js';

describe('roundHalfUp', () => {
  it.each([
    // value, places, expected: the contract's half-up rounding, in decimal (36.05 is 36.0499… in binary)
    [36.05, 1, 36.1],
    [37.25, 1, 37.3],
    [37.24, 1, 37.2],
    [0.5, 0, 1],
    [1.5, 0, 2],
    [2.5, 0, 3],
    [37.5, 0, 38],
    [37.49, 0, 37],
    [1.005, 2, 1.01],
    [2.675, 2, 2.68],
    [-0.5, 0, -1],
    [-2.25, 1, -2.3],
    [-0.04, 1, 0],
    [38.641, 0, 39],
    [40.894, 1, 40.9],
    [115.70196670424998, 0, 116],
    [120, 0, 120],
    [0, 3, 0],
    [1e21, 0, 1e21],
    [0.000001234, 7, 0.0000012],
  ])('%p to %p places is %p', (value, places, expected) => {
    expect(roundHalfUp(value, places)).toBe(expected);
  });

  it('never returns -0', () => {
    expect(Object.is(roundHalfUp(-0.01, 0), 0)).toBe(true);
  });

  it('rejects non-finite values and bad places', () => {
    expect(() => roundHalfUp(Number.NaN, 0)).toThrow(RangeError);
    expect(() => roundHalfUp(1, -1)).toThrow(RangeError);
    expect(() => roundHalfUp(1, 1.5)).toThrow(RangeError);
  });
});

describe('withoutFloatNoise', () => {
  it('reads binary artefacts back as the decimal meant', () => {
    expect(withoutFloatNoise(38.50000000000006)).toBe(38.5);
    expect(withoutFloatNoise(0.1 + 0.2)).toBe(0.3);
    expect(withoutFloatNoise(98.6)).toBe(98.6);
  });
});

describe('roundHalfUp after a unit conversion', () => {
  it('rounds the decimal a conversion means, not its binary noise', () => {
    // 97.61 [degF] is 36.45 Cel; in binary arithmetic the conversion may land just below the half
    expect(roundHalfUp(withoutFloatNoise(36.44999999999994), 1)).toBe(36.5);
  });
});
