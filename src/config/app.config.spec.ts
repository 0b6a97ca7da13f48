import { ConfigError, loadAppConfig, ROLES } from './app.config.js';

/** A well-formed scrypt token hash (the configuration checks its form; what it hashes does not matter here). */
const TOKEN_HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43);

describe('loadAppConfig', () => {
  it('defaults to development on port 3000 with an embedded database', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({ nodeEnv: 'development', host: '127.0.0.1', port: 3000, databaseUrl: undefined });
    expect(config.auth).toStrictEqual({ demo: false, tokens: [], issuers: [], reloadSeconds: 5 });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ NODE_ENV: 'production' }, /NODE_ENV=production needs AUTH_ISSUERS, AUTH_ISSUERS_FILE, AUTH_TOKENS or AUTH_TOKENS_FILE/],
    [{ AUTH_TOKENS: `[{"subject":"a","roles":["wizard"],"tokenHash":"${TOKEN_HASH}"}]` }, /roles must be/],
    [{ AUTH_TOKENS: 'not json' }, /AUTH_TOKENS must be a JSON array/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(ConfigError);
    expect(() => loadAppConfig(env)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      loadAppConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('accepts configured tokens by their scrypt hash, and listens on every interface in production unless HOST says otherwise', () => {
    const config = loadAppConfig({ NODE_ENV: 'production', AUTH_TOKENS: JSON.stringify([{ subject: 's', roles: ['audit:read'], tokenHash: TOKEN_HASH }]) });
    expect(config.auth.tokens).toStrictEqual([{ subject: 's', roles: ['audit:read'], tokenHash: TOKEN_HASH }]);
    expect(config.host).toBe('0.0.0.0');
    expect(loadAppConfig({ HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });

  it('needs two approvals for triage and one for other kinds unless APPROVALS_REQUIRED says otherwise', () => {
    expect(loadAppConfig({}).approvalsRequired).toEqual({ triage: 2, 'scheduling-eligibility': 1 });
    expect(loadAppConfig({ APPROVALS_REQUIRED: '{"scheduling-eligibility":3}' }).approvalsRequired).toEqual({ triage: 1, 'scheduling-eligibility': 3 });
    expect(loadAppConfig({}).rulebookPollSeconds).toBe(5);
  });

  it.each([
    ['not json', /APPROVALS_REQUIRED must be a JSON object/],
    ['[2]', /APPROVALS_REQUIRED must be a JSON object/],
    ['{"radiology":2}', /unknown rulebook kind "radiology"/],
    ['{"triage":0}', /APPROVALS_REQUIRED.triage must be an integer from 1 to 10/],
    ['{"triage":1.5}', /APPROVALS_REQUIRED.triage must be an integer from 1 to 10/],
  ])('refuses APPROVALS_REQUIRED=%s', (value, message) => {
    expect(() => loadAppConfig({ APPROVALS_REQUIRED: value })).toThrow(message);
  });

  it('trusts no proxy, allows no CORS origin and sends HSTS over https only unless TRUST_PROXY, CORS_ORIGINS and HSTS say otherwise', () => {
    expect(loadAppConfig({})).toMatchObject({ trustProxy: [], corsOrigins: [], hsts: 'auto', rateLimitPerSecond: 200 });
    expect(loadAppConfig({ TRUST_PROXY: ' 10.0.0.5, 10.1.0.0/16,fd00::/8 ,::1,loopback' }).trustProxy)
      .toStrictEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8', '::1', 'loopback']);
    expect(loadAppConfig({ CORS_ORIGINS: 'https://console.example.org, http://localhost:8080' }).corsOrigins)
      .toStrictEqual(['https://console.example.org', 'http://localhost:8080']);
    expect(loadAppConfig({ HSTS: 'always' }).hsts).toBe('always');
    expect(loadAppConfig({ HSTS: 'off' }).hsts).toBe('off');
  });

  it.each([
    [{ TRUST_PROXY: '1' }, /TRUST_PROXY must list proxy addresses or CIDRs .*a hop count is not accepted \(got "1"\)/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must list .*\(got "true"\)/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /\(got "10.0.0.0\/33"\)/],
    [{ TRUST_PROXY: 'fd00::/129' }, /\(got "fd00::\/129"\)/],
    [{ TRUST_PROXY: '10.0.0.1/8/8' }, /\(got "10.0.0.1\/8\/8"\)/],
    [{ TRUST_PROXY: 'proxy.example.org' }, /\(got "proxy.example.org"\)/],
    [{ CORS_ORIGINS: '*' }, /CORS_ORIGINS must list origins .*\(got "\*"\)/],
    [{ CORS_ORIGINS: 'https://console.example.org/' }, /CORS_ORIGINS must list origins/],
    [{ CORS_ORIGINS: 'https://console.example.org/app' }, /CORS_ORIGINS must list origins/],
    [{ CORS_ORIGINS: 'console.example.org' }, /CORS_ORIGINS must list origins/],
    [{ CORS_ORIGINS: 'ftp://console.example.org' }, /CORS_ORIGINS must list origins/],
    [{ HSTS: 'yes' }, /HSTS must be auto, always or off \(got "yes"\)/],
    [{ RATE_LIMIT_PER_SECOND: '-1' }, /RATE_LIMIT_PER_SECOND must be an integer from 0 to 1000000/],
  ])('refuses %j', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(message);
  });

  it('limits JSON nesting to 64 levels unless JSON_MAX_DEPTH says otherwise (16-256)', () => {
    expect(loadAppConfig({}).jsonMaxDepth).toBe(64);
    expect(loadAppConfig({ JSON_MAX_DEPTH: '16' }).jsonMaxDepth).toBe(16);
    expect(loadAppConfig({ JSON_MAX_DEPTH: '256' }).jsonMaxDepth).toBe(256);
    for (const bad of ['15', '257', '-1', '64.5', 'deep']) expect(() => loadAppConfig({ JSON_MAX_DEPTH: bad })).toThrow(/JSON_MAX_DEPTH must be an integer from 16 to 256/);
  });

  it('needs one safety-officer approval for triage and none for other kinds unless SAFETY_APPROVALS_REQUIRED says otherwise', () => {
    expect(loadAppConfig({}).safetyApprovalsRequired).toEqual({ triage: 1, 'scheduling-eligibility': 0 });
    expect(loadAppConfig({ SAFETY_APPROVALS_REQUIRED: '{"scheduling-eligibility":1}' }).safetyApprovalsRequired).toEqual({ triage: 0, 'scheduling-eligibility': 1 });
    expect(loadAppConfig({ SAFETY_APPROVALS_REQUIRED: '{"triage":0}' }).safetyApprovalsRequired).toEqual({ triage: 0, 'scheduling-eligibility': 0 });
  });

  it.each([
    ['not json', /SAFETY_APPROVALS_REQUIRED must be a JSON object/],
    ['{"triage":true}', /SAFETY_APPROVALS_REQUIRED.triage must be an integer from 0 to 10/],
    ['{"triage":-1}', /SAFETY_APPROVALS_REQUIRED.triage must be an integer from 0 to 10/],
    ['{"triage":11}', /SAFETY_APPROVALS_REQUIRED.triage must be an integer from 0 to 10/],
    ['{"radiology":1}', /SAFETY_APPROVALS_REQUIRED: unknown rulebook kind "radiology"/],
  ])('refuses SAFETY_APPROVALS_REQUIRED=%s', (value, message) => {
    expect(() => loadAppConfig({ SAFETY_APPROVALS_REQUIRED: value })).toThrow(message);
  });

  it('accepts a safety officer token role and a VERDICT_COMMIT override, and refuses a commit that is not hex', () => {
    const config = loadAppConfig({ AUTH_TOKENS: JSON.stringify([{ subject: 'cso', roles: ['rulebook:approve', 'safety:approve'], tokenHash: TOKEN_HASH }]),
      VERDICT_COMMIT: '0123456789abcdef0123456789abcdef01234567' });
    expect(config.auth.tokens[0].roles).toEqual(['rulebook:approve', 'safety:approve']);
    expect(config.verdictCommit).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(() => loadAppConfig({ VERDICT_COMMIT: 'main; rm -rf' })).toThrow(/VERDICT_COMMIT must be a git commit id/);
  });

  it('lets asOf lie at most 300 s after now unless AS_OF_FUTURE_TOLERANCE_SECONDS says otherwise (0-86400)', () => {
    expect(loadAppConfig({}).asOfFutureToleranceSeconds).toBe(300);
    expect(loadAppConfig({ AS_OF_FUTURE_TOLERANCE_SECONDS: '0' }).asOfFutureToleranceSeconds).toBe(0);
    expect(loadAppConfig({ AS_OF_FUTURE_TOLERANCE_SECONDS: '86400' }).asOfFutureToleranceSeconds).toBe(86_400);
    for (const bad of ['-1', '86401', '5m', '1.5']) {
      expect(() => loadAppConfig({ AS_OF_FUTURE_TOLERANCE_SECONDS: bad })).toThrow(/AS_OF_FUTURE_TOLERANCE_SECONDS must be an integer from 0 to 86400/);
    }
  });

  it('knows every role by name, none of them an admin role that would bundle the others', () => {
    // A token or issuer naming a role outside this list stops the start (the former `admin` included).
    expect(ROLES).toStrictEqual(['decision:evaluate', 'decision:pin-version', 'rulebook:author', 'rulebook:approve', 'safety:approve', 'audit:read', 'metrics:read']);
  });

  it('refuses a RULEBOOK_POLL_SECONDS outside 1-3600', () => {
    expect(() => loadAppConfig({ RULEBOOK_POLL_SECONDS: '0' })).toThrow(/RULEBOOK_POLL_SECONDS must be an integer from 1 to 3600/);
  });
});
