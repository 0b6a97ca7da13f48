import { createDataSource } from './data-source.js';

/** Months of monthly audit partitions kept ready ahead of the current month. */
export const PARTITION_MONTHS_AHEAD = 3;

/**
 * Applies pending migrations as the connecting role (the owner of the schema) on a connection of its own, then makes
 * sure the monthly audit partitions exist from this month to `PARTITION_MONTHS_AHEAD` months ahead. Called before
 * the service's pool (which runs as `verdict_service`, unable to create tables) opens, and by `npm run migration:run`.
 *
 * @param url the `DATABASE_URL` (the owner's connection)
 * @returns the names of the migrations applied
 * @throws the driver error when a migration fails (nothing of it is kept: each migration is one transaction)
 */
export async function migrateDatabase(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, 1);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query(`SELECT verdict_create_audit_partitions(now(), $1)`, [PARTITION_MONTHS_AHEAD + 1]);
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
