// The database of the audit seed and benchmark: DATABASE_URL when set, else database verdict_audit_bench on the
// embedded PostgreSQL under DATA_DIR (default .data: the one a running Verdict started, else one started here),
// created when missing.
import { resolve } from 'node:path';
import pg from 'pg';

/**
 * @param {(line: string) => void} log
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function benchDatabaseUrl(log) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const { reuseOrStartEmbeddedPostgres } = await import('../../dist/src/database/embedded-postgres.js');
  const embedded = await reuseOrStartEmbeddedPostgres(resolve(process.env.DATA_DIR ?? '.data'), log);
  const url = new URL(embedded.url);
  const admin = new pg.Client({ connectionString: embedded.url });
  await admin.connect();
  const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'verdict_audit_bench'`);
  if (exists.rowCount === 0) await admin.query('CREATE DATABASE verdict_audit_bench');
  await admin.end();
  url.pathname = '/verdict_audit_bench';
  return { url: url.toString(), stop: () => embedded.stop() };
}
