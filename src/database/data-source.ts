import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { AuditAccessLogEntity } from '../audit/audit-access-log.entity.js';
import { DecisionChainEntryEntity } from '../audit/decision-chain-entry.entity.js';
import { DecisionChainSealEntity } from '../audit/decision-chain-seal.entity.js';
import { DecisionFactEntity } from '../audit/decision-fact.entity.js';
import { DecisionRuleEntity } from '../audit/decision-rule.entity.js';
import { DecisionEntity } from '../audit/decision.entity.js';
import { IdempotencyKeyEntity } from '../audit/idempotency-key.entity.js';
import { RulebookActivationEntity } from '../rulebooks/rulebook-activation.entity.js';
import { RulebookActivePeriodEntity } from '../rulebooks/rulebook-active-period.entity.js';
import { RulebookApprovalEntity } from '../rulebooks/rulebook-approval.entity.js';
import { RulebookHistoryEntity } from '../rulebooks/rulebook-history.entity.js';
import { RulebookVersionEntity } from '../rulebooks/rulebook-version.entity.js';
import { RulebookEntity } from '../rulebooks/rulebook.entity.js';

/** Every TypeORM entity of Verdict. */
export const ENTITIES = [
  RulebookEntity,
  RulebookVersionEntity,
  RulebookActivationEntity,
  RulebookActivePeriodEntity,
  RulebookApprovalEntity,
  RulebookHistoryEntity,
  DecisionEntity,
  DecisionRuleEntity,
  DecisionFactEntity,
  IdempotencyKeyEntity,
  DecisionChainSealEntity,
  DecisionChainEntryEntity,
  AuditAccessLogEntity,
];

/**
 * The database role the running service's sessions take (`-c role=verdict_service`), created by the migrations: it
 * may SELECT and INSERT audit tables and never UPDATE, DELETE or TRUNCATE them. Migrations run as the connecting
 * role (the owner), on a separate connection, before the service's pool opens (`migrateDatabase`).
 */
export const SERVICE_ROLE = 'verdict_service';

/** Options of `dataSourceOptions` beyond the URL and pool size. */
export interface DataSourceRoleOptions {
  /** A role every session of the pool switches to when it starts (the service passes `SERVICE_ROLE`). */
  role?: string;
}

/**
 * TypeORM options for PostgreSQL: the reviewed migrations in `migrations/` (never `synchronize`), UTC sessions,
 * a bounded pool and a statement timeout so a stuck query surfaces as an error instead of a hung request.
 *
 * @param url a postgres:// URL
 * @param poolSize maximum connections
 * @param options `role`: the role each session takes at start (PostgreSQL `role` setting); omitted: the connecting role
 */
export function dataSourceOptions(url: string, poolSize = 10, options: DataSourceRoleOptions = {}): DataSourceOptions {
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
      options: options.role ? `-c TimeZone=UTC -c role=${options.role}` : '-c TimeZone=UTC',
    },
  };
}

/** A new (not yet initialised) DataSource for `url`. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}
