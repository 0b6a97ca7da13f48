import { readFile, stat } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, type JWSHeaderParameters, type FlattenedJWSInput, type JWSAlgorithm,
  type JWTPayload, jwtVerify, type CryptoKey } from 'jose';
import { parseJwks } from '../config/auth.config.js';
import { ROLES, type Issuer, type Role } from '../config/app.config.js';
import type { AuthLog } from './static-token-store.js';
import type { Principal } from './principal.js';

/**
 * Why a bearer JWT was refused. `expired` and `invalid` are the caller's (401); `unavailable` is the issuer's (its
 * keys could not be fetched: 503). `reason` is for the log only (never the token, never the answer).
 */
export class TokenRefused extends Error {
  constructor(readonly kind: 'invalid' | 'expired' | 'unavailable', readonly reason: string, readonly issuer?: string) {
    super(reason);
    this.name = 'TokenRefused';
  }
}

/** The compact JWS form (RFC 7515 §7.1): three base64url parts. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** True when a bearer token has the shape of a JWT (and is therefore never looked up as a static or demo token). */
export function looksLikeJwt(token: string): boolean {
  return COMPACT_JWS.test(token);
}

/** jose error codes that mean "this token is not valid" (as opposed to "the issuer's keys cannot be had"). */
const TOKEN_ERRORS = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED', 'ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JWS_INVALID', 'ERR_JWT_INVALID',
  'ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWK_INVALID',
]);

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/**
 * A JWKS file, re-read when its modification time, size or inode changes (checked at most every `reloadMs`), so
 * keys can be rotated without restart. A file that became invalid is reported and its former keys stay in use.
 */
class JwksFile {
  private keys: KeyResolver;
  private fingerprint: string;
  private nextCheck: number;
  private checking: Promise<void> | undefined;

  constructor(private readonly path: string, private readonly reloadMs: number, private readonly log: AuthLog, private readonly now: () => number) {
    const problems: string[] = [];
    const st = statSync(path);
    const jwks = parseJwks(readFileSync(path, 'utf8'), path, problems);
    if (!jwks) throw new Error(problems.join('; '));
    this.keys = createLocalJWKSet(jwks as never);
    this.fingerprint = `${st.mtimeMs}:${st.size}:${st.ino}`;
    this.nextCheck = now() + reloadMs;
  }

  readonly resolve: KeyResolver = async (header, token) => {
    if (this.now() >= this.nextCheck) await (this.checking ??= this.reload());
    return this.keys(header, token);
  };

  private async reload(): Promise<void> {
    try {
      const st = await stat(this.path);
      const current = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (current === this.fingerprint) return;
      const problems: string[] = [];
      const jwks = parseJwks(await readFile(this.path, 'utf8'), this.path, problems);
      if (jwks) {
        this.keys = createLocalJWKSet(jwks as never);
        this.log.info(`JWKS file ${this.path} reloaded: ${jwks.keys.length} key(s)`);
      } else {
        this.log.error(`JWKS file ${this.path} changed but is invalid; its former keys stay in use: ${problems.join('; ')}`);
      }
      this.fingerprint = current;
    } catch (error) {
      this.log.error(`JWKS file ${this.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); its former keys stay in use`);
    } finally {
      this.nextCheck = this.now() + this.reloadMs;
      this.checking = undefined;
    }
  }
}

/**
 * The `jti` values seen from one issuer while their tokens live (`requireJti`): a second use is a replay. Entries
 * leave when their token expires (plus the clock skew), so the memory is bounded by how many tokens are issued per
 * lifetime; past `limit` live entries new tokens are refused rather than forgetting one still valid. It is per process:
 * with several instances behind a load balancer a token could be used once on each (make tokens short-lived, or pin
 * a client to an instance).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  constructor(private readonly limit = 100_000) {}

  /**
   * Records `jti` until `until` (epoch ms).
   * @returns `fresh` the first time, `replayed` while an earlier use is remembered, `full` when no room is left
   */
  use(jti: string, until: number, now: number): 'fresh' | 'replayed' | 'full' {
    if (now >= this.nextSweep || this.seen.size >= this.limit) this.sweep(now);
    const previous = this.seen.get(jti);
    if (previous !== undefined && previous > now) return 'replayed';
    if (this.seen.size >= this.limit) return 'full';
    this.seen.set(jti, until);
    return 'fresh';
  }

  private sweep(now: number): void {
    for (const [jti, until] of this.seen) if (until <= now) this.seen.delete(jti);
    this.nextSweep = now + 10_000;
  }
}

