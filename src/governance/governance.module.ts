import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DecisionsModule } from '../decisions/decisions.module.js';
import { RulebooksModule } from '../rulebooks/rulebooks.module.js';
import { ActivationTimelineService } from './activation-timeline.service.js';
import { ImpactSimulationService } from './impact-simulation.service.js';
import { GovernanceActionRunner } from './governance-action.runner.js';
import { RulebookGovernanceQueryService } from './rulebook-governance-query.service.js';
import { RulebookGovernanceController } from './rulebook-governance.controller.js';
import { RulebookHistoryRepository } from './rulebook-history.repository.js';
import { RulebookLifecycleService } from './rulebook-lifecycle.service.js';
import { RulebookVersionRepository } from './rulebook-version.repository.js';

/**
 * Rulebook governance, as rulebooks/GOVERNANCE.md describes it: the `/v1/rulebooks` API; the lifecycle and approvals
 * (`RulebookLifecycleService`, each action run by `GovernanceActionRunner`); the activation timeline
 * (`ActivationTimelineService`); the history (`RulebookHistoryRepository`); reads, diff and impact analysis
 * (`RulebookGovernanceQueryService`). The quality gate, its static analysis, the diff and the `rulebook` CLI are pure
 * functions of this folder. It sits on top: it builds on `RulebooksModule` (the read model, and the registry it
 * refreshes after a change) on the decisions module (evaluation, for impact simulation) and on the audit's `DecisionHistory` (the decisions it replays), and nothing below imports it.
 */
@Module({
  imports: [RulebooksModule, DecisionsModule, AuditModule],
  controllers: [RulebookGovernanceController],
  providers: [
    RulebookVersionRepository, RulebookHistoryRepository, GovernanceActionRunner, ActivationTimelineService, RulebookGovernanceQueryService,
    RulebookLifecycleService, ImpactSimulationService,
  ],
})
export class GovernanceModule {}
