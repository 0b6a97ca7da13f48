import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ProblemPointerItem } from '../common/api-docs.js';
import type { ImpactReport } from './impact-simulation.js';
import type { RulebookHistoryAction } from '../rulebooks/rulebook-history.entity.js';
import { RULEBOOK_KINDS, type RulebookDocument, type RulebookKind } from '../rulebooks/rulebook.types.js';
import type { JsonPatchOperation, RulebookDiff } from './rulebook-diff.js';
import type {
  ActivePeriodView, ApprovalView, HistoryEntryView, HistoryPageView, RulebookHistoryStatus, RulebookSummaryView, RulebookVersionState,
  SubmittedVersionView, VersionDetailView, VersionSummaryView,
} from './rulebook-governance.types.js';

/*
 * OpenAPI schemas of the governance API's answers (`/openapi.json`), documentation only: the services build plain
 * objects of the view types, and each class here `implements` its view so that the documented fields cannot drift
 * from what is sent.
 */

const STATES: RulebookVersionState[] = ['draft', 'in_review', 'approved', 'active', 'rejected', 'retired'];
const HISTORY_STATUSES: RulebookHistoryStatus[] = [...STATES, 'scheduled'];
const ACTIONS: RulebookHistoryAction[] = ['import', 'bootstrap', 'create', 'update', 'submit', 'approve', 'reject', 'activate', 'rollback', 'retire', 'supersede'];
const HASH = { example: 'sha256:9f2c4e0b1d6a7c3e5f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e', description: 'sha256 of the RFC 8785 canonical JSON of the document.' };
const INSTANT = { example: '2026-12-01T07:00:00.000Z', description: 'RFC 3339 UTC.' };

/** A period of the activation timeline. */
export class ActivePeriodResponse implements ActivePeriodView {
  @ApiProperty({ example: '1.2.0' }) version!: string;
  @ApiProperty({ type: String, nullable: true, ...INSTANT, description: 'Start (inclusive), RFC 3339 UTC; null: since always (a bundled version).' }) from!: string | null;
  @ApiProperty({ type: String, nullable: true, ...INSTANT, description: 'End (exclusive), RFC 3339 UTC; null: open.' }) until!: string | null;
}

/** One approval of a version. */
export class ApprovalResponse implements ApprovalView {
  @ApiProperty({ example: 'dev-approver' }) approver!: string;
  @ApiProperty({ ...HASH, description: 'The content hash the approver reviewed.' }) contentHash!: string;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty(INSTANT) approvedAt!: string;
  @ApiProperty({ description: 'Given by a clinical safety officer (safety:approve); it also counts as one of the distinct approvals.' }) asSafetyOfficer!: boolean;
}

/** The problem a refused attempt got. */
export class HistoryProblemResponse {
  @ApiProperty({ example: 409 }) status!: number;
  @ApiProperty({ example: 'ROLLBACK_TARGET_INVALID' }) code!: string;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional({ type: [ProblemPointerItem] }) errors?: ProblemPointerItem[];
}

/** One entry of the governance history. */
export class HistoryEntryResponse implements HistoryEntryView {
  @ApiProperty({ example: 42, description: 'Increasing; `after` pages by it.' }) id!: number;
  @ApiProperty(INSTANT) at!: string;
  @ApiProperty({ example: 'ed-triage' }) rulebook!: string;
  @ApiProperty({ type: String, nullable: true, example: '1.2.0' }) version!: string | null;
  @ApiProperty({ enum: ACTIONS }) action!: RulebookHistoryAction;
  @ApiProperty({ enum: ['done', 'refused'] }) outcome!: 'done' | 'refused';
  @ApiProperty({ example: 'dev-approver', description: 'The token subject who acted.' }) actor!: string;
  @ApiProperty({ example: 'rulebook:approve', description: 'The role acted in; for a refusal for want of a role, the roles held.' }) role!: string;
  @ApiProperty({ type: String, enum: [...HISTORY_STATUSES, null], nullable: true, description: 'The version\'s state before (for a refusal: when refused).' }) fromStatus!: RulebookHistoryStatus | null;
  @ApiProperty({ type: String, enum: [...HISTORY_STATUSES, null], nullable: true, description: 'The state after (for a refusal: asked for); `scheduled` for an activation at a future instant.' })
  toStatus!: RulebookHistoryStatus | null;

  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ type: String, nullable: true, ...HASH }) contentHash!: string | null;
  @ApiProperty({ type: String, nullable: true, ...INSTANT, description: 'For an activation: when it takes effect (RFC 3339 UTC, or -infinity for a bundled one).' })
  effectiveFrom!: string | null;

  @ApiProperty({ type: HistoryProblemResponse, nullable: true, description: 'For a refused attempt: the problem the caller received.' })
  problem!: HistoryProblemResponse | null;
}

