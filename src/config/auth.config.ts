import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseRfc3339Millis } from '../common/rfc3339.js';
import { parseTokenHash, TOKEN_HASH_FORMAT } from '../common/token-hash.js';

/**
 * The authentication part of the configuration (README "Authentication"): OAuth 2.0 issuers whose bearer JWTs Verdict
 * accepts, static tokens stored as scrypt hashes, and the demo tokens. Generic in the role type `R` so that this file
 * needs nothing of `app.config.ts` (which passes its `ROLES`).
 */

/** A static bearer token Verdict accepts, with the identity and roles it grants. */
export interface StaticToken<R extends string = string> {
  /** Recorded as the caller in the audit and the governance history; never contains `#` (issuer subjects do). */
  subject: string;
  roles: R[];
  /** `scrypt$N$r$p$salt$hash` of the token (the token itself is never configured in clear). */
  tokenHash: string;
  /** Refused from this instant on; absent: no expiry. */
  expiresAt?: Date;
}

/** How an issuer's tokens grant Verdict roles: from their `scope`, from a claim, or both (the union). */
export interface IssuerRoles<R extends string = string> {
  /** Scope value (one of the space-separated `scope`, or of `scp`) -> the roles it grants; SMART `system/` scopes. */
  scope?: Record<string, R[]>;
  /**
   * A claim holding a string or a list of strings (`path` a claim name, or a dotted path such as
   * `realm_access.roles`), and the roles each value grants (`values`); without `values`, a value that is a Verdict
   * role name grants that role.
   */
  claim?: { path: string; values?: Record<string, R[]> };
}

/** An OAuth 2.0 / OpenID Connect authorization server whose access tokens (JWTs) Verdict accepts. */
export interface ConfiguredIssuer<R extends string = string> {
  /** Prefix of the subjects of its tokens (`<name>#<sub>`); default the issuer URL. Unique, without `#`. */
  name: string;
  /** The exact `iss` of its tokens. */
  issuer: string;
  /** Accepted `aud` values (a token must name one): Verdict's own identifier at that server. */
  audience: string[];
  /** Where its public keys are: a JWKS URL (fetched and cached) or a JWKS file (re-read when it changes). */
  jwks: { uri: string } | { file: string };
  /** Accepted `alg` values: asymmetric only (never `none`, never HS*). */
  algorithms: string[];
  /** Tolerance for `exp`, `nbf` and `iat`, seconds. */
  clockSkewSeconds: number;
  /** Every token must carry a `jti`, and each `jti` is accepted once while its token lives (single-use tokens). */
  requireJti: boolean;
  /** The claim naming the caller (default `sub`; for SMART Backend Services the client id). */
  subjectClaim: string;
  /** The claim with a display name, if any (default `name`). */
  nameClaim: string;
  roles: IssuerRoles<R>;
}

/** Authentication settings. */
export interface AuthConfig<R extends string = string> {
  /** `VERDICT_DEMO_AUTH=true`: the demo tokens are accepted (only on a loopback `HOST`, never in production). */
  demo: boolean;
  /** `AUTH_TOKENS`: static tokens from the environment (fixed until restart). */
  tokens: StaticToken<R>[];
  /** `AUTH_TOKENS_FILE`: absolute path of a JSON file of static tokens, re-read when it changes. */
  tokensFile?: string;
  /** `AUTH_ISSUERS` or `AUTH_ISSUERS_FILE`. */
  issuers: ConfiguredIssuer<R>[];
  /** `AUTH_RELOAD_SECONDS`: how often, at most, `AUTH_TOKENS_FILE` and JWKS files are checked for changes (0: every request). */
  reloadSeconds: number;
}

/** Signature algorithms an issuer may use: public-key ones only (RFC 7518 RS*, PS*, ES*; RFC 8037 EdDSA). */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
/** The algorithms accepted when an issuer lists none: the RSA and ECDSA families. */
export const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
/** Default clock skew tolerated on `exp`, `nbf` and `iat`. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;

const ISSUER_KEYS = ['name', 'issuer', 'audience', 'jwksUri', 'jwksFile', 'algorithms', 'clockSkewSeconds', 'requireJti', 'subjectClaim', 'nameClaim', 'roles'];
const TOKEN_KEYS = ['subject', 'roles', 'tokenHash', 'expiresAt'];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True for a host that only this machine reaches: `localhost`, 127.0.0.0/8, `::1` (bracketed or not). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function unknownKeys(entry: Record<string, unknown>, allowed: string[], where: string, problems: string[]): void {
  for (const key of Object.keys(entry)) if (!allowed.includes(key)) problems.push(`${where}: unknown key "${key}" (keys: ${allowed.join(', ')})`);
}

/** A list of role names, each one of `roles`; `where` names it in messages. */
function roleList<R extends string>(value: unknown, where: string, roles: readonly R[], problems: string[], allowEmpty: boolean): R[] | undefined {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0) || !value.every((r) => typeof r === 'string' && (roles as readonly string[]).includes(r))) {
    problems.push(`${where} must be a ${allowEmpty ? '' : 'non-empty '}list of ${roles.join(', ')}`);
    return undefined;
  }
  return [...new Set(value as R[])];
}

