/**
 * Semantic versions (Semantic Versioning 2.0.0, https://semver.org), checked with the `semver` package, for
 * rulebook versions in requests, query strings and the rulebook files.
 */
import { ValidateBy, type ValidationOptions } from 'class-validator';
import semver from 'semver';

/**
 * Whether `value` is exactly a SemVer 2.0.0 version such as `1.0.0`, `1.1.0-rc.1` or `2.0.0+build.7`: no leading
 * `v`, no surrounding blanks, no leading zeros in numeric identifiers.
 */
export function isSemVer(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parsed = semver.parse(value);
  // `semver` normalises (drops a leading `v`, blanks and the build metadata): require the text to be its own normal form.
  return parsed !== null && `${parsed.version}${parsed.build.length > 0 ? `+${parsed.build.join('.')}` : ''}` === value;
}

/** class-validator decorator: the property must be a SemVer 2.0.0 version (see `isSemVer`). */
export function IsSemVer(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isSemVer', validator: { validate: (value: unknown) => isSemVer(value) } }, options);
}