/** A page of the governance history. */
export class HistoryPageResponse implements HistoryPageView {
  @ApiProperty({ example: 'ed-triage' }) rulebook!: string;
  @ApiProperty({ type: [HistoryEntryResponse], description: 'Oldest first.' }) entries!: HistoryEntryResponse[];
  @ApiProperty({ type: String, nullable: true, example: '/v1/rulebooks/ed-triage/history?after=500&limit=500', description: 'The next page; null on the last.' })
  next!: string | null;
}

/** A version without its document. */
export class VersionSummaryResponse implements VersionSummaryView {
  @ApiProperty({ example: 'ed-triage' }) rulebook!: string;
  @ApiProperty({ example: '1.2.0' }) version!: string;
  @ApiProperty({ enum: [...RULEBOOK_KINDS] }) kind!: RulebookKind;
  @ApiProperty({ enum: STATES, description: '`active`: approved and in effect now.' }) status!: RulebookVersionState;
  @ApiProperty(HASH) contentHash!: string;
  @ApiProperty({ example: 'api', description: '`bundled` (rulebooks/ folder) or `api`.' }) provenance!: string;
  @ApiProperty({ type: String, nullable: true, example: '1.1.0', description: 'The version it was copied from.' }) basedOn!: string | null;
  @ApiProperty({ example: 'dev-author' }) createdBy!: string;
  @ApiProperty(INSTANT) createdAt!: string;
  @ApiProperty(INSTANT) updatedAt!: string;
  @ApiProperty({ type: [String], description: 'Who created or edited it (none of them may approve it).' }) editors!: string[];
  @ApiProperty({ type: String, nullable: true }) submittedBy!: string | null;
  @ApiProperty({ type: String, nullable: true, ...INSTANT }) submittedAt!: string | null;
  @ApiProperty({ example: 2, description: 'Distinct approvals of the content hash needed (fixed at submission).' }) approvalsRequired!: number;
  @ApiProperty({ example: 1, description: 'Of those, by a clinical safety officer.' }) safetyApprovalsRequired!: number;
  @ApiProperty({ example: 1, description: 'Approvals still missing while in review.' }) approvalsNeeded!: number;
  @ApiProperty({ example: 0, description: 'Safety-officer approvals still missing while in review.' }) safetyApprovalsNeeded!: number;
  @ApiProperty({ type: [ApprovalResponse] }) approvals!: ApprovalResponse[];
  @ApiProperty({ type: [ActivePeriodResponse], description: 'Every period in which it was, is or is scheduled to be active.' }) activePeriods!: ActivePeriodResponse[];
}

/** A version with its document and its history. */
export class VersionDetailResponse extends VersionSummaryResponse implements VersionDetailView {
  @ApiProperty({ type: Object, description: 'The rulebook document (src/rulebooks/schema/rulebook.schema.json).' }) document!: RulebookDocument;
  @ApiProperty({ type: [HistoryEntryResponse], description: 'This version\'s history, oldest first.' }) history!: HistoryEntryResponse[];
}

/** What the quality gate ran on submission. */
export class QualityGateSummaryResponse {
  @ApiProperty({ example: 24 }) scenarios!: number;
  @ApiProperty({ example: 24 }) passed!: number;
}

/** A version just submitted. */
export class SubmittedVersionResponse extends VersionDetailResponse implements SubmittedVersionView {
  @ApiProperty({ type: QualityGateSummaryResponse }) qualityGate!: QualityGateSummaryResponse;
}

/** The version of a rulebook active now. */
export class ActiveVersionResponse {
  @ApiProperty({ example: '1.1.0' }) version!: string;
  @ApiProperty(HASH) contentHash!: string;
  @ApiProperty({ type: String, nullable: true, ...INSTANT, description: 'null: since always.' }) since!: string | null;
}

/** A version's state, in the list of rulebooks. */
export class VersionStateResponse {
  @ApiProperty({ example: '1.1.0' }) version!: string;
  @ApiProperty({ enum: STATES }) status!: RulebookVersionState;
}

/** A rulebook with its active version. */
export class RulebookSummaryResponse implements RulebookSummaryView {
  @ApiProperty({ example: 'ed-triage' }) key!: string;
  @ApiProperty({ enum: [...RULEBOOK_KINDS] }) kind!: RulebookKind;
  @ApiProperty({ example: 'Emergency department triage' }) title!: string;
  @ApiProperty({ type: ActiveVersionResponse, nullable: true }) activeVersion!: ActiveVersionResponse | null;
  @ApiProperty({ type: [ActivePeriodResponse], description: 'Activations scheduled after now.' }) scheduled!: ActivePeriodResponse[];
  @ApiProperty({ type: [VersionStateResponse] }) versions!: VersionStateResponse[];
  @ApiProperty({ example: 2 }) approvalsRequired!: number;
  @ApiProperty({ example: 1 }) safetyApprovalsRequired!: number;
}