/**
 * Validates a JSON array of static tokens (`AUTH_TOKENS`, or the content of `AUTH_TOKENS_FILE`): entries
 * `{subject, roles, tokenHash, expiresAt?}`. An entry with `tokenSha256` (the former, fast hash) is refused with what to
 * do instead.
 *
 * @param parsed the parsed JSON
 * @param source the variable or file named in messages
 * @param roles the role names
 * @param problems where problems are added
 * @param allowEmpty whether `[]` is valid (a token file may be emptied to revoke every token)
 * @returns the valid entries
 */
export function parseStaticTokens<R extends string>(parsed: unknown, source: string, roles: readonly R[], problems: string[], allowEmpty: boolean): StaticToken<R>[] {
  const usage = `${source} must be a ${allowEmpty ? '' : 'non-empty '}JSON array of {"subject", "roles", "tokenHash", "expiresAt"?}`;
  if (!Array.isArray(parsed) || (!allowEmpty && parsed.length === 0)) {
    problems.push(usage);
    return [];
  }
  const tokens: StaticToken<R>[] = [];
  parsed.forEach((entry: unknown, i) => {
    const where = `${source}[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${where} must be an object {"subject", "roles", "tokenHash", "expiresAt"?}`);
      return;
    }
    const before = problems.length;
    if ('tokenSha256' in entry) {
      problems.push(`${where}.tokenSha256 is no longer accepted (sha256 is a fast hash): give "tokenHash", the scrypt hash printed by \`printf %s "$TOKEN" | npm run -s auth:hash-token\``);
    } else {
      unknownKeys(entry, TOKEN_KEYS, where, problems);
    }
    const subject = entry.subject;
    if (typeof subject !== 'string' || subject.trim() === '' || subject.length > 200 || /[#\p{Cc}]/u.test(subject)) {
      problems.push(`${where}.subject must be a non-empty string of at most 200 characters without # or control characters`);
    }
    const tokenRoles = roleList(entry.roles, `${where}.roles`, roles, problems, false);
    if (!('tokenSha256' in entry) && (typeof entry.tokenHash !== 'string' || parseTokenHash(entry.tokenHash) === undefined)) {
      problems.push(`${where}.tokenHash must be ${TOKEN_HASH_FORMAT}, as \`printf %s "$TOKEN" | npm run -s auth:hash-token\` prints it`);
    }
    let expiresAt: Date | undefined;
    if (entry.expiresAt !== undefined) {
      const millis = typeof entry.expiresAt === 'string' ? parseRfc3339Millis(entry.expiresAt) : undefined;
      if (millis === undefined) problems.push(`${where}.expiresAt must be an RFC 3339 date-time with an offset (2027-01-31T00:00:00Z)`);
      else expiresAt = new Date(millis);
    }
    if (problems.length === before && tokenRoles) {
      tokens.push({ subject: subject as string, roles: tokenRoles, tokenHash: entry.tokenHash as string, ...(expiresAt && { expiresAt }) });
    }
  });
  return tokens;
}

/** Parses JSON text; on a syntax error adds `message` to `problems` and answers undefined. */
function parseJson(text: string, message: string, problems: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch {
    problems.push(message);
    return undefined;
  }
}

/**
 * Reads and validates the content of a static token file (`AUTH_TOKENS_FILE`); used at start and at every reload.
 * @returns the tokens; problems are added to `problems` (then the tokens are not to be used)
 */
export function parseTokenFile<R extends string>(text: string, source: string, roles: readonly R[], problems: string[]): StaticToken<R>[] {
  const parsed = parseJson(text, `${source} must hold a JSON array of {"subject", "roles", "tokenHash", "expiresAt"?}`, problems);
  return parsed === undefined ? [] : parseStaticTokens(parsed, source, roles, problems, true);
}

