import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthGuard } from './auth/auth.guard.js';
import { ProblemFilter } from './common/problem.filter.js';
import type { AppConfig } from './config/app.config.js';
import { ConfigModule } from './config/config.module.js';
import { AuditModule } from './audit/audit.module.js';
import { dataSourceOptions, SERVICE_ROLE } from './database/data-source.js';
import { migrateDatabase } from './database/migrate-database.js';
import { DecisionsModule } from './decisions/decisions.module.js';
import { GovernanceModule } from './governance/governance.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';

/**
 * The root module. Built from a validated configuration and a database URL (the embedded PostgreSQL's when no
 * `DATABASE_URL` is set). Migrations run as the connecting role (the owner) before the pool opens; the pool's sessions
 * then take the role `verdict_service`, which cannot change audit rows.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // Migrations run first, as the owner on a connection of their own; the pool then runs as verdict_service.
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await migrateDatabase(databaseUrl);
            return dataSourceOptions(databaseUrl, config.dbPoolSize, { role: SERVICE_ROLE });
          },
        }),
        MetricsModule,
        DecisionsModule,
        AuditModule,
        GovernanceModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
