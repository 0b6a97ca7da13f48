import { Module } from '@nestjs/common';
import { DecisionAuditRepository } from './decision-audit.repository.js';

/** The decision audit record: immutable, normalized, written before a decision is answered. */
@Module({ providers: [DecisionAuditRepository], exports: [DecisionAuditRepository] })
export class AuditModule {}
