import { InitialSchema1795017600000 } from './1795017600000-InitialSchema.js';
import { RulebookGovernance1795100000000 } from './1795100000000-RulebookGovernance.js';
import { ServiceRole1795200000000 } from './1795200000000-ServiceRole.js';
import { PartitionDecisionAudit1795200000001 } from './1795200000001-PartitionDecisionAudit.js';
import { AuditChainAndAccessLog1795200000002 } from './1795200000002-AuditChainAndAccessLog.js';
import { GovernanceAppendOnlyGrants1795200000003 } from './1795200000003-GovernanceAppendOnlyGrants.js';
import { SafetyOfficerApproval1795300000000 } from './1795300000000-SafetyOfficerApproval.js';
import { DecisionBuildAndIntakeProvenance1795300000001 } from './1795300000001-DecisionBuildAndIntakeProvenance.js';
import { SeparationOfDuties1795400000010 } from './1795400000010-SeparationOfDuties.js';

/** Every migration, oldest first. Listed explicitly so the same list works compiled (node) and in Jest (ESM, TS). */
export const MIGRATIONS = [
  InitialSchema1795017600000,
  RulebookGovernance1795100000000,
  ServiceRole1795200000000,
  PartitionDecisionAudit1795200000001,
  AuditChainAndAccessLog1795200000002,
  GovernanceAppendOnlyGrants1795200000003,
  SafetyOfficerApproval1795300000000,
  DecisionBuildAndIntakeProvenance1795300000001,
  SeparationOfDuties1795400000010,
];
