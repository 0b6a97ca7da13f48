import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { Issuer } from '../config/app.config.js';
import { JwtVerifier, looksLikeJwt, ReplayCache, rolesOf, TokenRefused } from './jwt-verifier.js';
import type { AuthLog } from './static-token-store.js';

const ISS = 'https://idp.example.org/realms/hospital';
const T0 = Date.parse('2026-11-21T09:00:00Z');
const silent: AuthLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('rolesOf', () => {
  const scope = { 'system/GuidanceResponse.c': ['decision:evaluate' as const], 'system/AuditEvent.rs': ['audit:read' as const] };

  it('maps space-separated scopes (else scp) through the scope map; unknown scopes grant nothing', () => {
    expect(rolesOf({ scope: 'system/AuditEvent.rs  openid system/GuidanceResponse.c' }, { scope })).toStrictEqual(['decision:evaluate', 'audit:read']);
    expect(rolesOf({ scp: ['system/AuditEvent.rs'] }, { scope })).toStrictEqual(['audit:read']);
    expect(rolesOf({ scp: 'system/AuditEvent.rs system/GuidanceResponse.c' }, { scope })).toStrictEqual(['decision:evaluate', 'audit:read']);
    expect(rolesOf({ scope: 'system/*.rs decision:evaluate' }, { scope })).toStrictEqual([]);
    expect(rolesOf({ scope: '__proto__ constructor' }, { scope })).toStrictEqual([]);
  });

  it('maps a claim by name or dotted path through its values, or takes the values that are role names', () => {
    const payload: JWTPayload = { realm_access: { roles: ['verdict-author', 'offline_access'] }, 'https://verdict.example.org/roles': ['audit:read', 'admin'] };
    expect(rolesOf(payload, { claim: { path: 'realm_access.roles', values: { 'verdict-author': ['rulebook:author'] } } })).toStrictEqual(['rulebook:author']);
    expect(rolesOf(payload, { claim: { path: 'https://verdict.example.org/roles' } })).toStrictEqual(['audit:read']);
    expect(rolesOf({ groups: 'rulebook:approve' }, { claim: { path: 'groups' } })).toStrictEqual(['rulebook:approve']);
    expect(rolesOf(payload, { claim: { path: 'realm_access.missing.roles' } })).toStrictEqual([]);
  });

  it('grants the union of scope and claim roles, each once', () => {
    expect(rolesOf({ scope: 'system/AuditEvent.rs', roles: ['audit:read', 'rulebook:author'] }, { scope, claim: { path: 'roles' } }))
      .toStrictEqual(['rulebook:author', 'audit:read']);
  });
});

describe('ReplayCache', () => {
  it('accepts a jti once while it lives, again after it expired, and refuses new ones when full', () => {
    const cache = new ReplayCache(2);
    expect(cache.use('a', 2000, 1000)).toBe('fresh');
    expect(cache.use('a', 2000, 1999)).toBe('replayed');
    expect(cache.use('b', 3000, 1999)).toBe('fresh');
    expect(cache.use('c', 3000, 1999)).toBe('full');
    expect(cache.use('c', 3000, 2000)).toBe('fresh'); // a expired and was swept
    expect(cache.use('a', 4000, 2000)).toBe('full');
  });
});

describe('looksLikeJwt', () => {
  it('recognises the compact serialisation only', () => {
    expect(['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'].map(looksLikeJwt)).toStrictEqual([true, true]);
    expect(['dev-workflow-engine', 'a.b', 'a.b.c.d', 'a.b+.c', '0123abcd'].map(looksLikeJwt)).toStrictEqual([false, false, false, false, false]);
  });
});

