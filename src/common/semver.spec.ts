import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IsSemVer, isSemVer } from './semver.js';

describe('isSemVer', () => {
  it.each(['1.0.0', '0.1.0', '10.20.30', '1.1.0-rc.1', '1.0.0-alpha.beta', '2.0.0+build.7', '1.0.0-0.3.7+exp.sha.5114f85'])(
    'accepts %s', (version) => expect(isSemVer(version)).toBe(true));

  it.each(['1.0', '1', 'v1.0.0', ' 1.0.0', '1.0.0 ', '01.0.0', '1.00.0', '1.0.0-01', '1.0.0-', '1.0.0+', 'latest', ''])(
    'refuses %j', (version) => expect(isSemVer(version)).toBe(false));

  it.each([1, null, undefined, {}, ['1.0.0']])('refuses the non-string %j', (value) => expect(isSemVer(value)).toBe(false));
});

describe('@IsSemVer', () => {
  class Body {
    @IsSemVer({ message: 'version must be a semantic version such as 1.0.0' })
    version: unknown;
  }

  it('passes a version and reports the given message for anything else', () => {
    expect(validateSync(plainToInstance(Body, { version: '1.2.3' }))).toEqual([]);
    const [error] = validateSync(plainToInstance(Body, { version: '1.2' }));
    expect(error.property).toBe('version');
    expect(Object.values(error.constraints ?? {})).toEqual(['version must be a semantic version such as 1.0.0']);
  });
});
