import { Module } from '@nestjs/common';
import { RulebooksModule } from '../rulebooks/rulebooks.module.js';
import { AuditChainSealer } from './audit-chain.sealer.js';
import { AuditQueryRepository } from './audit-query.repository.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';
import { DecisionAuditRepository } from './decision-audit.repository.js';

/**
 * The decision audit record (immutable, normalized, written before a decision is answered, chained per commit batch)
 * and the auditors' API over it: search, detail, export, integrity, access log.
 */
@Module({
  imports: [RulebooksModule],
  controllers: [AuditController],
  providers: [DecisionAuditRepository, AuditQueryRepository, AuditService, AuditChainSealer],
  exports: [DecisionAuditRepository],
})
export class AuditModule {}
