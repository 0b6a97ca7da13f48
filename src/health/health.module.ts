import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RulebooksModule } from '../rulebooks/rulebooks.module.js';
import { HealthController } from './health.controller.js';

/** `/health/live` and `/health/ready`. */
@Module({ imports: [TerminusModule, RulebooksModule], controllers: [HealthController] })
export class HealthModule {}
