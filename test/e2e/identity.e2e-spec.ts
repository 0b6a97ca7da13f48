import { createServer, type Server } from 'node:http';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import request from 'supertest';
import { hashToken } from '../../src/common/token-hash.js';
import { ConfigError, loadAppConfig } from '../../src/config/app.config.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Identity (README "Authentication"): a workflow engine with a SMART Backend Services client-credentials JWT (keys
 * served as a JWKS over HTTP), a person with an OIDC access token (keys in a JWKS file), single-use tokens (`jti`),
 * static tokens as scrypt hashes in a file reloaded without restart, and the demo tokens off unless enabled. The keys
 * are generated here; nothing leaves this machine.
 */

const FACTS = { ageYears: 40, respiratoryRate: 16, spo2: 98, onSupplementalOxygen: false, systolicBp: 125, heartRate: 70, consciousness: 'A', temperatureC: 36.8 };
const SMART_ISS = 'https://smart.example.org';
const OIDC_ISS = 'https://login.example.org/realms/hospital';
const SINGLE_USE_ISS = 'https://engines.example.org';
const DOWN_ISS = 'https://down.example.org';
const AUDIENCE = 'https://verdict.example.org';
const CHEAP = { N: 1024, r: 8, p: 1 };
const now = () => Math.floor(Date.now() / 1000);

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
}

/** 401 with the RFC 6750 challenge of a presented but invalid token, saying no more than whether it expired. */
function expectInvalidToken(res: request.Response, description = 'The access token is not valid'): void {
  expectProblem(res, 401, 'UNAUTHENTICATED');
  expect(res.headers['www-authenticate']).toBe(`Bearer error="invalid_token", error_description="${description}"`);
  expect(res.body.detail).toBe(`${description}.`);
}

