import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { createDataSource } from '../../src/database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres.js';

/** A database of one spec file: created fresh, migrated, dropped at the end. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

let embedded: EmbeddedDatabase | undefined;
let users = 0;

/**
 * The PostgreSQL server for e2e specs: `DATABASE_URL` when set, else an embedded one under `.data/test-<worker>`
 * (started by the first database of a spec file, stopped when its last database is dropped).
 */
async function adminUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  embedded ??= await startEmbeddedPostgres(resolve(`.data/test-${process.env.JEST_WORKER_ID ?? '1'}`), () => undefined);
  return embedded.url;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: await adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * Creates a fresh database on the test server and, unless `migrated` is false, applies every migration to it.
 * @param migrated false for an empty database (to test the migrations themselves)
 */
export async function createTestDatabase(migrated = true): Promise<TestDatabase> {
  users += 1;
  const name = `verdict_test_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(await adminUrl());
  url.pathname = `/${name}`;
  if (migrated) {
    const dataSource = createDataSource(url.toString(), 1);
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
  }
  return {
    url: url.toString(),
    name,
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      users -= 1;
      if (users === 0 && embedded) {
        await embedded.stop();
        embedded = undefined;
      }
    },
  };
}
