import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of one spec file, cloned from the migrated template. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.VERDICT_TEST_ADMIN_URL;
  if (!url) throw new Error('the e2e global setup did not run (VERDICT_TEST_ADMIN_URL unset)');
  return url;
}

/** Runs one SQL statement on the admin connection. */
export async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * Creates a fresh database from the migrated template (`CREATE DATABASE … TEMPLATE …`), so each spec file starts
 * from an empty, migrated schema in milliseconds.
 * @param migrated false for an empty database without the schema
 */
export async function createTestDatabase(migrated = true): Promise<TestDatabase> {
  const name = `verdict_test_${randomBytes(5).toString('hex')}`;
  await adminQuery(migrated ? `CREATE DATABASE ${name} TEMPLATE ${process.env.VERDICT_TEST_TEMPLATE}` : `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