/** A claim by name, or by dotted path (`realm_access.roles`) when no claim has the whole name. */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The strings of a claim that is a string (space-separated when `split`) or a list of strings. */
function strings(value: unknown, split: boolean): string[] {
  if (typeof value === 'string') return split ? value.split(' ').filter((s) => s !== '') : [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The Verdict roles a verified token grants under its issuer's mapping: its scopes (`scope`, space-separated, RFC 8693
 * §4.2 / RFC 9068; else `scp`, a string or a list) through `roles.scope`, and the values of `roles.claim.path` through
 * `roles.claim.values` (or, without `values`, those that are role names). Unknown values grant nothing.
 */
export function rolesOf(payload: JWTPayload, mapping: Issuer['roles']): Role[] {
  const granted = new Set<Role>();
  if (mapping.scope) {
    const scopes = payload.scope !== undefined ? strings(payload.scope, true) : strings(payload.scp, true);
    for (const scope of scopes) for (const role of (Object.hasOwn(mapping.scope, scope) ? mapping.scope[scope] : [])) granted.add(role);
  }
  if (mapping.claim) {
    const { values } = mapping.claim;
    for (const value of strings(claimAt(payload, mapping.claim.path), false)) {
      if (values) for (const role of (Object.hasOwn(values, value) ? values[value] : [])) granted.add(role);
      else if ((ROLES as readonly string[]).includes(value)) granted.add(value as Role);
    }
  }
  return ROLES.filter((role) => granted.has(role));
}

interface IssuerState {
  config: Issuer;
  keys: KeyResolver;
  replays?: ReplayCache;
}

/**
 * Verifies OAuth 2.0 bearer JWTs (RFC 6750, RFC 9068) from the configured issuers with `jose`: the signature against
 * the issuer's JWKS (a URL fetched and cached by `createRemoteJWKSet`, refetched for an unknown `kid` at most every
 * 30 s; or a file), an allowed asymmetric `alg`, `iss` exactly, one of the `aud`, `exp` present and not past, `nbf`
 * and `iat` not in the future (each with the issuer's clock skew), the subject claim present and, when required, a
 * `jti` never seen while its token lives.
 *
 * The principal's subject is `<issuer name>#<sub>` (unique across issuers; static and demo subjects never contain
 * `#`). SMART Backend Services tokens (client credentials) name the client in `sub` and carry `system/` scopes;
 * OIDC access tokens of people name the person in `sub` and may carry roles in a claim and a display name.
 */
export class JwtVerifier {
  private readonly byIssuer = new Map<string, IssuerState>();
  private readonly now: () => number;

  /**
   * @param issuers the validated issuers
   * @param options `reloadMs`: how often JWKS files are checked for changes; `now`: the clock (tests)
   */
  constructor(issuers: Issuer[], options: { reloadMs: number; now?: () => number }, log: AuthLog) {
    this.now = options.now ?? Date.now;
    for (const config of issuers) {
      const keys: KeyResolver = 'uri' in config.jwks
        ? createRemoteJWKSet(new URL(config.jwks.uri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 })
        : new JwksFile(config.jwks.file, options.reloadMs, log, this.now).resolve;
      this.byIssuer.set(config.issuer, { config, keys, ...(config.requireJti && { replays: new ReplayCache() }) });
    }
  }

  /** True when any issuer is configured. */
  get configured(): boolean {
    return this.byIssuer.size > 0;
  }

  /**
   * The principal of a valid JWT.
   * @throws TokenRefused why it is not valid (or the issuer's keys cannot be fetched)
   */
  async verify(token: string): Promise<Principal> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new TokenRefused('invalid', 'not a decodable JWT');
    }
    const state = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (!state) throw new TokenRefused('invalid', 'issuer not configured');
    const { config } = state;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, state.keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms as JWSAlgorithm[],
        clockTolerance: config.clockSkewSeconds,
        requiredClaims: ['exp', ...(config.requireJti ? ['jti'] : [])],
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_JWT_EXPIRED') throw new TokenRefused('expired', 'expired', config.name);
      if (typeof code === 'string' && TOKEN_ERRORS.has(code)) {
        const claim = (error as { claim?: unknown }).claim;
        throw new TokenRefused('invalid', typeof claim === 'string' ? `${code} (${claim})` : code, config.name);
      }
      throw new TokenRefused('unavailable', `keys unavailable: ${(error as Error).message}`, config.name);
    }
    const sub = claimAt(payload, config.subjectClaim);
    if (typeof sub !== 'string' || sub === '') throw new TokenRefused('invalid', `no ${config.subjectClaim} claim`, config.name);
    if (state.replays) {
      const jti = payload.jti;
      if (typeof jti !== 'string' || jti === '') throw new TokenRefused('invalid', 'jti not a string', config.name);
      const until = ((payload.exp as number) + config.clockSkewSeconds) * 1000;
      const use = state.replays.use(jti, until, this.now());
      if (use === 'replayed') throw new TokenRefused('invalid', 'jti replayed', config.name);
      if (use === 'full') throw new TokenRefused('unavailable', 'replay cache full', config.name);
    }
    const name = claimAt(payload, config.nameClaim);
    return {
      subject: `${config.name}#${sub}`,
      roles: rolesOf(payload, config.roles),
      ...(typeof name === 'string' && name !== '' && { name }),
    };
  }
}