/**
 * Validates a JSON Web Key Set (RFC 7517 §5) of verification keys: `{"keys": [...]}`, each an RSA, EC or OKP public
 * key. Private (`d`) and symmetric (`kty: "oct"`) keys are refused: a public JWKS never holds them, and a shared secret
 * would let anyone who can read it sign tokens.
 *
 * @returns the key set, or undefined after adding the problems
 */
export function parseJwks(text: string, source: string, problems: string[]): { keys: Record<string, unknown>[] } | undefined {
  const parsed = parseJson(text, `${source} must hold a JSON Web Key Set {"keys": [...]}`, problems);
  if (parsed === undefined) return undefined;
  if (!isObject(parsed) || !Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    problems.push(`${source} must hold a JSON Web Key Set {"keys": [...]} with at least one key`);
    return undefined;
  }
  const before = problems.length;
  parsed.keys.forEach((key: unknown, i) => {
    if (!isObject(key) || !['RSA', 'EC', 'OKP'].includes(key.kty as string)) {
      problems.push(`${source}: keys[${i}] must be an RSA, EC or OKP public key (a symmetric "oct" key is not accepted)`);
    } else if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => member in key)) {
      problems.push(`${source}: keys[${i}] holds private key material; give the public keys only`);
    }
  });
  return problems.length === before ? (parsed as { keys: Record<string, unknown>[] }) : undefined;
}

/** An `https:` URL, or `http:` to a loopback host (a local test or sidecar). */
function secureUrl(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}

function stringMap<R extends string>(value: unknown, where: string, roles: readonly R[], problems: string[]): Record<string, R[]> | undefined {
  if (!isObject(value) || Object.keys(value).length === 0) {
    problems.push(`${where} must be a non-empty JSON object of value -> list of roles (${roles.join(', ')})`);
    return undefined;
  }
  // Object.fromEntries defines own properties: a key such as "__proto__" stays a key (read with Object.hasOwn).
  return Object.fromEntries(Object.entries(value).flatMap(([key, list]) => {
    const parsed = roleList(list, `${where}["${key}"]`, roles, problems, false);
    return parsed ? [[key, parsed]] : [];
  }));
}

function parseRoles<R extends string>(value: unknown, where: string, roles: readonly R[], problems: string[]): IssuerRoles<R> {
  const usage = `${where} must be {"scope": {scope: [roles]}} and/or {"claim": {"path": "realm_access.roles", "values"?: {value: [roles]}}}`;
  if (!isObject(value) || (value.scope === undefined && value.claim === undefined)) {
    problems.push(usage);
    return {};
  }
  unknownKeys(value, ['scope', 'claim'], where, problems);
  const result: IssuerRoles<R> = {};
  if (value.scope !== undefined) result.scope = stringMap(value.scope, `${where}.scope`, roles, problems);
  if (value.claim !== undefined) {
    const claim = value.claim;
    if (!isObject(claim) || typeof claim.path !== 'string' || claim.path.trim() === '') {
      problems.push(`${where}.claim must be {"path": "<claim or dotted path>", "values"?: {value: [roles]}}`);
    } else {
      unknownKeys(claim, ['path', 'values'], `${where}.claim`, problems);
      const values = claim.values === undefined ? undefined : stringMap(claim.values, `${where}.claim.values`, roles, problems);
      result.claim = { path: claim.path, ...(values && { values }) };
    }
  }
  return result;
}

function claimName(value: unknown, fallback: string, where: string, problems: string[]): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(value)) {
    problems.push(`${where} must be a claim name`);
    return fallback;
  }
  return value;
}

