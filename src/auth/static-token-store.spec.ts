import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken } from '../common/token-hash.js';
import type { ConfiguredToken } from '../config/app.config.js';
import { AuthenticationBusyError, type AuthLog, StaticTokenStore } from './static-token-store.js';

const CHEAP = { N: 1024, r: 8, p: 1 };
const T0 = Date.parse('2026-11-21T09:00:00Z');

/** A log that keeps its lines. */
function recordingLog(): AuthLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`), error: (m) => lines.push(`error: ${m}`) };
}

async function token(subject: string, secret: string, expiresAt?: string): Promise<ConfiguredToken> {
  return { subject, roles: ['decision:evaluate'], tokenHash: await hashToken(secret, CHEAP), ...(expiresAt && { expiresAt: new Date(expiresAt) }) };
}

/** Writes the token file atomically (a new inode), as the README tells operators to. */
function writeTokens(file: string, tokens: ConfiguredToken[]): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(tokens.map((t) => ({ ...t, expiresAt: t.expiresAt?.toISOString() }))));
  renameSync(`${file}.tmp`, file);
}

describe('StaticTokenStore', () => {
  let dir: string;
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-tokens-'));
    clock = T0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('grants the subject and roles of the token whose scrypt hash matches, and nothing to another token', async () => {
    const store = new StaticTokenStore([await token('epic-bridge', 'engine-secret-0123456789'), await token('lab-bridge', 'lab-secret-0123456789')],
      { reloadMs: 0, now }, recordingLog());
    expect(await store.authenticate('lab-secret-0123456789')).toStrictEqual({ subject: 'lab-bridge', roles: ['decision:evaluate'] });
    expect(await store.authenticate('engine-secret-0123456789')).toStrictEqual({ subject: 'epic-bridge', roles: ['decision:evaluate'] });
    expect(await store.authenticate('engine-secret-012345678')).toBeUndefined();
    expect(await store.authenticate('lab-secret-0123456789')).toStrictEqual({ subject: 'lab-bridge', roles: ['decision:evaluate'] }); // from the cache
  });

  it('refuses a token from its expiry on, though it was verified (and remembered) before', async () => {
    const store = new StaticTokenStore([await token('epic-bridge', 'engine-secret-0123456789', '2026-11-21T10:00:00Z')], { reloadMs: 0, now }, recordingLog());
    expect(await store.authenticate('engine-secret-0123456789')).toStrictEqual({ subject: 'epic-bridge', roles: ['decision:evaluate'] });
    clock = Date.parse('2026-11-21T09:59:59.999Z');
    expect(await store.authenticate('engine-secret-0123456789')).toStrictEqual({ subject: 'epic-bridge', roles: ['decision:evaluate'] });
    clock = Date.parse('2026-11-21T10:00:00Z');
    expect(await store.authenticate('engine-secret-0123456789')).toBeUndefined();
    clock += 120_000; // past the cache too
    expect(await store.authenticate('engine-secret-0123456789')).toBeUndefined();
  });

  it('re-reads the token file when it changes, at most every reloadMs: a removed token is refused, an added one accepted', async () => {
    const file = join(dir, 'tokens.json');
    writeTokens(file, [await token('old-engine', 'old-secret-0123456789')]);
    const log = recordingLog();
    const store = new StaticTokenStore([], { file, reloadMs: 5000, now }, log);
    expect(store.configured).toBe(true);
    expect(await store.authenticate('old-secret-0123456789')).toMatchObject({ subject: 'old-engine' });
    expect(await store.authenticate('new-secret-0123456789')).toBeUndefined();

    writeTokens(file, [await token('new-engine', 'new-secret-0123456789')]);
    clock += 4999; // not checked yet
    expect(await store.authenticate('old-secret-0123456789')).toMatchObject({ subject: 'old-engine' });
    clock += 1;
    expect(await store.authenticate('old-secret-0123456789')).toBeUndefined();
    expect(await store.authenticate('new-secret-0123456789')).toMatchObject({ subject: 'new-engine' }); // though refused (and remembered) before
    expect(log.lines).toStrictEqual(['info: AUTH_TOKENS_FILE reloaded: 1 token(s)']);
  });

  it('keeps the tokens read before when the file becomes invalid or disappears, and says so', async () => {
    const file = join(dir, 'tokens.json');
    writeTokens(file, [await token('engine', 'engine-secret-0123456789')]);
    const log = recordingLog();
    const store = new StaticTokenStore([], { file, reloadMs: 0, now }, log);
    writeFileSync(file, '[{"subject": "engine", "roles": ["decision:evaluate"], "tokenHash": "half-writ');
    expect(await store.authenticate('engine-secret-0123456789')).toMatchObject({ subject: 'engine' });
    rmSync(file);
    expect(await store.authenticate('engine-secret-0123456789')).toMatchObject({ subject: 'engine' });
    expect(log.lines).toStrictEqual([
      `error: AUTH_TOKENS_FILE changed but is invalid; the tokens read before stay in force: AUTH_TOKENS_FILE ${file} must hold a JSON array of {"subject", "roles", "tokenHash", "expiresAt"?}`,
      'error: AUTH_TOKENS_FILE cannot be read (ENOENT); the tokens read before stay in force',
    ]);
  });

  it('runs a bounded number of scrypt checks at once and refuses more than the queue holds', async () => {
    const store = new StaticTokenStore([await token('engine', 'engine-secret-0123456789')], { reloadMs: 0, now, concurrency: 1, queueLimit: 1 }, recordingLog());
    const results = await Promise.allSettled(['guess-1-0123456789', 'guess-2-0123456789', 'guess-3-0123456789', 'engine-secret-0123456789']
      .map((t) => store.authenticate(t)));
    expect(results.map((r) => r.status)).toStrictEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(AuthenticationBusyError);
    expect(await store.authenticate('engine-secret-0123456789')).toMatchObject({ subject: 'engine' }); // the queue drained
  });

  it('checks nothing when no token is configured', async () => {
    const store = new StaticTokenStore([], { reloadMs: 0, now }, recordingLog());
    expect(store.configured).toBe(false);
    expect(await store.authenticate('anything-0123456789')).toBeUndefined();
  });
});
