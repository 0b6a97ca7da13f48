import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `GET /health/live` 200: the process runs. */
export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

/**
 * `GET /health/ready` 200 (the Terminus health check result, `HealthCheckResult`): every indicator is up. The
 * indicators are `database` (a ping), `migrations` (none pending) and `rulebooks` (loaded; `versions`: how many).
 */
export class ReadinessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'object', additionalProperties: true },
    example: { database: { status: 'up' }, migrations: { status: 'up' }, rulebooks: { status: 'up', versions: 4 } }, description: 'The indicators that are up, by name.' })
  info?: Record<string, Record<string, unknown>>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'object', additionalProperties: true }, example: {},
    description: 'The indicators that are down (empty when ready).' })
  error?: Record<string, Record<string, unknown>>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'object', additionalProperties: true }, description: 'Every indicator, by name.' })
  details!: Record<string, Record<string, unknown>>;
}
