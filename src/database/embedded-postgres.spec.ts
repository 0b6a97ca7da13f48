import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISCOVERY_FILE, reuseOrStartEmbeddedPostgres, runningEmbeddedPostgres, type EmbeddedDiscovery } from './embedded-postgres.js';

describe('the embedded PostgreSQL discovery file', () => {
  let dataDir: string;
  let cluster: string;
  const discovery = (port: number): EmbeddedDiscovery => ({
    url: `postgres://postgres:verdict-embedded@127.0.0.1:${port}/verdict`, port, cluster, pid: process.pid, startedAt: '2026-11-21T09:30:00.000Z',
  });
  /** A `postmaster.pid` as PostgreSQL writes it: pid, data directory, start time, port, socket directory, listen address. */
  const postmaster = (pid: number, port: number) =>
    writeFileSync(join(cluster, 'postmaster.pid'), `${pid}\n${cluster}\n1795000000\n${port}\n/tmp\n127.0.0.1\n`);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'verdict-discovery-'));
    cluster = join(dataDir, 'postgres');
    mkdirSync(cluster);
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the server while its postmaster runs on the port the file names', () => {
    writeFileSync(join(dataDir, DISCOVERY_FILE), JSON.stringify(discovery(54321)));
    postmaster(process.pid, 54321);
    expect(runningEmbeddedPostgres(dataDir)).toEqual(discovery(54321));
  });

  it('ignores a file left behind: no file, no postmaster, a postmaster that is gone or on another port, or a broken file', () => {
    expect(runningEmbeddedPostgres(dataDir)).toBeUndefined();
    writeFileSync(join(dataDir, DISCOVERY_FILE), JSON.stringify(discovery(54321)));
    expect(runningEmbeddedPostgres(dataDir)).toBeUndefined();
    postmaster(2 ** 22 + 12345, 54321); // above Linux's largest pid: no such process
    expect(runningEmbeddedPostgres(dataDir)).toBeUndefined();
    postmaster(process.pid, 54322);
    expect(runningEmbeddedPostgres(dataDir)).toBeUndefined();
    postmaster(process.pid, 54321);
    writeFileSync(join(dataDir, DISCOVERY_FILE), '{"url": 1');
    expect(runningEmbeddedPostgres(dataDir)).toBeUndefined();
  });

  it('lets a command-line tool reuse the running server, and never stop it', async () => {
    writeFileSync(join(dataDir, DISCOVERY_FILE), JSON.stringify(discovery(54321)));
    postmaster(process.pid, 54321);
    const lines: string[] = [];
    const database = await reuseOrStartEmbeddedPostgres(dataDir, (line) => lines.push(line));
    expect(database).toMatchObject({ url: discovery(54321).url, dataDir: cluster, reused: true });
    await database.stop();
    expect(runningEmbeddedPostgres(dataDir)).toEqual(discovery(54321));
    expect(lines).toEqual([`embedded PostgreSQL: using the server already running at ${discovery(54321).url} (started by process ${process.pid})`]);
  });
});
