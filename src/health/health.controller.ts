import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.guard.js';
import { RulebookRegistry } from '../rulebooks/rulebook-registry.service.js';

/** Liveness and readiness probes (contract "Conventions"), no token needed. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly registry: RulebookRegistry,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: '200 while the process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: '200 once the database is reachable, migrations are applied and the active rulebooks are loaded; else 503' })
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('migrations');
        const pending = await this.dataSource.showMigrations().catch(() => true);
        return pending ? indicator.down({ pending: true }) : indicator.up();
      },
      () => {
        const indicator = this.indicators.check('rulebooks');
        return this.registry.isLoaded() ? indicator.up({ versions: this.registry.allVersions().length }) : indicator.down();
      },
    ]);
  }
}
