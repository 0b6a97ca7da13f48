import { createHash } from 'node:crypto';
import { rateLimitKey, rateLimitOptions } from './rate-limit.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('rateLimitKey (one bucket per credential, else per client address)', () => {
  it('gives every spelling of one bearer token the same key: the scheme in any case, any spaces or tabs', () => {
    const key = rateLimitKey('Bearer dev-workflow-engine', '203.0.113.7');
    expect(key).toBe(`token:${sha256('dev-workflow-engine')}`);
    for (const spelling of ['bearer dev-workflow-engine', 'BEARER   dev-workflow-engine', 'Bearer\tdev-workflow-engine',
      '  Bearer  \t dev-workflow-engine  ']) {
      expect(rateLimitKey(spelling, '198.51.100.1')).toBe(key);
    }
  });

  it('keeps distinct tokens apart and never puts the token itself in the key', () => {
    expect(rateLimitKey('Bearer a', '203.0.113.7')).not.toBe(rateLimitKey('Bearer b', '203.0.113.7'));
    expect(rateLimitKey('Bearer secret-token', '203.0.113.7')).not.toContain('secret-token');
  });

  it('keys a request without a bearer token on the client address', () => {
    expect(rateLimitKey(undefined, '203.0.113.7')).toBe('ip:203.0.113.7');
    expect(rateLimitKey('', '203.0.113.7')).toBe('ip:203.0.113.7');
    expect(rateLimitKey('Basic dXNlcjpwYXNz', '203.0.113.7')).toBe('ip:203.0.113.7');
    expect(rateLimitKey('Bearer', '203.0.113.7')).toBe('ip:203.0.113.7');
  });
});

describe('rateLimitOptions', () => {
  it('limits to the configured number per one-second window and answers 429 RATE_LIMITED with Retry-After in whole seconds', () => {
    const options = rateLimitOptions(7);
    expect(options).toMatchObject({ max: 7, timeWindow: 1000 });
    expect(options.allowList).toBeUndefined();
    const error = options.errorResponseBuilder!({} as never, { statusCode: 429, ban: false, max: 7, ttl: 300, after: '300 ms' });
    expect(error).toMatchObject({ statusCode: 429, status: 429, code: 'RATE_LIMITED' });
    expect((error as unknown as { headers: Record<string, string> }).headers).toStrictEqual({ 'Retry-After': '1' });
  });
});
