import type { AppConfig } from '../config/app.config.js';
import type { RulebookKind } from '../rulebooks/rulebook.types.js';
import type { ApprovalRow, VersionRow } from './rulebook-governance.rows.js';

/** What a version needs to be approved, and what of it is still missing. */
export interface ApprovalNeeds {
  /** Distinct approvals of the content hash required (`APPROVALS_REQUIRED` of its kind, fixed at submission). */
  required: number;
  /** Of those, approvals by a clinical safety officer required (`SAFETY_APPROVALS_REQUIRED`, fixed at submission). */
  safetyRequired: number;
  /** Distinct approvals of the current content still missing; 0 once the version is neither a draft nor in review. */
  approvals: number;
  /** Clinical safety officer approvals of the current content still missing; 0 likewise. */
  safety: number;
}

/** Distinct approvals a version of `kind` needs now (`APPROVALS_REQUIRED`, default 1). */
export function approvalsRequired(config: AppConfig, kind: RulebookKind): number {
  return config.approvalsRequired[kind] ?? 1;
}

/** Of those, approvals by a clinical safety officer (`SAFETY_APPROVALS_REQUIRED`, default 0; DCB0129). */
export function safetyApprovalsRequired(config: AppConfig, kind: RulebookKind): number {
  return config.safetyApprovalsRequired[kind] ?? 0;
}

/**
 * What a version needs (fixed at submission; for a draft, what submitting would fix now) and what is still missing of
 * it: approvals of the current content hash, distinct and by a clinical safety officer (a safety officer's approval
 * counts toward both). Nothing is missing once the version is neither a draft nor in review.
 * @param approvals the version's approvals (any content hash)
 */
export function approvalNeeds(config: AppConfig, row: VersionRow, kind: RulebookKind, approvals: readonly ApprovalRow[]): ApprovalNeeds {
  const draft = row.status === 'draft';
  const required = draft ? approvalsRequired(config, kind) : row.approvals_required ?? approvalsRequired(config, kind);
  const safetyRequired = draft ? safetyApprovalsRequired(config, kind) : row.safety_approvals_required;
  if (row.status !== 'draft' && row.status !== 'in_review') return { required, safetyRequired, approvals: 0, safety: 0 };
  const current = approvals.filter((a) => a.content_hash === row.content_hash);
  return {
    required,
    safetyRequired,
    approvals: Math.max(0, required - current.length),
    safety: Math.max(0, safetyRequired - current.filter((a) => a.as_safety_officer).length),
  };
}
