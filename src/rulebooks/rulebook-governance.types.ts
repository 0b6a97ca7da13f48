import type { ProblemPointer } from '../common/domain-error.js';
import type { RulebookVersionStatus } from './rulebook-version.entity.js';
import type { RulebookDocument, RulebookKind } from './rulebook.types.js';

/**
 * What the governance history records: the transitions of the lifecycle (draft -> in_review -> approved -> active ->
 * retired, or rejected from review), draft edits, activations (now, scheduled, rollback), scheduled activations
 * superseded by a later governance decision, and the bundled imports.
 */
export type RulebookHistoryAction =
  | 'import'
  | 'create'
  | 'update'
  | 'submit'
  | 'approve'
  | 'reject'
  | 'activate'
  | 'rollback'
  | 'retire'
  | 'supersede';

/**
 * The status a caller sees: the stored status, except that an approved version whose period contains the present
 * instant is `active`. ("active" is never stored: it is a fact of the activation timeline.)
 */
export type RulebookVersionState = RulebookVersionStatus | 'active';

/** A period of the activation timeline: `version` is active from `from` (inclusive) until `until` (exclusive, null: open). */
export interface ActivePeriodView {
  version: string;
  /** RFC 3339 UTC; `null` for "since always" (a bundled version active before any governance). */
  from: string | null;
  until: string | null;
}

/** One approval: who approved which content, when, and whether as clinical safety officer. */
export interface ApprovalView {
  approver: string;
  contentHash: string;
  comment: string | null;
  approvedAt: string;
  /** Given by a caller holding `safety:approve`: a clinical safety officer's approval (it is one of the distinct approvals too). */
  asSafetyOfficer: boolean;
}

/** One entry of the governance history (`GET /v1/rulebooks/{key}/history`). */
export interface HistoryEntryView {
  id: number;
  at: string;
  rulebook: string;
  version: string | null;
  action: RulebookHistoryAction;
  outcome: 'done' | 'refused';
  actor: string;
  role: string;
  fromStatus: string | null;
  toStatus: string | null;
  comment: string | null;
  contentHash: string | null;
  effectiveFrom: string | null;
  /** For a refused attempt: the problem the caller received. */
  problem: { status: number; code: string; detail: string; errors?: ProblemPointer[] } | null;
}

/** A rulebook version as the governance API shows it (without its document). */
export interface VersionSummaryView {
  rulebook: string;
  version: string;
  kind: RulebookKind;
  status: RulebookVersionState;
  contentHash: string;
  provenance: string;
  basedOn: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  editors: string[];
  submittedBy: string | null;
  submittedAt: string | null;
  /** Distinct approvals of the content hash it needs (fixed at submission; for a draft, what submitting would fix now). */
  approvalsRequired: number;
  /** Of those, how many must come from a clinical safety officer (`SAFETY_APPROVALS_REQUIRED`; fixed at submission likewise). */
  safetyApprovalsRequired: number;
  /** Distinct approvals of the current content still missing before it is approved; 0 once it is neither a draft nor in review. */
  approvalsNeeded: number;
  /** Clinical safety officer approvals of the current content still missing; 0 once it is neither a draft nor in review. */
  safetyApprovalsNeeded: number;
  approvals: ApprovalView[];
  /** Every period in which this version was, is or is scheduled to be active. */
  activePeriods: ActivePeriodView[];
}

/** A version with its document and its own history (`GET /v1/rulebooks/{key}/versions/{version}`). */
export interface VersionDetailView extends VersionSummaryView {
  document: RulebookDocument;
  history: HistoryEntryView[];
}

/** A rulebook key with its active version (`GET /v1/rulebooks`). */
export interface RulebookSummaryView {
  key: string;
  kind: RulebookKind;
  title: string;
  /** The version active now, `null` when none is. */
  activeVersion: { version: string; contentHash: string; since: string | null } | null;
  /** Activations scheduled after now. */
  scheduled: ActivePeriodView[];
  versions: { version: string; status: RulebookVersionState }[];
  approvalsRequired: number;
  /** Of those, approvals a clinical safety officer must give (`SAFETY_APPROVALS_REQUIRED`). */
  safetyApprovalsRequired: number;
}
