import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AuthGuard } from './auth/auth.guard.js';
import { CallerThrottlerGuard } from './auth/caller-throttler.guard.js';
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
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req) => String(req.headers['x-request-id'] ?? ''),
            customProps: (req) => ({ caller: (req as { principal?: { subject: string } }).principal?.subject }),
            redact: ['req.headers.authorization'],
            quietReqLogger: true,
          },
        }),
        TypeOrmModule.forRoot({ ...dataSourceOptions(databaseUrl, config.dbPoolSize), migrationsRun: true }),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'per-caller', ttl: 1000, limit: Math.max(1, config.rateLimitPerSecond) }],
          skipIf: () => config.rateLimitPerSecond === 0,
          setHeaders: false,
        }),
        DecisionsModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