describe('JwtVerifier with a JWKS file', () => {
  let dir: string;
  let jwksFile: string;
  let clock: number;

  async function keyPair(kid: string) {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK };
  }
  function writeJwks(keys: JWK[]): void {
    writeFileSync(`${jwksFile}.tmp`, JSON.stringify({ keys }));
    renameSync(`${jwksFile}.tmp`, jwksFile);
  }
  function sign(key: { kid: string; privateKey: CryptoKey }, claims: JWTPayload = {}): Promise<string> {
    return new SignJWT({ scope: 'system/GuidanceResponse.c', ...claims }).setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(ISS).setAudience('verdict').setSubject('epic-bridge').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 300)
      .sign(key.privateKey);
  }
  function verifier(change: Partial<Issuer> = {}): JwtVerifier {
    const issuer: Issuer = {
      name: 'hospital', issuer: ISS, audience: ['verdict'], jwks: { file: jwksFile }, algorithms: ['ES256'], clockSkewSeconds: 60,
      requireJti: false, subjectClaim: 'sub', nameClaim: 'name', roles: { scope: { 'system/GuidanceResponse.c': ['decision:evaluate'] } }, ...change,
    };
    return new JwtVerifier([issuer], { reloadMs: 1000, now: () => clock }, silent);
  }
  async function refusal(promise: Promise<unknown>): Promise<Pick<TokenRefused, 'kind' | 'reason'>> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRefused);
    return { kind: (error as TokenRefused).kind, reason: (error as TokenRefused).reason };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-jwks-'));
    jwksFile = join(dir, 'jwks.json');
    clock = T0 + 10_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the caller <issuer name>#<sub> with the mapped roles and the display name', async () => {
    const key = await keyPair('k1');
    writeJwks([key.jwk]);
    expect(await verifier().verify(await sign(key, { name: 'Ada Lovelace' })))
      .toStrictEqual({ subject: 'hospital#epic-bridge', roles: ['decision:evaluate'], name: 'Ada Lovelace' });
    expect(await verifier({ subjectClaim: 'client_id' }).verify(await sign(key, { client_id: 'engine-7' })))
      .toStrictEqual({ subject: 'hospital#engine-7', roles: ['decision:evaluate'] });
  });

  it('picks up a rotated key from the file without restart (checked at most every reloadMs)', async () => {
    const [k1, k2] = [await keyPair('k1'), await keyPair('k2')];
    writeJwks([k1.jwk]);
    const v = verifier();
    const rotated = await sign(k2);
    expect(await refusal(v.verify(rotated))).toStrictEqual({ kind: 'invalid', reason: 'ERR_JWKS_NO_MATCHING_KEY' });
    writeJwks([k2.jwk]);
    expect(await refusal(v.verify(rotated))).toStrictEqual({ kind: 'invalid', reason: 'ERR_JWKS_NO_MATCHING_KEY' });
    clock += 1000;
    expect(await v.verify(rotated)).toMatchObject({ subject: 'hospital#epic-bridge' });
    expect(await refusal(v.verify(await sign(k1)))).toStrictEqual({ kind: 'invalid', reason: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('tolerates the clock skew on exp and nbf, and no more', async () => {
    const key = await keyPair('k1');
    writeJwks([key.jwk]);
    const token = await sign(key, { nbf: T0 / 1000 + 100 });
    clock = T0 + 40_000; // nbf - 60 s < now
    expect(await verifier().verify(token)).toMatchObject({ subject: 'hospital#epic-bridge' });
    clock = T0 + 39_000;
    expect(await refusal(verifier().verify(token))).toStrictEqual({ kind: 'invalid', reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED (nbf)' });
    clock = T0 + 360_000; // exp + 60 s
    expect(await refusal(verifier().verify(token))).toStrictEqual({ kind: 'expired', reason: 'expired' });
    clock = T0 + 359_000;
    expect(await verifier().verify(token)).toMatchObject({ subject: 'hospital#epic-bridge' });
  });

  it('refuses a token without exp, without the subject claim, or from an issuer not configured', async () => {
    const key = await keyPair('k1');
    writeJwks([key.jwk]);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISS).setAudience('verdict').setSubject('x').sign(key.privateKey);
    expect(await refusal(verifier().verify(noExp))).toStrictEqual({ kind: 'invalid', reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED (exp)' });
    expect(await refusal(verifier({ subjectClaim: 'client_id' }).verify(await sign(key)))).toStrictEqual({ kind: 'invalid', reason: 'no client_id claim' });
    expect(await refusal(verifier({ issuer: 'https://other.example.org' }).verify(await sign(key)))).toStrictEqual({ kind: 'invalid', reason: 'issuer not configured' });
    expect(await refusal(verifier().verify('eyJ.eyJ.x'))).toStrictEqual({ kind: 'invalid', reason: 'not a decodable JWT' });
  });
});