/** Items of a named collection that were added, removed or changed. */
export class CollectionDiffResponse {
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: {} } } }) added!: { name: string; value: unknown }[];
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: {} } } }) removed!: { name: string; value: unknown }[];
  @ApiProperty({ type: 'array', description: 'Each with an RFC 6902 JSON Patch from the old item to the new one.',
    items: { type: 'object', properties: { name: { type: 'string' }, patch: { type: 'array', items: { type: 'object' } } } } })
  changed!: { name: string; patch: JsonPatchOperation[] }[];
}

/** The rules that differ, and whether the common ones run in another order. */
export class RulesDiffResponse extends CollectionDiffResponse {
  @ApiProperty({ description: 'Rules present in both versions run in another file order (it matters for FIRST and for ties).' }) reordered!: boolean;
}

/** The outcome policy's scores (by name) and fields (by path) that differ. */
export class OutcomeDiffResponse {
  @ApiProperty({ type: CollectionDiffResponse }) scores!: CollectionDiffResponse;
  @ApiProperty({ type: CollectionDiffResponse }) fields!: CollectionDiffResponse;
}

/** A version of the diff's ends. */
export class DiffEndResponse {
  @ApiProperty({ example: 'ed-triage' }) key!: string;
  @ApiProperty({ example: '1.1.0' }) version!: string;
  @ApiProperty(HASH) contentHash!: string;
}

/** The differences between two versions. */
export class RulebookDiffResponse implements RulebookDiff {
  @ApiProperty({ type: DiffEndResponse }) from!: DiffEndResponse;
  @ApiProperty({ type: DiffEndResponse }) to!: DiffEndResponse;
  @ApiProperty() identical!: boolean;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'RFC 6902 operations on kind, title, description, references.' }) metadata!: JsonPatchOperation[];
  @ApiProperty({ type: RulesDiffResponse, description: 'By rule name.' }) rules!: RulesDiffResponse;
  @ApiProperty({ type: CollectionDiffResponse, description: 'The fact catalog, by fact name.' }) facts!: RulebookDiff['facts'];
  @ApiProperty({ type: OutcomeDiffResponse }) outcome!: OutcomeDiffResponse;

  @ApiProperty({ type: CollectionDiffResponse, description: 'By scenario name.' }) scenarios!: RulebookDiff['scenarios'];
  @ApiProperty({ type: [String], example: ['Rule news2-respiratory-rate-3-high changed: /conditions/all/0/value: 24 -> 22.'] }) summary!: string[];
}

/** Which audited decisions were replayed. */
export class SimulationWindowResponse {
  @ApiProperty({ type: String, nullable: true, ...INSTANT, description: 'Decisions evaluated at or after this instant; null: no lower bound.' }) from!: string | null;
  @ApiProperty({ type: String, nullable: true, ...INSTANT, description: 'Decisions evaluated before this instant; null: no upper bound.' }) to!: string | null;
  @ApiProperty({ example: 1000, description: 'At most this many, the newest first.' }) last!: number;
}

/** The impact analysis report (the fields of `ImpactReport`, src/governance/impact-simulation.ts). */
export class ImpactReportResponse {
  @ApiProperty({ type: DiffEndResponse, description: 'The candidate.' }) rulebook!: ImpactReport['rulebook'];
  @ApiProperty({ type: SimulationWindowResponse }) window!: SimulationWindowResponse;

  @ApiProperty({ example: 1000, description: 'Decisions replayed.' }) decisions!: number;
  @ApiProperty({ description: 'More decisions matched than `last`.' }) truncated!: boolean;
  @ApiProperty({ example: 12 }) outcomeChanged!: number;
  @ApiProperty({ example: 988 }) unchanged!: number;
  @ApiProperty({ example: 0, description: 'Decisions whose recorded facts the candidate refuses.' }) refused!: number;
  @ApiProperty({ example: 0, description: 'Decisions whose evaluation fails under the candidate.' }) failed!: number;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '[{field, changed, examples: [{decisionId, before, after}]}]' }) byField!: ImpactReport['byField'];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '[{rule, nowFires, stopsFiring, examples: [{decisionId, firedBefore, firedAfter}]}]' })
  byRule!: ImpactReport['byRule'];

  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '[{decisionId, code, detail, errors?}]' }) refusals!: ImpactReport['refusals'];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '[{decisionId, message}]' }) failures!: ImpactReport['failures'];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Decisions replayed per stored version that made them.' })
  versionsReplayed!: ImpactReport['versionsReplayed'];
}
