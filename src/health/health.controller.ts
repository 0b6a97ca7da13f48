import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.guard.js';
import { ApiOk, ApiProblems } from '../common/api-docs.js';
import { RulebookReadModel } from '../rulebooks/rulebook-read-model.js';
import { LivenessDto, ReadinessDto } from './health.dto.js';

/** Liveness and readiness probes (contract "Conventions"), no token needed; rate-limited per client apart from the API. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly registry: RulebookReadModel,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: '200 while the process runs' })
  @ApiOk(LivenessDto, { description: 'The process runs.' })
  @ApiProblems(429)
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  // Terminus' own OpenAPI text would document the 503 as JSON; it leaves through the problem filter as problem+json.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: '200 once the database is reachable, migrations are applied and the active rulebooks are loaded; else 503' })
  @ApiOk(ReadinessDto, { description: 'Ready: every indicator is up.' })
  @ApiProblems(429, { status: 503, description: 'Not ready: the database is unreachable, migrations are pending or the rulebooks are not loaded.' })
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
