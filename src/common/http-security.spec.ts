import { corsOptions, wantsHsts } from './http-security.js';

describe('wantsHsts (RFC 6797: only over https)', () => {
  it.each([
    ['auto', 'https', true],
    ['auto', 'http', false],
    ['always', 'http', true],
    ['always', 'https', true],
    ['off', 'https', false],
  ] as const)('HSTS=%s over %s: %s', (mode, protocol, expected) => {
    expect(wantsHsts(mode, { protocol })).toBe(expected);
  });
});

describe('corsOptions', () => {
  it('allows exactly the configured origins, without credentials, and exposes the headers a console reads', () => {
    const options = corsOptions(['https://console.example.org']);
    expect(options).toMatchObject({ origin: ['https://console.example.org'], credentials: false });
    expect(options.allowedHeaders).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key']));
    expect(options.exposedHeaders).toEqual(expect.arrayContaining(['X-Request-Id', 'Location', 'Retry-After']));
  });
});