describe('identity: OAuth 2.0 bearer JWTs, static tokens, demo tokens', () => {
  let t: TestApp;
  let dir: string;
  let jwksServer: Server;
  let tokensFile: string;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };

  /** A SMART Backend Services access token: client credentials, `sub` the client id, `system/` scopes. */
  function smartToken(claims: JWTPayload = {}, options: { kid?: string; iss?: string; aud?: string; exp?: number } = {}): Promise<string> {
    return new SignJWT({ scope: 'system/GuidanceResponse.c', client_id: 'epic-bridge', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'rsa-1', typ: 'at+jwt' })
      .setIssuer(options.iss ?? SMART_ISS).setAudience(options.aud ?? AUDIENCE).setSubject('epic-bridge')
      .setIssuedAt().setExpirationTime(options.exp ?? now() + 300).setJti(crypto.randomUUID())
      .sign(rsa.privateKey);
  }

  /** A person's OIDC access token (Keycloak's shape: realm roles in `realm_access.roles`). */
  function personToken(roles: string[]): Promise<string> {
    return new SignJWT({ realm_access: { roles }, name: 'Grace Hopper', preferred_username: 'ghopper' })
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .setIssuer(OIDC_ISS).setAudience(AUDIENCE).setSubject('5b0a6c1e-person').setIssuedAt().setExpirationTime(now() + 300)
      .sign(ec.privateKey);
  }

  /** Rewrites the static token file atomically (write, then rename), as the README tells operators to. */
  function writeTokens(entries: object[]): void {
    writeFileSync(`${tokensFile}.tmp`, JSON.stringify(entries));
    renameSync(`${tokensFile}.tmp`, tokensFile);
  }

  const evaluate = (token: string) => request(t.server).post('/v1/decisions').set('Authorization', `Bearer ${token}`).send({ rulebook: 'ed-triage', facts: FACTS });
  const callerOf = async (decisionId: string) => (await t.sql<{ caller: string }>('SELECT caller FROM decision WHERE id = $1', [decisionId]))[0].caller;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-identity-'));
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const rsaJwk: JWK = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    const ecJwk: JWK = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };

    // The SMART authorization server's JWKS, over HTTP.
    jwksServer = createServer((req, res) => {
      if (req.url !== '/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [rsaJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    // A port nobody listens on: an issuer whose keys cannot be fetched.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const downUri = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    // The OIDC provider's JWKS, as a file.
    const jwksFile = join(dir, 'oidc-jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [ecJwk] }));

    tokensFile = join(dir, 'tokens.json');
    writeTokens([
      { subject: 'lab-bridge', roles: ['decision:evaluate'], tokenHash: await hashToken('lab-bridge-secret-0001', CHEAP), expiresAt: '2099-01-01T00:00:00Z' },
      { subject: 'old-bridge', roles: ['decision:evaluate'], tokenHash: await hashToken('old-bridge-secret-0001', CHEAP), expiresAt: '2020-01-01T00:00:00Z' },
    ]);

    const smartScopes = { 'system/GuidanceResponse.c': ['decision:evaluate'], 'system/AuditEvent.rs': ['audit:read'] };
    t = await startTestApp({
      VERDICT_DEMO_AUTH: 'false',
      AUTH_RELOAD_SECONDS: '0',
      AUTH_TOKENS_FILE: tokensFile,
      AUTH_ISSUERS: JSON.stringify([
        { name: 'smart', issuer: SMART_ISS, audience: AUDIENCE, jwksUri, algorithms: ['RS256'], subjectClaim: 'client_id', roles: { scope: smartScopes } },
        { issuer: OIDC_ISS, audience: [AUDIENCE, 'account'], jwksFile, roles: { claim: { path: 'realm_access.roles', values: { 'verdict-auditor': ['audit:read'] } } } },
        { name: 'engines', issuer: SINGLE_USE_ISS, audience: AUDIENCE, jwksUri, requireJti: true, roles: { scope: smartScopes } },
        { name: 'down', issuer: DOWN_ISS, audience: AUDIENCE, jwksUri: downUri, roles: { scope: smartScopes } },
      ]),
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a workflow engine with a SMART Backend Services token (JWKS over HTTP)', () => {
    it('decides with system/ scopes, recorded as <issuer name>#<client id>', async () => {
      const res = await evaluate(await smartToken()).expect(201);
      expect(await callerOf(res.body.decisionId)).toBe('smart#epic-bridge');
    });

    it('is refused on a route its scopes grant no role for: 403 insufficient_scope', async () => {
      const res = await request(t.server).get('/v1/audit/decisions').set('Authorization', `Bearer ${await smartToken()}`);
      expectProblem(res, 403, 'FORBIDDEN');
      expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
    });

    it('with scopes that map to no role, is authenticated but refused a decision (403)', async () => {
      const res = await evaluate(await smartToken({ scope: 'system/Patient.rs openid decision:evaluate' }));
      expectProblem(res, 403, 'FORBIDDEN');
    });

    it('is refused when expired, not yet valid, for another audience or from an issuer not configured', async () => {
      expectInvalidToken(await evaluate(await smartToken({}, { exp: now() - 120 })), 'The access token expired');
      expectInvalidToken(await evaluate(await smartToken({ nbf: now() + 600 })));
      expectInvalidToken(await evaluate(await smartToken({}, { aud: 'https://another-service.example.org' })));
      expectInvalidToken(await evaluate(await smartToken({}, { iss: 'https://evil.example.org' })));
    });

    it('is refused when signed by a key the issuer does not publish (unknown kid), or by the other issuer\'s key', async () => {
      expectInvalidToken(await evaluate(await smartToken({}, { kid: 'rsa-2' })));
      const other = await generateKeyPair('RS256');
      const forged = await new SignJWT({ scope: 'system/GuidanceResponse.c', client_id: 'epic-bridge' }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
        .setIssuer(SMART_ISS).setAudience(AUDIENCE).setSubject('epic-bridge').setExpirationTime(now() + 300).sign(other.privateKey);
      expectInvalidToken(await evaluate(forged));
    });

    it('refuses an unsigned token (alg none) and one signed with HS256 keyed by the public key', async () => {
      const claims = { iss: SMART_ISS, aud: AUDIENCE, sub: 'epic-bridge', client_id: 'epic-bridge', scope: 'system/GuidanceResponse.c', exp: now() + 300 };
      const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claims))}.`;
      expectInvalidToken(await evaluate(unsigned));
      const pem = await exportSPKI(rsa.publicKey);
      for (const secret of [pem, JSON.stringify(await exportJWK(rsa.publicKey))]) {
        const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(secret));
        expectInvalidToken(await evaluate(confused));
      }
    });

    it('accepts a single-use token once where the issuer requires jti, and refuses its replay', async () => {
      const token = await smartToken({}, { iss: SINGLE_USE_ISS });
      const first = await evaluate(token).expect(201);
      expect(await callerOf(first.body.decisionId)).toBe('engines#epic-bridge');
      expectInvalidToken(await evaluate(token));
      const noJti = await new SignJWT({ scope: 'system/GuidanceResponse.c' }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
        .setIssuer(SINGLE_USE_ISS).setAudience(AUDIENCE).setSubject('epic-bridge').setExpirationTime(now() + 300).sign(rsa.privateKey);
      expectInvalidToken(await evaluate(noJti));
      await evaluate(await smartToken({}, { iss: SINGLE_USE_ISS })).expect(201); // a new jti
    });

    it('answers 503 with Retry-After when the issuer\'s keys cannot be fetched', async () => {
      const res = await evaluate(await smartToken({}, { iss: DOWN_ISS }));
      expectProblem(res, 503, 'AUTHENTICATION_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('5');
    });
  });

  describe('a person with an OIDC access token (JWKS file)', () => {
    it('reads governance with the role its realm role maps to, as <issuer>#<sub>', async () => {
      const res = await request(t.server).get('/v1/rulebooks').set('Authorization', `Bearer ${await personToken(['verdict-auditor', 'offline_access'])}`).expect(200);
      expect(res.body).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'ed-triage' })]));
      const search = await request(t.server).get('/v1/audit/decisions').set('Authorization', `Bearer ${await personToken(['verdict-auditor'])}`).expect(200);
      expect(search.headers['content-type']).toMatch(/json/);
    });

    it('without a mapped role is authenticated but refused governance (403)', async () => {
      expectProblem(await request(t.server).get('/v1/rulebooks').set('Authorization', `Bearer ${await personToken(['offline_access', 'audit:read'])}`), 403, 'FORBIDDEN');
    });
  });

  describe('static tokens (scrypt hashes in AUTH_TOKENS_FILE)', () => {
    it('accepts a configured token until its expiry, and picks up a change of the file without restart', async () => {
      const res = await evaluate('lab-bridge-secret-0001').expect(201);
      expect(await callerOf(res.body.decisionId)).toBe('lab-bridge');
      expectInvalidToken(await evaluate('old-bridge-secret-0001')); // expired 2020-01-01

      writeTokens([{ subject: 'new-bridge', roles: ['decision:evaluate'], tokenHash: await hashToken('new-bridge-secret-0001', CHEAP) }]);
      expectInvalidToken(await evaluate('lab-bridge-secret-0001')); // revoked
      const next = await evaluate('new-bridge-secret-0001').expect(201);
      expect(await callerOf(next.body.decisionId)).toBe('new-bridge');
    });
  });

  describe('demo tokens', () => {
    it('are refused unless VERDICT_DEMO_AUTH=true', async () => {
      expectInvalidToken(await evaluate('dev-workflow-engine'));
    });

    it('cannot be enabled off loopback or in production: the service does not start', () => {
      expect(() => loadAppConfig({ VERDICT_DEMO_AUTH: 'true', HOST: '0.0.0.0' })).toThrow(ConfigError);
      expect(() => loadAppConfig({ VERDICT_DEMO_AUTH: 'true', HOST: '127.0.0.1', NODE_ENV: 'production', AUTH_TOKENS_FILE: tokensFile })).toThrow(ConfigError);
    });
  });

  it('without a token: 401 with a bare Bearer challenge; a scheme other than Bearer is an invalid token', async () => {
    const res = await request(t.server).post('/v1/decisions').send({ rulebook: 'ed-triage', facts: FACTS });
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expectInvalidToken(await request(t.server).post('/v1/decisions').set('Authorization', 'Basic ZGV2OmRldg==').send({ rulebook: 'ed-triage', facts: FACTS }));
  });
});
