import type { ProblemPointer } from '../common/domain-error.js';
import type { RulebookHistoryAction } from '../rulebooks/rulebook-history.entity.js';
import type { RulebookVersionStatus } from '../rulebooks/rulebook-version.entity.js';
import type { RulebookDocument, RulebookKind } from '../rulebooks/rulebook.types.js';

/**
 * The status a caller sees: the stored status, except that an approved version whose period contains the present
 * instant is `active`. ("active" is never stored: it is a fact of the activation timeline.)
 */
export type RulebookVersionState = RulebookVersionStatus | 'active';

/**
 * A status as the history names it (`fromStatus`, `toStatus`): the version's state at that moment, or `scheduled`
 * for an activation at a future instant (the version stays `approved` until that instant, then is `active`: the
 * timeline decides it, and no further history entry is written then).
 */
export type RulebookHistoryStatus = RulebookVersionState | 'scheduled';

/** A new draft: a full rulebook document, or a copy of a stored version under a new version number. */
export type DraftSource = { document: RulebookDocument } | { copyOf: string; version: string };

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
  /** The version's state before the action (for a refusal: when it was refused); null for a creation or an import. */
  fromStatus: RulebookHistoryStatus | null;
  /** The state the action led to (for a refusal: the state it asked for); `scheduled` for an activation at a future instant. */
  toStatus: RulebookHistoryStatus | null;
  comment: string | null;
  contentHash: string | null;
  /** For an activation (and a superseded one): the instant it takes effect, RFC 3339 UTC; `-infinity` for a bundled one. */
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

/** A page of the governance history (`GET /v1/rulebooks/{key}/history`), oldest first. */
export interface HistoryPageView {
  rulebook: string;
  entries: HistoryEntryView[];
  /** The URL of the next page, `null` on the last. */
  next: string | null;
}

/** The answer of `POST …/submit`: the version (now in review) and what the quality gate ran. */
export interface SubmittedVersionView extends VersionDetailView {
  qualityGate: { scenarios: number; passed: number };
}
