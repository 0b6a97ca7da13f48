import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { DecisionFactEntity } from '../audit/decision-fact.entity.js';
import { DecisionRuleEntity } from '../audit/decision-rule.entity.js';
import { DecisionEntity } from '../audit/decision.entity.js';
import { IdempotencyKeyEntity } from '../audit/idempotency-key.entity.js';
import { RulebookActivationEntity } from '../rulebooks/rulebook-activation.entity.js';
import { RulebookVersionEntity } from '../rulebooks/rulebook-version.entity.js';
import { RulebookEntity } from '../rulebooks/rulebook.entity.js';

/** Every TypeORM entity of Verdict. */
export const ENTITIES = [
  RulebookEntity,
  RulebookVersionEntity,
  RulebookActivationEntity,
  DecisionEntity,
  DecisionRuleEntity,
  DecisionFactEntity,
  IdempotencyKeyEntity,
];

/**
 * TypeORM options for PostgreSQL: the reviewed migrations in `migrations/` (never `synchronize`), UTC sessions,
 * a bounded pool and a statement timeout so a stuck query surfaces as an error instead of a hung request.
 *
 * @param url a postgres:// URL
 * @param poolSize maximum connections
 */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false, // failed queries carry patient data in their parameters: errors are logged by the problem filter, without them
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 15_000,
      options: '-c TimeZone=UTC',
    },
  };
}

/** A new (not yet initialised) DataSource for `url`. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}
