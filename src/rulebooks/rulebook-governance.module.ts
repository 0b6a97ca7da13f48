import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module.js';
import { RulebookGovernanceController } from './rulebook-governance.controller.js';
import { RulebookGovernanceService } from './rulebook-governance.service.js';
import { RulebooksModule } from './rulebooks.module.js';

/**
 * Rulebook governance, as rulebooks/GOVERNANCE.md describes it: the `/v1/rulebooks` API, the lifecycle and approvals, the quality gate, diff and
 * impact analysis. It builds on the registry (`RulebooksModule`) and on the decisions module's impact simulation.
 */
@Module({
  imports: [RulebooksModule, DecisionsModule],
  controllers: [RulebookGovernanceController],
  providers: [RulebookGovernanceService],
})
export class RulebookGovernanceModule {}
