import 'reflect-metadata';
import { ConfigError, loadAppConfig } from '../config/app.config.js';
import { createDataSource } from './data-source.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/**
 * `npm run migration:run`: applies pending migrations to `DATABASE_URL` (or the embedded PostgreSQL under
 * `DATA_DIR`) as the connecting role, prints each one applied, and exits 0; exits 1 with the error otherwise.
 */
async function main(): Promise<void> {
  const config = loadAppConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, (line) => console.log(line));
  const dataSource = createDataSource(config.databaseUrl ?? embedded!.url, 2);
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    console.log(applied.length === 0 ? 'No pending migrations.' : applied.map((m) => `applied ${m.name}`).join('\n'));
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`);
  process.exit(1);
});
