import { canonicalJson, contentHash } from './canonical-json.js';

describe('RFC 8785 canonical JSON and content hashes', () => {
  it('sorts keys and normalizes numbers as RFC 8785 requires', () => {
    expect(canonicalJson({ b: 1, a: [1e0, 1.50, 'x'], c: { z: null, y: true } })).toBe('{"a":[1,1.5,"x"],"b":1,"c":{"y":true,"z":null}}');
  });

  it('gives the same hash whatever the key order or white space', () => {
    expect(contentHash(JSON.parse('{ "key": "ed-triage", "version": "1.0.0" }'))).toBe(contentHash({ version: '1.0.0', key: 'ed-triage' }));
    expect(contentHash({ a: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});
