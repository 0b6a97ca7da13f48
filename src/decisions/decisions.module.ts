import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RulebooksModule } from '../rulebooks/rulebooks.module.js';
import { CompiledRulebookCache } from './compiled-rulebook.cache.js';
import { DecisionsController } from './decisions.controller.js';
import { DecisionsService } from './decisions.service.js';

/** Decisions: evaluation (the only importer of json-rules-engine), explanation and the decisions API. */
@Module({
  imports: [RulebooksModule, AuditModule],
  controllers: [DecisionsController],
  providers: [DecisionsService, CompiledRulebookCache],
  exports: [CompiledRulebookCache],
})
export class DecisionsModule {}
