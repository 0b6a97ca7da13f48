import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { HstsMode } from '../common/http-security.js';
import { DEFAULT_JSON_MAX_DEPTH } from '../common/input-guard.js';
import { RULEBOOK_KINDS, type RulebookKind } from '../common/rulebook-kind.js';
import { type AuthConfig, type ConfiguredIssuer, loadAuthConfig, type StaticToken } from './auth.config.js';

/** A static token Verdict accepts (`AUTH_TOKENS`, `AUTH_TOKENS_FILE`), with the identity and roles it grants. */
export type ConfiguredToken = StaticToken<Role>;
/** An OAuth 2.0 issuer whose bearer JWTs Verdict accepts (`AUTH_ISSUERS`). */
export type Issuer = ConfiguredIssuer<Role>;

/**
 * Roles of the callers (README "Authentication", rulebooks/GOVERNANCE.md "Who does what"). Each grants only itself: no
 * role implies another, and none bundles authoring with approving (separation of duties; a principal may hold both,
 * and still never approves a version it authored, copied or submitted). `safety:approve` is the clinical safety
 * officer's: held with `rulebook:approve`, an approval counts as a safety-officer approval too.
 * `decision:pin-version` lets a caller of `decision:evaluate` name a version other than the one in force at `asOf`, or
 * an `asOf` beyond `AS_OF_FUTURE_TOLERANCE_SECONDS`; `metrics:read` is the operators' (`GET /metrics`).
 */
export const ROLES = [
  'decision:evaluate', 'decision:pin-version', 'rulebook:author', 'rulebook:approve', 'safety:approve', 'audit:read', 'metrics:read',
] as const;
export type Role = (typeof ROLES)[number];

export type NodeEnv = 'development' | 'production' | 'test';

/** The validated configuration of one Verdict process. Read only from here (STYLE: configuration validated at boot). */
export interface AppConfig {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  /** PostgreSQL URL; `undefined` starts an embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  rulebooksDir: string;
  dbPoolSize: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Who may call (README "Authentication"): OAuth 2.0 issuers (`AUTH_ISSUERS`), static tokens stored as scrypt hashes
   * (`AUTH_TOKENS`, `AUTH_TOKENS_FILE`), the demo tokens (`VERDICT_DEMO_AUTH=true`, loopback `HOST` only).
   */
  auth: AuthConfig<Role>;
  /**
   * `RATE_LIMIT_PER_SECOND`: requests per caller (its bearer token, else its address) per one-second window, the health
   * probes counted apart with the same limit; 0 disables rate limiting (README "Security headers and rate limits").
   */
  rateLimitPerSecond: number;
  /** Distinct approvals a rulebook version of each kind needs before it is approved (four-eyes: never its author). */
  approvalsRequired: Record<RulebookKind, number>;
  /**
   * Of those, how many must come from a clinical safety officer (role `safety:approve`) per kind, 0-10 (DCB0129: the
   * clinical safety officer signs off a change to a triage rulebook). Fixed for a version when it is submitted.
   */
  safetyApprovalsRequired: Record<RulebookKind, number>;
  /** `VERDICT_COMMIT`: the git commit this build came from, overriding what the build recorded (containers built without git). */
  verdictCommit?: string;
  /** Seconds between the periodic checks for rulebook changes missed by LISTEN/NOTIFY (the safety net). */
  rulebookPollSeconds: number;
  /**
   * `JSON_MAX_DEPTH`: how deep objects and arrays may nest in a request body (the outermost is level 1), 16-256,
   * default 64; deeper is 400 `JSON_TOO_DEEP` before any library sees the body (README "Input limits").
   */
  jsonMaxDepth: number;
  /**
   * `TRUST_PROXY`: the reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (addresses, CIDRs,
   * or `loopback`, `linklocal`, `uniquelocal`; Fastify's `trustProxy`). Empty (the default): none, so the client
   * address is the socket's and the protocol the connection's.
   */
  trustProxy: string[];
  /**
   * `AS_OF_FUTURE_TOLERANCE_SECONDS`: how far after now a decision's `asOf` may be (clock skew between the caller and
   * Verdict), 0-86400, default 300; later is 422 `AS_OF_IN_FUTURE` unless the caller holds `decision:pin-version`.
   */
  asOfFutureToleranceSeconds: number;
  /** `CORS_ORIGINS`: the browser origins (`https://host[:port]`) allowed to call the API cross-origin; empty: none. */
  corsOrigins: string[];
  /**
   * `HSTS`: when answers carry `Strict-Transport-Security`. `auto` (default): when the request arrived over https (a
   * TLS socket, or `X-Forwarded-Proto: https` from a trusted proxy); `always`; `off`.
   */
  hsts: HstsMode;
}

