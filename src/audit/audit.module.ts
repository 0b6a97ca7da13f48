import { Module } from '@nestjs/common';
import { RulebooksModule } from '../rulebooks/rulebooks.module.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';
import { AuditChainSealer } from './chain/audit-chain.sealer.js';
import { DecisionAuditRepository } from './decision-audit.repository.js';
import { DecisionHistory } from './decision-history.js';
import { DecisionHistoryRepository } from './decision-history.repository.js';
import { DecisionRecorder } from './decision-recorder.js';
import { AuditQueryRepository } from './search/audit-query.repository.js';

/**
 * The decision audit record (immutable, normalized, written before a decision is answered, chained per commit batch)
 * and the auditors' API over it: search, detail, export, integrity, access log.
 *
 * Other modules use only what it exports: `DecisionRecorder` (commit a decision) and `DecisionHistory` (the read model:
 * a decision by id, an idempotency key, past decisions to replay), never its repositories or tables.
 */
@Module({
  imports: [RulebooksModule],
  controllers: [AuditController],
  providers: [
    DecisionAuditRepository, DecisionHistoryRepository, AuditQueryRepository, AuditService, AuditChainSealer,
    { provide: DecisionRecorder, useExisting: DecisionAuditRepository },
    { provide: DecisionHistory, useExisting: DecisionHistoryRepository },
  ],
  exports: [DecisionRecorder, DecisionHistory],
})
export class AuditModule {}
