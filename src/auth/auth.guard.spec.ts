import { Logger, type LoggerService } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DomainError } from '../common/domain-error.js';
import { loadAppConfig } from '../config/app.config.js';
import { AuthGuard } from './auth.guard.js';

/** Every line the guard logs, with its level. */
const lines: string[] = [];
const capture: LoggerService = {
  log: (m: unknown) => lines.push(`info ${String(m)}`),
  error: (m: unknown) => lines.push(`error ${String(m)}`),
  warn: (m: unknown) => lines.push(`warn ${String(m)}`),
  debug: (m: unknown) => lines.push(`debug ${String(m)}`),
  verbose: (m: unknown) => lines.push(`trace ${String(m)}`),
};

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; headers?: Record<string, string> }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  const { status, code, headers } = error as DomainError;
  return { status, code, headers };
}

describe('AuthGuard', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-guard-'));
    Logger.overrideLogger(capture);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => lines.splice(0));

  it('accepts the demo tokens only when VERDICT_DEMO_AUTH=true, and says so at start', async () => {
    const on = new AuthGuard(new Reflector(), loadAppConfig({ VERDICT_DEMO_AUTH: 'true' }));
    expect(await on.authenticate('Bearer dev-auditor')).toStrictEqual({ subject: 'dev-auditor', roles: ['audit:read'] });
    expect(await on.authenticate('  bearer\tdev-auditor ')).toStrictEqual({ subject: 'dev-auditor', roles: ['audit:read'] });
    expect(lines).toStrictEqual(['warn VERDICT_DEMO_AUTH=true: the public demo tokens are accepted (listening on 127.0.0.1 only)']);

    lines.splice(0);
    const off = new AuthGuard(new Reflector(), loadAppConfig({}));
    expect(lines).toStrictEqual(['warn No authentication is configured (AUTH_ISSUERS, AUTH_TOKENS, AUTH_TOKENS_FILE): every /v1 request is refused. '
      + 'To try Verdict on this machine with the demo tokens: VERDICT_DEMO_AUTH=true npm start']);
    expect(await refusal(off.authenticate('Bearer dev-auditor', 'req-1'))).toStrictEqual({ status: 401, code: 'UNAUTHENTICATED',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token is not valid"' } });
  });

  it('answers a missing token with a bare challenge and a malformed header as an invalid token', async () => {
    const guard = new AuthGuard(new Reflector(), loadAppConfig({ VERDICT_DEMO_AUTH: 'true' }));
    for (const header of [undefined, '', '   ']) {
      expect(await refusal(guard.authenticate(header))).toStrictEqual({ status: 401, code: 'UNAUTHENTICATED', headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    for (const header of ['Bearer', 'Basic ZGV2OmRldg==', 'Bearer dev-auditor extra', 'Bearer é', `Bearer ${'a'.repeat(8193)}`]) {
      expect((await refusal(guard.authenticate(header))).headers).toStrictEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token is not valid"' });
    }
  });

  it('logs why a JWT was refused with the request id, never the token: at info once the signature is good, else at debug', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }));
    const guard = new AuthGuard(new Reflector(), loadAppConfig({ AUTH_ISSUERS: JSON.stringify([{
      name: 'idp', issuer: 'https://idp.example.org', audience: 'verdict', jwksFile, roles: { claim: { path: 'roles' } },
    }]) }));
    const sign = (exp: number, kid = 'k1') => new SignJWT({ roles: ['audit:read'] }).setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer('https://idp.example.org').setAudience('verdict').setSubject('u1').setExpirationTime(exp).sign(privateKey);
    const valid = await sign(Math.floor(Date.now() / 1000) + 300);
    expect(await guard.authenticate(`Bearer ${valid}`)).toStrictEqual({ subject: 'idp#u1', roles: ['audit:read'] });

    lines.splice(0);
    const expired = await sign(Math.floor(Date.now() / 1000) - 3600);
    expect((await refusal(guard.authenticate(`Bearer ${expired}`, 'req-7'))).headers)
      .toStrictEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' });
    const unknownKey = await sign(Math.floor(Date.now() / 1000) + 300, 'k2');
    await refusal(guard.authenticate(`Bearer ${unknownKey}`, 'req-8'));
    expect(lines).toStrictEqual([
      'info request req-7: bearer JWT refused (issuer idp): expired',
      'debug request req-8: bearer JWT refused (issuer idp): ERR_JWKS_NO_MATCHING_KEY',
    ]);
    for (const token of [expired, unknownKey]) for (const part of token.split('.')) expect(lines.join('\n')).not.toContain(part);
  });
});
