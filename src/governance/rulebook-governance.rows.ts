import type { RulebookVersionStatus } from '../rulebooks/rulebook-version.entity.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import type { ActivePeriodView, RulebookVersionState } from './rulebook-governance.types.js';

/*
 * The governance tables as node-postgres returns their rows (migrations 1795100000000-RulebookGovernance and
 * 1795300000000-SafetyOfficerApproval), and the conversions every governance read shares.
 */

/** A row of `rulebook_version`. */
export interface VersionRow {
  id: string;
  rulebook_key: string;
  version: string;
  status: RulebookVersionStatus;
  content: RulebookDocument;
  content_hash: string;
  provenance: string;
  created_by: string;
  created_at: Date;
  based_on: string | null;
  editors: string[];
  approvals_required: number | null;
  safety_approvals_required: number;
  submitted_by: string | null;
  submitted_at: Date | null;
  updated_at: Date;
}

/** A timestamptz as node-postgres returns it: a Date, or the number ±Infinity for ±infinity. */
export type Timestamp = Date | number;

/** A period of `rulebook_active_period`: `version` is active from `valid_from` (inclusive) until `valid_until` (exclusive). */
export interface PeriodRow {
  version: string;
  valid_from: Timestamp;
  valid_until: Timestamp;
}

/** A row of `rulebook_approval`. */
export interface ApprovalRow {
  version_id: string;
  approver: string;
  content_hash: string;
  comment: string | null;
  approved_at: Date;
  as_safety_officer: boolean;
}

/** Epoch milliseconds of a timestamptz (±Infinity for ±infinity). */
export function time(value: Timestamp): number {
  return typeof value === 'number' ? value : value.getTime();
}

/** RFC 3339 UTC (`2026-12-01T07:00:00.000Z`), or null for null and for an infinite instant. */
export function instant(value: Timestamp | null): string | null {
  if (value === null) return null;
  const t = time(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Whether the period contains the instant `t` (epoch milliseconds): from <= t < until. */
export function contains(period: PeriodRow, t: number): boolean {
  return time(period.valid_from) <= t && t < time(period.valid_until);
}

/** A period as the API shows it (`from` null: since always; `until` null: open). */
export function periodView(period: PeriodRow): ActivePeriodView {
  return { version: period.version, from: instant(period.valid_from), until: instant(period.valid_until) };
}

/** The state a caller sees: the stored status, or `active` for an approved version whose period contains now. */
export function versionState(status: RulebookVersionStatus, activeNow: boolean): RulebookVersionState {
  return status === 'approved' && activeNow ? 'active' : status;
}
