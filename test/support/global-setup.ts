import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { createDataSource } from '../../src/database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres.js';

declare global {
  // eslint-disable-next-line no-var
  var __verdictEmbedded: EmbeddedDatabase | undefined;
}

/**
 * Jest global setup: a real PostgreSQL for the e2e specs — `DATABASE_URL` when set, else an embedded one under
 * `.data/test` — and a template database migrated once, from which each spec file clones its own database.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    globalThis.__verdictEmbedded = await startEmbeddedPostgres(resolve('.data/test'), () => undefined);
    adminUrl = globalThis.__verdictEmbedded.url;
  }
  const template = `verdict_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const dataSource = createDataSource(url.toString(), 2);
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  process.env.VERDICT_TEST_ADMIN_URL = adminUrl;
  process.env.VERDICT_TEST_TEMPLATE = template;
}
