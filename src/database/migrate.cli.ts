import 'reflect-metadata';
import { ConfigError, loadAppConfig } from '../config/app.config.js';
import { reuseOrStartEmbeddedPostgres } from './embedded-postgres.js';
import { migrateDatabase } from './migrate-database.js';

/**
 * `npm run migration:run`: applies pending migrations to `DATABASE_URL` (or the embedded PostgreSQL under `DATA_DIR`:
 * the one a running Verdict started, else one started for the run) as the connecting role, makes sure the monthly
 * audit partitions exist, prints each migration applied, and exits 0; exits 1 with the error otherwise.
 */
async function main(): Promise<void> {
  const config = loadAppConfig();
  const embedded = config.databaseUrl ? undefined : await reuseOrStartEmbeddedPostgres(config.dataDir, (line) => console.log(line));
  try {
    const applied = await migrateDatabase(config.databaseUrl ?? embedded!.url);
    console.log(applied.length === 0 ? 'No pending migrations.' : applied.map((name) => `applied ${name}`).join('\n'));
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`);
  process.exit(1);
});