/** Validates one entry of `AUTH_ISSUERS`. */
function parseIssuer<R extends string>(entry: unknown, where: string, roles: readonly R[], problems: string[]): ConfiguredIssuer<R> | undefined {
  if (!isObject(entry)) {
    problems.push(`${where} must be an object {"issuer", "audience", "jwksUri" or "jwksFile", "roles", ...}`);
    return undefined;
  }
  const before = problems.length;
  unknownKeys(entry, ISSUER_KEYS, where, problems);
  if (!secureUrl(entry.issuer)) problems.push(`${where}.issuer must be the issuer's URL exactly as its tokens' "iss" (https; http only for localhost)`);
  const audience = typeof entry.audience === 'string' ? [entry.audience] : entry.audience;
  if (!Array.isArray(audience) || audience.length === 0 || !audience.every((a) => typeof a === 'string' && a.trim() !== '')) {
    problems.push(`${where}.audience must be Verdict's identifier at that issuer (a string, or a non-empty list of strings)`);
  }
  let jwks: ConfiguredIssuer['jwks'] | undefined;
  if ((entry.jwksUri === undefined) === (entry.jwksFile === undefined)) {
    problems.push(`${where} needs exactly one of "jwksUri" (the issuer's JWKS URL) and "jwksFile" (a JWKS file)`);
  } else if (entry.jwksUri !== undefined) {
    if (!secureUrl(entry.jwksUri)) problems.push(`${where}.jwksUri must be an https URL (http only for localhost)`);
    else jwks = { uri: entry.jwksUri as string };
  } else if (typeof entry.jwksFile !== 'string' || entry.jwksFile.trim() === '') {
    problems.push(`${where}.jwksFile must be the path of a JWKS file`);
  } else {
    const file = resolve(entry.jwksFile);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${where}.jwksFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (text !== undefined && parseJwks(text, `${where}.jwksFile ${file}`, problems)) jwks = { file };
  }
  let algorithms: string[] = [...DEFAULT_ALGORITHMS];
  if (entry.algorithms !== undefined) {
    const list = entry.algorithms;
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`${where}.algorithms must be a non-empty list of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
    } else {
      for (const alg of list) {
        if (typeof alg === 'string' && alg.toLowerCase() === 'none') problems.push(`${where}.algorithms: "none" (unsigned tokens) is never accepted`);
        else if (typeof alg === 'string' && /^HS\d+$/i.test(alg)) problems.push(`${where}.algorithms: ${alg} is a shared-secret algorithm; only public-key algorithms are accepted (${ASYMMETRIC_ALGORITHMS.join(', ')})`);
        else if (!(ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(alg)) problems.push(`${where}.algorithms: unknown algorithm ${JSON.stringify(alg)} (accepted: ${ASYMMETRIC_ALGORITHMS.join(', ')})`);
      }
      algorithms = [...new Set(list as string[])];
    }
  }
  let clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS;
  if (entry.clockSkewSeconds !== undefined) {
    if (!Number.isInteger(entry.clockSkewSeconds) || (entry.clockSkewSeconds as number) < 0 || (entry.clockSkewSeconds as number) > 300) {
      problems.push(`${where}.clockSkewSeconds must be an integer from 0 to 300`);
    } else clockSkewSeconds = entry.clockSkewSeconds as number;
  }
  if (entry.requireJti !== undefined && typeof entry.requireJti !== 'boolean') problems.push(`${where}.requireJti must be true or false`);
  const name = entry.name === undefined ? entry.issuer : entry.name;
  if (typeof name !== 'string' || !/^[\x21-\x22\x24-\x7e]{1,200}$/.test(name)) {
    problems.push(`${where}.name must be 1-200 visible ASCII characters without # (it prefixes the subjects: <name>#<sub>)`);
  }
  const subjectClaim = claimName(entry.subjectClaim, 'sub', `${where}.subjectClaim`, problems);
  const nameClaim = claimName(entry.nameClaim, 'name', `${where}.nameClaim`, problems);
  const issuerRoles = parseRoles(entry.roles, `${where}.roles`, roles, problems);
  if (problems.length > before || !jwks) return undefined;
  return {
    name: name as string, issuer: entry.issuer as string, audience: audience as string[], jwks, algorithms, clockSkewSeconds,
    requireJti: entry.requireJti === true, subjectClaim, nameClaim, roles: issuerRoles,
  };
}

/**
 * Validates the issuers: a JSON array of `{issuer, audience, jwksUri | jwksFile, roles, name?, algorithms?,
 * clockSkewSeconds?, requireJti?, subjectClaim?, nameClaim?}`, each issuer and each name once.
 */
export function parseIssuers<R extends string>(parsed: unknown, source: string, roles: readonly R[], problems: string[]): ConfiguredIssuer<R>[] {
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push(`${source} must be a non-empty JSON array of issuers {"issuer", "audience", "jwksUri" or "jwksFile", "roles", ...}`);
    return [];
  }
  const issuers = parsed.map((entry, i) => parseIssuer(entry, `${source}[${i}]`, roles, problems)).filter((i) => i !== undefined);
  for (const field of ['issuer', 'name'] as const) {
    const seen = new Set<string>();
    for (const issuer of issuers) {
      if (seen.has(issuer[field])) problems.push(`${source}: the ${field} ${JSON.stringify(issuer[field])} is listed twice`);
      seen.add(issuer[field]);
    }
  }
  return issuers;
}

