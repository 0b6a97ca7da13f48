import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { parseTokenFile, type StaticToken } from '../config/auth.config.js';
import { ROLES, type Role } from '../config/app.config.js';
import { parseTokenHash, type TokenHash, verifyToken } from '../common/token-hash.js';
import type { Principal } from './principal.js';

/** What the store reports to the operator (no token, no hash ever). */
export interface AuthLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Thrown when too many scrypt verifications wait already (the request may be retried). */
export class AuthenticationBusyError extends Error {
  constructor() {
    super('Too many token verifications in progress');
    this.name = 'AuthenticationBusyError';
  }
}

interface Entry {
  token: StaticToken<Role>;
  hash: TokenHash;
  principal: Principal;
}

/** Options of the store; the defaults suit a service, tests shorten them. */
export interface StaticTokenStoreOptions {
  /** `AUTH_TOKENS_FILE` (absolute), re-read when its modification time, size or inode changes. */
  file?: string;
  /** At most how often the file is checked for changes, ms (0: at every authentication). */
  reloadMs: number;
  /** How long a verified token is remembered (keyed by its sha256), ms. Default 60 s. */
  cacheMs?: number;
  /** scrypt verifications running at once (each uses a libuv thread and N*r*128 bytes). Default 2. */
  concurrency?: number;
  /** Verifications allowed to wait; beyond, `AuthenticationBusyError`. Default 64. */
  queueLimit?: number;
  /** The clock (tests). */
  now?: () => number;
}

const CACHE_LIMIT = 10_000;

/** A `stat` fingerprint: the file is re-read when it differs. */
function fingerprint(s: { mtimeMs: number; size: number; ino: number }): string {
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
}

function entriesOf(tokens: StaticToken<Role>[]): Entry[] {
  return tokens.map((token) => ({
    token,
    hash: parseTokenHash(token.tokenHash) as TokenHash, // validated by the configuration
    principal: { subject: token.subject, roles: token.roles },
  }));
}

/**
 * Static bearer tokens (`AUTH_TOKENS` and `AUTH_TOKENS_FILE`), stored as scrypt hashes with an optional expiry.
 *
 * A presented token is checked against every unexpired entry with scrypt (slow on purpose), so a successful check is
 * remembered for `cacheMs` under the token's sha256 (in memory only), and a failed one too (a client retrying a bad
 * token costs nothing). At most `concurrency` checks run at once, `queueLimit` wait: random tokens cannot take every
 * thread of the pool. Expiry is checked at every request, cached or not.
 *
 * The file is re-read without restart when it changes (checked at most every `reloadMs`, at the next
 * authentication): both caches are emptied then, so a token removed from the file is refused from the next check
 * on. A file that became unreadable or invalid is reported and the tokens read before stay in force (a half-written
 * file never locks every caller out); write it atomically (write a temporary file, then rename it).
 */
export class StaticTokenStore {
  private readonly envEntries: Entry[];
  private fileEntries: Entry[] = [];
  private fileFingerprint = '';
  private nextCheck = 0;
  private checking: Promise<void> | undefined;
  /** Bumped at every reload: a verification that began before it does not fill the caches. */
  private generation = 0;
  private readonly verified = new Map<string, { entry: Entry; until: number }>();
  private readonly refused = new Map<string, number>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly concurrency: number;
  private readonly queueLimit: number;

  /**
   * @param tokens the `AUTH_TOKENS` entries (validated)
   * @param options the file and the limits
   * @param log where reloads and their problems are reported
   * @throws Error when the file cannot be read or is invalid at start (the configuration checked it a moment before)
   */
  constructor(tokens: StaticToken<Role>[], private readonly options: StaticTokenStoreOptions, private readonly log: AuthLog) {
    this.envEntries = entriesOf(tokens);
    this.now = options.now ?? Date.now;
    this.cacheMs = options.cacheMs ?? 60_000;
    this.concurrency = options.concurrency ?? 2;
    this.queueLimit = options.queueLimit ?? 64;
    if (options.file) {
      const problems: string[] = [];
      const before = statSync(options.file);
      const parsed = parseTokenFile(readFileSync(options.file, 'utf8'), `AUTH_TOKENS_FILE ${options.file}`, ROLES, problems);
      if (problems.length > 0) throw new Error(problems.join('; '));
      this.fileEntries = entriesOf(parsed);
      this.fileFingerprint = fingerprint(before);
      this.nextCheck = this.now() + options.reloadMs;
    }
  }

  /** True when any static token is configured or a token file is watched. */
  get configured(): boolean {
    return this.envEntries.length > 0 || this.options.file !== undefined;
  }

  /**
   * The principal of a static token, or undefined when no unexpired entry matches.
   * @throws AuthenticationBusyError when too many verifications are waiting
   */
  async authenticate(token: string): Promise<Principal | undefined> {
    await this.reloadIfChanged();
    const key = createHash('sha256').update(token, 'utf8').digest('hex');
    const now = this.now();
    const cached = this.verified.get(key);
    if (cached && cached.until > now) return this.unexpired(cached.entry, now) ? cached.entry.principal : undefined;
    if ((this.refused.get(key) ?? 0) > now) return undefined;

    const candidates = [...this.envEntries, ...this.fileEntries].filter((entry) => this.unexpired(entry, now));
    if (candidates.length === 0) return undefined;
    const generation = this.generation;
    const match = await this.limited(async () => {
      for (const entry of candidates) if (await verifyToken(token, entry.hash)) return entry;
      return undefined;
    });
    if (generation !== this.generation) return this.authenticate(token); // reloaded meanwhile: check against the new set
    const until = this.now() + this.cacheMs;
    if (match) remember(this.verified, key, { entry: match, until });
    else remember(this.refused, key, until);
    return match?.principal;
  }

  private unexpired(entry: Entry, now: number): boolean {
    return entry.token.expiresAt === undefined || entry.token.expiresAt.getTime() > now;
  }

  /** Runs `task` when fewer than `concurrency` run; waits in a bounded queue otherwise. */
  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) throw new AuthenticationBusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes to the next waiter
      else this.running--;
    }
  }

  /** Re-reads the token file when it changed since the last check (at most every `reloadMs`). */
  private reloadIfChanged(): Promise<void> {
    const file = this.options.file;
    if (!file || this.now() < this.nextCheck) return Promise.resolve();
    this.checking ??= (async () => {
      try {
        const current = fingerprint(await stat(file));
        if (current === this.fileFingerprint) return;
        const problems: string[] = [];
        const tokens = parseTokenFile(await readFile(file, 'utf8'), `AUTH_TOKENS_FILE ${file}`, ROLES, problems);
        if (problems.length > 0) {
          this.log.error(`AUTH_TOKENS_FILE changed but is invalid; the tokens read before stay in force: ${problems.join('; ')}`);
        } else {
          this.fileEntries = entriesOf(tokens);
          this.generation++;
          this.verified.clear();
          this.refused.clear();
          this.log.info(`AUTH_TOKENS_FILE reloaded: ${tokens.length} token(s)`);
        }
        this.fileFingerprint = current;
      } catch (error) {
        this.log.error(`AUTH_TOKENS_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); the tokens read before stay in force`);
      } finally {
        this.nextCheck = this.now() + this.options.reloadMs;
        this.checking = undefined;
      }
    })();
    return this.checking;
  }
}

/** Sets `key` in a cache bounded to `CACHE_LIMIT` entries (the oldest inserted goes first). */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}
