import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadAppConfig } from './app.config.js';
import { isLoopbackHost } from './auth.config.js';

const TOKEN_HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43);
const RSA_PUBLIC = { kty: 'RSA', kid: 'k1', n: 'sXch', e: 'AQAB' };
const ISSUER = {
  issuer: 'https://idp.example.org/realms/hospital',
  audience: 'https://verdict.example.org',
  jwksUri: 'https://idp.example.org/realms/hospital/protocol/openid-connect/certs',
  roles: { scope: { 'system/GuidanceResponse.c': ['decision:evaluate'] } },
};

/** The problems loadAppConfig reports for `env` (none: []). */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadAppConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('authentication configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-auth-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('demo tokens (VERDICT_DEMO_AUTH)', () => {
    it('are off unless VERDICT_DEMO_AUTH=true, and then need a loopback HOST', () => {
      expect(loadAppConfig({}).auth.demo).toBe(false);
      expect(loadAppConfig({ VERDICT_DEMO_AUTH: 'false' }).auth.demo).toBe(false);
      expect(loadAppConfig({ VERDICT_DEMO_AUTH: 'true' }).auth.demo).toBe(true); // HOST defaults to 127.0.0.1 outside production
      for (const host of ['127.0.0.1', '::1', '[::1]', 'localhost', '127.0.1.1']) expect(loadAppConfig({ VERDICT_DEMO_AUTH: 'true', HOST: host }).auth.demo).toBe(true);
    });

    it.each(['0.0.0.0', '::', '10.0.0.5', 'verdict.example.org'])('are refused with HOST=%s', (host) => {
      expect(problemsOf({ VERDICT_DEMO_AUTH: 'true', HOST: host })).toStrictEqual([
        `VERDICT_DEMO_AUTH=true needs HOST to be a loopback address (127.0.0.1, ::1 or localhost) so that only this machine can use the public demo tokens (got "${host}")`,
      ]);
    });

    it('are refused in production, even on loopback and with a token configured', () => {
      expect(problemsOf({ NODE_ENV: 'production', HOST: '127.0.0.1', VERDICT_DEMO_AUTH: 'true', AUTH_ISSUERS: JSON.stringify([ISSUER]) }))
        .toStrictEqual(['VERDICT_DEMO_AUTH=true is refused when NODE_ENV=production (the demo tokens are public)']);
    });

    it('refuses a value other than true or false', () => {
      expect(problemsOf({ VERDICT_DEMO_AUTH: 'yes' })).toStrictEqual(['VERDICT_DEMO_AUTH must be true or false (got "yes")']);
    });
  });

  it('starts in production with an issuer, a token or a token file, and not without one', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toStrictEqual([
      'NODE_ENV=production needs AUTH_ISSUERS, AUTH_ISSUERS_FILE, AUTH_TOKENS or AUTH_TOKENS_FILE (the demo tokens are refused in production)',
    ]);
    expect(problemsOf({ NODE_ENV: 'production', AUTH_ISSUERS: JSON.stringify([ISSUER]) })).toStrictEqual([]);
    const file = join(dir, 'empty-tokens.json');
    writeFileSync(file, '[]');
    expect(problemsOf({ NODE_ENV: 'production', AUTH_TOKENS_FILE: file })).toStrictEqual([]);
  });

  describe('issuers (AUTH_ISSUERS, AUTH_ISSUERS_FILE)', () => {
    it('fills in the defaults: the RSA and ECDSA algorithms, 60 s of clock skew, no jti, sub and name, the issuer URL as name', () => {
      expect(loadAppConfig({ AUTH_ISSUERS: JSON.stringify([ISSUER]) }).auth.issuers).toStrictEqual([{
        name: ISSUER.issuer, issuer: ISSUER.issuer, audience: [ISSUER.audience], jwks: { uri: ISSUER.jwksUri },
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'], clockSkewSeconds: 60,
        requireJti: false, subjectClaim: 'sub', nameClaim: 'name', roles: { scope: { 'system/GuidanceResponse.c': ['decision:evaluate'] } },
      }]);
    });

    it('reads a JWKS file and an issuer file, with the options set', () => {
      const jwksFile = join(dir, 'jwks.json');
      writeFileSync(jwksFile, JSON.stringify({ keys: [RSA_PUBLIC, { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] }));
      const issuersFile = join(dir, 'issuers.json');
      writeFileSync(issuersFile, JSON.stringify([{
        name: 'kc', issuer: 'http://127.0.0.1:8080/realms/x', audience: ['verdict', 'verdict-api'], jwksFile, algorithms: ['ES256'],
        clockSkewSeconds: 0, requireJti: true, subjectClaim: 'azp', nameClaim: 'preferred_username',
        roles: { claim: { path: 'realm_access.roles', values: { 'verdict-auditor': ['audit:read'] } } },
      }]));
      expect(loadAppConfig({ AUTH_ISSUERS_FILE: issuersFile }).auth.issuers).toStrictEqual([{
        name: 'kc', issuer: 'http://127.0.0.1:8080/realms/x', audience: ['verdict', 'verdict-api'], jwks: { file: jwksFile }, algorithms: ['ES256'],
        clockSkewSeconds: 0, requireJti: true, subjectClaim: 'azp', nameClaim: 'preferred_username',
        roles: { claim: { path: 'realm_access.roles', values: { 'verdict-auditor': ['audit:read'] } } },
      }]);
    });

    it.each([
      [{ algorithms: ['none'] }, 'AUTH_ISSUERS[0].algorithms: "none" (unsigned tokens) is never accepted'],
      [{ algorithms: ['HS256'] }, 'AUTH_ISSUERS[0].algorithms: HS256 is a shared-secret algorithm; only public-key algorithms are accepted (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)'],
      [{ algorithms: ['RS1'] }, 'AUTH_ISSUERS[0].algorithms: unknown algorithm "RS1" (accepted: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)'],
      [{ audience: [] }, "AUTH_ISSUERS[0].audience must be Verdict's identifier at that issuer (a string, or a non-empty list of strings)"],
      [{ audience: undefined }, "AUTH_ISSUERS[0].audience must be Verdict's identifier at that issuer (a string, or a non-empty list of strings)"],
      [{ issuer: 'http://idp.example.org' }, 'AUTH_ISSUERS[0].issuer must be the issuer\'s URL exactly as its tokens\' "iss" (https; http only for localhost)'],
      [{ jwksUri: 'http://idp.example.org/certs' }, 'AUTH_ISSUERS[0].jwksUri must be an https URL (http only for localhost)'],
      [{ jwksFile: '/x.json' }, 'AUTH_ISSUERS[0] needs exactly one of "jwksUri" (the issuer\'s JWKS URL) and "jwksFile" (a JWKS file)'],
      [{ jwksUri: undefined }, 'AUTH_ISSUERS[0] needs exactly one of "jwksUri" (the issuer\'s JWKS URL) and "jwksFile" (a JWKS file)'],
      [{ clockSkewSeconds: 301 }, 'AUTH_ISSUERS[0].clockSkewSeconds must be an integer from 0 to 300'],
      [{ requireJti: 'yes' }, 'AUTH_ISSUERS[0].requireJti must be true or false'],
      [{ name: 'a#b' }, 'AUTH_ISSUERS[0].name must be 1-200 visible ASCII characters without # (it prefixes the subjects: <name>#<sub>)'],
      [{ audiance: 'x' }, 'AUTH_ISSUERS[0]: unknown key "audiance" (keys: name, issuer, audience, jwksUri, jwksFile, algorithms, clockSkewSeconds, requireJti, subjectClaim, nameClaim, roles)'],
      [{ roles: {} }, 'AUTH_ISSUERS[0].roles must be {"scope": {scope: [roles]}} and/or {"claim": {"path": "realm_access.roles", "values"?: {value: [roles]}}}'],
      [{ roles: { scope: { 'system/*.rs': ['admin'] } } }, 'AUTH_ISSUERS[0].roles.scope["system/*.rs"] must be a non-empty list of decision:evaluate, decision:pin-version, rulebook:author, rulebook:approve, safety:approve, audit:read, metrics:read'],
      [{ roles: { claim: { values: {} } } }, 'AUTH_ISSUERS[0].roles.claim must be {"path": "<claim or dotted path>", "values"?: {value: [roles]}}'],
    ])('refuses an issuer with %j', (change, problem) => {
      expect(problemsOf({ AUTH_ISSUERS: JSON.stringify([{ ...ISSUER, ...change }]) })).toStrictEqual([problem]);
    });

    it('refuses a JWKS file with a private or a symmetric key, or that cannot be read', () => {
      const privateFile = join(dir, 'private.json');
      writeFileSync(privateFile, JSON.stringify({ keys: [{ ...RSA_PUBLIC, d: 'secret' }, { kty: 'oct', k: 'c2VjcmV0' }] }));
      const issuer = { ...ISSUER, jwksUri: undefined };
      expect(problemsOf({ AUTH_ISSUERS: JSON.stringify([{ ...issuer, jwksFile: privateFile }]) })).toStrictEqual([
        `AUTH_ISSUERS[0].jwksFile ${privateFile}: keys[0] holds private key material; give the public keys only`,
        `AUTH_ISSUERS[0].jwksFile ${privateFile}: keys[1] must be an RSA, EC or OKP public key (a symmetric "oct" key is not accepted)`,
      ]);
      const missing = join(dir, 'missing.json');
      expect(problemsOf({ AUTH_ISSUERS: JSON.stringify([{ ...issuer, jwksFile: missing }]) })).toStrictEqual([`AUTH_ISSUERS[0].jwksFile: cannot read ${missing} (ENOENT)`]);
    });

    it('refuses an issuer or a name listed twice, both variables at once, and what is not a list', () => {
      expect(problemsOf({ AUTH_ISSUERS: JSON.stringify([ISSUER, { ...ISSUER, name: 'other' }]) }))
        .toStrictEqual([`AUTH_ISSUERS: the issuer "${ISSUER.issuer}" is listed twice`]);
      expect(problemsOf({ AUTH_ISSUERS: JSON.stringify([{ ...ISSUER, name: 'x' }, { ...ISSUER, issuer: 'https://other.example.org', name: 'x' }]) }))
        .toStrictEqual(['AUTH_ISSUERS: the name "x" is listed twice']);
      expect(problemsOf({ AUTH_ISSUERS: '[]', AUTH_ISSUERS_FILE: '/x' })).toStrictEqual(['Set AUTH_ISSUERS or AUTH_ISSUERS_FILE, not both']);
      expect(problemsOf({ AUTH_ISSUERS: '{}' })).toStrictEqual(['AUTH_ISSUERS must be a non-empty JSON array of issuers {"issuer", "audience", "jwksUri" or "jwksFile", "roles", ...}']);
      expect(problemsOf({ AUTH_ISSUERS: '[' })).toStrictEqual(['AUTH_ISSUERS must be a JSON array of issuers']);
    });
  });

  describe('static tokens (AUTH_TOKENS, AUTH_TOKENS_FILE)', () => {
    it('keeps the scrypt hash, the roles and the expiry of each token', () => {
      const tokens = [
        { subject: 'epic-bridge', roles: ['decision:evaluate'], tokenHash: TOKEN_HASH, expiresAt: '2027-01-31T01:00:00+01:00' },
        { subject: 'auditor', roles: ['audit:read', 'audit:read'], tokenHash: TOKEN_HASH },
      ];
      expect(loadAppConfig({ AUTH_TOKENS: JSON.stringify(tokens) }).auth.tokens).toStrictEqual([
        { subject: 'epic-bridge', roles: ['decision:evaluate'], tokenHash: TOKEN_HASH, expiresAt: new Date('2027-01-31T00:00:00Z') },
        { subject: 'auditor', roles: ['audit:read'], tokenHash: TOKEN_HASH },
      ]);
    });

    it('refuses the former sha256 form with what to do instead', () => {
      expect(problemsOf({ AUTH_TOKENS: JSON.stringify([{ subject: 's', roles: ['audit:read'], tokenSha256: 'a'.repeat(64) }]) })).toStrictEqual([
        'AUTH_TOKENS[0].tokenSha256 is no longer accepted (sha256 is a fast hash): give "tokenHash", the scrypt hash printed by `printf %s "$TOKEN" | npm run -s auth:hash-token`',
      ]);
    });

    it.each([
      [{ tokenHash: 'a'.repeat(64) }, /AUTH_TOKENS\[0\]\.tokenHash must be scrypt\$N\$r\$p\$salt\$hash/],
      [{ subject: 'issuer#sub' }, /AUTH_TOKENS\[0\]\.subject must be a non-empty string of at most 200 characters without # or control characters/],
      [{ subject: '' }, /AUTH_TOKENS\[0\]\.subject must be/],
      [{ roles: [] }, /AUTH_TOKENS\[0\]\.roles must be a non-empty list of decision:evaluate/],
      [{ expiresAt: '2027-01-31' }, /AUTH_TOKENS\[0\]\.expiresAt must be an RFC 3339 date-time with an offset/],
      [{ comment: 'x' }, /AUTH_TOKENS\[0\]: unknown key "comment" \(keys: subject, roles, tokenHash, expiresAt\)/],
    ])('refuses a token with %j', (change, problem) => {
      const problems = problemsOf({ AUTH_TOKENS: JSON.stringify([{ subject: 's', roles: ['audit:read'], tokenHash: TOKEN_HASH, ...change }]) });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(problem);
    });

    it('reads the token file at start, refusing one that is missing or invalid (an empty list is valid)', () => {
      const file = join(dir, 'tokens.json');
      writeFileSync(file, JSON.stringify([{ subject: 's', roles: ['audit:read'], tokenHash: 'x' }]));
      expect(problemsOf({ AUTH_TOKENS_FILE: file })).toStrictEqual([expect.stringMatching(new RegExp(`^AUTH_TOKENS_FILE ${file}\\[0\\]\\.tokenHash must be scrypt`))]);
      writeFileSync(file, '[]');
      expect(loadAppConfig({ AUTH_TOKENS_FILE: file }).auth).toMatchObject({ tokensFile: file, tokens: [] });
      expect(problemsOf({ AUTH_TOKENS_FILE: join(dir, 'nope.json') })).toStrictEqual([`AUTH_TOKENS_FILE: cannot read ${join(dir, 'nope.json')} (ENOENT)`]);
      expect(problemsOf({ AUTH_TOKENS: '[]' })).toStrictEqual(['AUTH_TOKENS must be a non-empty JSON array of {"subject", "roles", "tokenHash", "expiresAt"?}']);
    });

    it('checks files for changes every 5 s unless AUTH_RELOAD_SECONDS says otherwise (0-3600)', () => {
      expect(loadAppConfig({ AUTH_RELOAD_SECONDS: '0' }).auth.reloadSeconds).toBe(0);
      expect(loadAppConfig({ AUTH_RELOAD_SECONDS: '3600' }).auth.reloadSeconds).toBe(3600);
      for (const bad of ['-1', '3601', '1.5', 'soon']) expect(problemsOf({ AUTH_RELOAD_SECONDS: bad })).toStrictEqual([`AUTH_RELOAD_SECONDS must be an integer from 0 to 3600 (got "${bad}")`]);
    });
  });

  it('knows the loopback hosts', () => {
    expect(['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '::1', '[::1]'].map(isLoopbackHost)).toStrictEqual([true, true, true, true, true, true]);
    expect(['0.0.0.0', '::', '128.0.0.1', 'localhost.example.org', '::ffff:127.0.0.1', ''].map(isLoopbackHost)).toStrictEqual([false, false, false, false, false, false]);
  });
});