function readConfigFile(path: string, variable: string, problems: string[]): string | undefined {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (error) {
    problems.push(`${variable}: cannot read ${resolve(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function set(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/**
 * Reads the authentication variables: `AUTH_ISSUERS` (JSON array) or `AUTH_ISSUERS_FILE` (a file holding it),
 * `AUTH_TOKENS` (JSON array of static tokens), `AUTH_TOKENS_FILE` (a file holding one, re-read when it changes),
 * `AUTH_RELOAD_SECONDS` (0-3600, default 5), `VERDICT_DEMO_AUTH` (`true` | `false`, default false).
 *
 * Refused: the demo tokens in production or on a `HOST` other people reach; production without any issuer or token.
 *
 * @param env the process environment
 * @param context the mode, the listening host and the role names (from `app.config.ts`)
 * @param problems where problems are added
 */
export function loadAuthConfig<R extends string>(env: NodeJS.ProcessEnv, context: { nodeEnv: string; host: string; roles: readonly R[] },
  problems: string[]): AuthConfig<R> {
  const { roles } = context;
  const demoRaw = env.VERDICT_DEMO_AUTH?.trim() ?? '';
  if (!['', 'true', 'false'].includes(demoRaw)) problems.push(`VERDICT_DEMO_AUTH must be true or false (got "${env.VERDICT_DEMO_AUTH}")`);
  const demo = demoRaw === 'true';
  if (demo && context.nodeEnv === 'production') problems.push('VERDICT_DEMO_AUTH=true is refused when NODE_ENV=production (the demo tokens are public)');
  else if (demo && !isLoopbackHost(context.host)) {
    problems.push(`VERDICT_DEMO_AUTH=true needs HOST to be a loopback address (127.0.0.1, ::1 or localhost) so that only this machine can use the public demo tokens (got "${context.host}")`);
  }

  let tokens: StaticToken<R>[] = [];
  if (set(env.AUTH_TOKENS)) {
    const parsed = parseJson(env.AUTH_TOKENS, 'AUTH_TOKENS must be a JSON array of {"subject", "roles", "tokenHash", "expiresAt"?}', problems);
    if (parsed !== undefined) tokens = parseStaticTokens(parsed, 'AUTH_TOKENS', roles, problems, false);
  }
  let tokensFile: string | undefined;
  if (set(env.AUTH_TOKENS_FILE)) {
    tokensFile = resolve(env.AUTH_TOKENS_FILE.trim());
    const text = readConfigFile(tokensFile, 'AUTH_TOKENS_FILE', problems);
    if (text !== undefined) parseTokenFile(text, `AUTH_TOKENS_FILE ${tokensFile}`, roles, problems);
  }

  let issuers: ConfiguredIssuer<R>[] = [];
  if (set(env.AUTH_ISSUERS) && set(env.AUTH_ISSUERS_FILE)) {
    problems.push('Set AUTH_ISSUERS or AUTH_ISSUERS_FILE, not both');
  } else if (set(env.AUTH_ISSUERS)) {
    const parsed = parseJson(env.AUTH_ISSUERS, 'AUTH_ISSUERS must be a JSON array of issuers', problems);
    if (parsed !== undefined) issuers = parseIssuers(parsed, 'AUTH_ISSUERS', roles, problems);
  } else if (set(env.AUTH_ISSUERS_FILE)) {
    const file = resolve(env.AUTH_ISSUERS_FILE.trim());
    const text = readConfigFile(file, 'AUTH_ISSUERS_FILE', problems);
    const parsed = text === undefined ? undefined : parseJson(text, `AUTH_ISSUERS_FILE ${file} must hold a JSON array of issuers`, problems);
    if (parsed !== undefined) issuers = parseIssuers(parsed, `AUTH_ISSUERS_FILE ${file}`, roles, problems);
  }

  const reloadRaw = env.AUTH_RELOAD_SECONDS?.trim() ?? '';
  let reloadSeconds = 5;
  if (reloadRaw !== '') {
    if (!/^\d+$/.test(reloadRaw) || Number(reloadRaw) > 3600) problems.push(`AUTH_RELOAD_SECONDS must be an integer from 0 to 3600 (got "${env.AUTH_RELOAD_SECONDS}")`);
    else reloadSeconds = Number(reloadRaw);
  }

  const configured = set(env.AUTH_ISSUERS) || set(env.AUTH_ISSUERS_FILE) || set(env.AUTH_TOKENS) || set(env.AUTH_TOKENS_FILE);
  if (context.nodeEnv === 'production' && !configured) {
    problems.push('NODE_ENV=production needs AUTH_ISSUERS, AUTH_ISSUERS_FILE, AUTH_TOKENS or AUTH_TOKENS_FILE (the demo tokens are refused in production)');
  }
  return { demo, tokens, ...(tokensFile !== undefined && { tokensFile }), issuers, reloadSeconds };
}
