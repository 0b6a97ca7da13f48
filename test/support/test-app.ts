import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import { loadAppConfig } from '../../src/config/app.config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A running Verdict on its own database, for supertest. */
export interface TestApp {
  app: NestFastifyApplication;
  server: import('node:http').Server;
  db: TestDatabase;
  /** Runs SQL on the app's database (to read back the audit record). */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Boots the real application (same factory as `main.ts`) on a fresh database cloned from the migrated template.
 * The demo tokens are on (`VERDICT_DEMO_AUTH=true` with `HOST=127.0.0.1`, as a local trial runs) unless `env` says
 * otherwise (`VERDICT_DEMO_AUTH: 'false'`, which a production-mode test must say: production refuses them).
 * @param env extra environment variables for `loadAppConfig` (for example `AUTH_TOKENS`)
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_SECOND: '0', VERDICT_DEMO_AUTH: 'true', HOST: '127.0.0.1',
    ...env, DATABASE_URL: db.url });
  const app = await createApp(config, db.url, { logs: false });
  await app.getHttpAdapter().getInstance().ready();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return {
    app,
    server: app.getHttpServer(),
    db,
    async sql<T>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as T[];
    },
    async close() {
      await client.end();
      await app.close();
      await db.drop();
    },
  };
}
