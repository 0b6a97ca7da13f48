import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthGuard } from './auth/auth.guard.js';
import { ProblemFilter } from './common/problem.filter.js';
import type { AppConfig } from './config/app.config.js';
import { ConfigModule } from './config/config.module.js';
import { dataSourceOptions } from './database/data-source.js';
import { DecisionsModule } from './decisions/decisions.module.js';
import { HealthModule } from './health/health.module.js';

/**
 * The root module. Built from a validated configuration and a database URL (the embedded PostgreSQL's when no
 * `DATABASE_URL` is set); migrations run when the data source initialises, before the rulebooks are imported.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(databaseUrl, config.dbPoolSize), migrationsRun: true }),
        DecisionsModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