/** Thrown when the environment is invalid; the message lists every bad variable, and the process stops. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Approvals needed per rulebook kind when `APPROVALS_REQUIRED` is unset: triage 2, every other kind 1. */
export const DEFAULT_APPROVALS_REQUIRED: Readonly<Record<RulebookKind, number>> = Object.freeze({ triage: 2, 'scheduling-eligibility': 1 });

/** Safety-officer approvals needed per kind when `SAFETY_APPROVALS_REQUIRED` is unset: triage 1, every other kind 0. */
export const DEFAULT_SAFETY_APPROVALS_REQUIRED: Readonly<Record<RulebookKind, number>> = Object.freeze({ triage: 1, 'scheduling-eligibility': 0 });

/** Seconds a decision's `asOf` may lie after now when `AS_OF_FUTURE_TOLERANCE_SECONDS` is unset (clock skew). */
export const DEFAULT_AS_OF_FUTURE_TOLERANCE_SECONDS = 300;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return Number(raw);
}

/**
 * A per-kind count variable (`APPROVALS_REQUIRED`, `SAFETY_APPROVALS_REQUIRED`): a JSON object of rulebook kind to an
 * integer from `min` to 10. Unset: `defaults`. Set: the kinds listed take their number, the others `min`.
 */
function parseKindCounts(name: string, raw: string | undefined, defaults: Readonly<Record<RulebookKind, number>>, min: number,
  problems: string[]): Record<RulebookKind, number> {
  if (raw === undefined || raw.trim() === '') return { ...defaults };
  const usage = `${name} must be a JSON object of rulebook kind (${RULEBOOK_KINDS.join(', ')}) to an integer from ${min} to 10, e.g. {"triage":${defaults.triage}}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(usage);
    return { ...defaults };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(usage);
    return { ...defaults };
  }
  const result = Object.fromEntries(RULEBOOK_KINDS.map((kind) => [kind, min])) as Record<RulebookKind, number>;
  for (const [kind, count] of Object.entries(parsed)) {
    if (!(RULEBOOK_KINDS as readonly string[]).includes(kind)) problems.push(`${name}: unknown rulebook kind "${kind}" (kinds: ${RULEBOOK_KINDS.join(', ')})`);
    else if (!Number.isInteger(count) || count < min || count > 10) problems.push(`${name}.${kind} must be an integer from ${min} to 10 (got ${JSON.stringify(count)})`);
    else result[kind as RulebookKind] = count;
  }
  return result;
}

/** `VERDICT_COMMIT`: a git commit id, 7 to 64 hex digits (SHA-1 or SHA-256 object names, abbreviated or not). */
function parseCommit(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^[0-9a-f]{7,64}$/.test(raw.trim())) {
    problems.push(`VERDICT_COMMIT must be a git commit id, 7 to 64 lowercase hex digits (got "${raw}")`);
    return undefined;
  }
  return raw.trim();
}

/** Names of address ranges proxy-addr knows (Fastify's `trustProxy`), accepted in `TRUST_PROXY` beside addresses. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `TRUST_PROXY`: comma-separated IPv4/IPv6 addresses, CIDRs (`10.0.0.0/8`, `fd00::/8`) or range names. A hop count
 * is refused: Fastify cannot check that the peer of a hop-counted chain is a proxy, so it trusts nothing then, which
 * would silently key every client on the proxy's address.
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const valid = PROXY_RANGE_NAMES.includes(entry)
      || (family !== 0 && extra === undefined && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))));
    if (!valid) {
      problems.push(`TRUST_PROXY must list proxy addresses or CIDRs (10.0.0.5, 10.0.0.0/8, fd00::/8, loopback), comma-separated; a hop count is not accepted (got "${entry}")`);
    }
  }
  return entries;
}

/** `CORS_ORIGINS`: comma-separated origins, each exactly `scheme://host[:port]` (no path, no `*`). */
function parseCorsOrigins(raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const origins = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const origin of origins) {
    let valid = false;
    try {
      const url = new URL(origin);
      valid = ['http:', 'https:'].includes(url.protocol) && url.origin === origin;
    } catch {
      valid = false;
    }
    if (!valid) problems.push(`CORS_ORIGINS must list origins such as https://console.example.org (scheme, host, optional port; no path, no *), comma-separated (got "${origin}")`);
  }
  return origins;
}

