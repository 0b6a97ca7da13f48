import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// `canonicalize` is CommonJS (`module.exports = fn`) typed as an ES default export: take whichever form loads.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ?? canonicalizeModule) as (input: unknown) => string | undefined;

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialization of a JSON value, via the `canonicalize` package by the
 * RFC's author.
 * @throws Error when the value cannot be serialized as JSON (for example a non-finite number)
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalized as JSON');
  return text;
}

/** `sha256:<hex>` of the RFC 8785 canonical JSON of `value`: the content hash of rulebooks and request bodies. */
export function contentHash(value: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
