import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { RequireRoles } from '../auth/auth.guard.js';
import { ApiOkMedia, ApiProblems } from '../common/api-docs.js';
import { MetricsService } from './metrics.service.js';

/** `GET /metrics`: Prometheus exposition for operators (role `metrics:read`; scrapers send a bearer token). */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @RequireRoles('metrics:read')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiOkMedia('The metrics in the Prometheus text exposition format 0.0.4.', { [Registry.PROMETHEUS_CONTENT_TYPE]: { type: 'string' } })
  @ApiProblems(401, 403, 429)
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.metrics.exposition();
    await reply.header('content-type', contentType).send(body);
  }
}