/**
 * Reads and validates the environment once at start.
 *
 * Variables: `NODE_ENV` (development | production | test; default development), `HOST` (default 127.0.0.1, in
 * production 0.0.0.0), `PORT` (default 3000), `DATABASE_URL` (postgres:// URL; unset: embedded PostgreSQL), `DATA_DIR`
 * (default `.data`), `RULEBOOKS_DIR` (default `rulebooks`), `DB_POOL_SIZE` (default 10), `LOG_LEVEL` (default info),
 * `AUTH_ISSUERS` or `AUTH_ISSUERS_FILE`, `AUTH_TOKENS`, `AUTH_TOKENS_FILE`, `AUTH_RELOAD_SECONDS`, `VERDICT_DEMO_AUTH`
 * (see `loadAuthConfig`; production needs an issuer or a token), `RATE_LIMIT_PER_SECOND` (default 200; 0 disables), `APPROVALS_REQUIRED`
 * (JSON object kind -> 1-10; default `{"triage":2}`, other kinds 1), `SAFETY_APPROVALS_REQUIRED` (JSON object kind -> 0-10;
 * default `{"triage":1}`, other kinds 0), `VERDICT_COMMIT` (git commit id; default: the one the build recorded),
 * `RULEBOOK_POLL_SECONDS` (default 5), `JSON_MAX_DEPTH` (16-256, default 64), `TRUST_PROXY` (proxy addresses/CIDRs;
 * default none), `CORS_ORIGINS` (origins; default none), `HSTS` (auto | always | off; default auto),
 * `AS_OF_FUTURE_TOLERANCE_SECONDS` (0-86400, default 300).
 *
 * @param env the process environment
 * @returns the configuration
 * @throws ConfigError listing every invalid variable
 */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const nodeEnv = (env.NODE_ENV ?? 'development') as NodeEnv;
  if (!['development', 'production', 'test'].includes(nodeEnv)) problems.push(`NODE_ENV must be development, production or test (got "${env.NODE_ENV}")`);

  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL.trim() !== '' ? env.DATABASE_URL.trim() : undefined;
  if (databaseUrl !== undefined) {
    try {
      const url = new URL(databaseUrl);
      if (!['postgres:', 'postgresql:'].includes(url.protocol)) problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
    } catch {
      problems.push('DATABASE_URL must be a valid URL (postgres://user@host:5432/db)');
    }
  }
  const logLevel = (env.LOG_LEVEL ?? 'info') as AppConfig['logLevel'];
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  // Default: loopback outside production (a development instance is not reachable from the network), every
  // interface in production (containers).
  const host = env.HOST && env.HOST.trim() !== '' ? env.HOST.trim() : nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1';
  const auth = loadAuthConfig(env, { nodeEnv, host, roles: ROLES }, problems);

  const hsts = (env.HSTS && env.HSTS.trim() !== '' ? env.HSTS.trim() : 'auto') as HstsMode;
  if (!['auto', 'always', 'off'].includes(hsts)) problems.push(`HSTS must be auto, always or off (got "${env.HSTS}")`);

  const config: AppConfig = {
    nodeEnv,
    host,
    port: integer(env, 'PORT', 3000, 0, 65535, problems),
    databaseUrl,
    dataDir: resolve(env.DATA_DIR && env.DATA_DIR !== '' ? env.DATA_DIR : '.data'),
    rulebooksDir: resolve(env.RULEBOOKS_DIR && env.RULEBOOKS_DIR !== '' ? env.RULEBOOKS_DIR : 'rulebooks'),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 200, problems),
    logLevel,
    auth,
    rateLimitPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', 200, 0, 1_000_000, problems),
    approvalsRequired: parseKindCounts('APPROVALS_REQUIRED', env.APPROVALS_REQUIRED, DEFAULT_APPROVALS_REQUIRED, 1, problems),
    safetyApprovalsRequired: parseKindCounts('SAFETY_APPROVALS_REQUIRED', env.SAFETY_APPROVALS_REQUIRED, DEFAULT_SAFETY_APPROVALS_REQUIRED, 0, problems),
    verdictCommit: parseCommit(env.VERDICT_COMMIT, problems),
    rulebookPollSeconds: integer(env, 'RULEBOOK_POLL_SECONDS', 5, 1, 3600, problems),
    jsonMaxDepth: integer(env, 'JSON_MAX_DEPTH', DEFAULT_JSON_MAX_DEPTH, 16, 256, problems),
    trustProxy: parseTrustProxy(env.TRUST_PROXY, problems),
    asOfFutureToleranceSeconds: integer(env, 'AS_OF_FUTURE_TOLERANCE_SECONDS', DEFAULT_AS_OF_FUTURE_TOLERANCE_SECONDS, 0, 86_400, problems),
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS, problems),
    hsts,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Nest injection token of the `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');
