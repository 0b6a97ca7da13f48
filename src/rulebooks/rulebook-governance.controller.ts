import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedRequest, RequireRoles } from '../auth/auth.guard.js';
import { validationFailed } from '../common/domain-error.js';
import { QueryParams } from '../common/query-params.js';
import { parseRfc3339 } from '../common/rfc3339.js';
import type { ImpactReport } from '../decisions/impact-simulation.js';
import type { RulebookDiff } from './rulebook-diff.js';
import {
  ActivateDto, ApproveDto, BodyPipe, CopyVersionDto, DraftSourcePipe, RejectDto, RetireDto, RollbackDto, RulebookDocumentPipe, SimulateDto, SubmitDto,
} from './rulebook-governance.dto.js';
import { type DraftSource, RulebookGovernanceService } from './rulebook-governance.service.js';
import type { HistoryEntryView, RulebookSummaryView, VersionDetailView, VersionSummaryView } from './rulebook-governance.types.js';
import type { RulebookDocument } from './rulebook.types.js';

const PROBLEM = { description: 'RFC 9457 problem details (application/problem+json)' };
const READERS = ['rulebook:author', 'rulebook:approve', 'audit:read'] as const;
const KEY = { name: 'key', example: 'ed-triage', description: 'Rulebook key.' };
const VERSION = { name: 'version', example: '1.1.0', description: 'Version (semver).' };
const REFUSED = 'Refused attempts (403, 409, 422) are recorded in the governance history.';

/**
 * Rulebook governance API under `/v1/rulebooks`, as rulebooks/GOVERNANCE.md describes it: list, read, draft, submit, approve, reject, activate,
 * roll back, retire, diff, simulate, history. Mutations need a valid token; the role is checked by the service so that
 * a refused attempt is recorded in the history.
 */
@ApiTags('rulebooks')
@ApiBearerAuth()
@ApiExtraModels(CopyVersionDto)
@Controller('v1/rulebooks')
export class RulebookGovernanceController {
  constructor(private readonly governance: RulebookGovernanceService) {}

  @Get()
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'List rulebooks with their active version', description: 'Roles: rulebook:author, rulebook:approve or audit:read.' })
  @ApiResponse({ status: 200, description: '[{key, kind, title, activeVersion: {version, contentHash, since}|null, scheduled: [{version, from, until}], versions: [{version, status}], approvalsRequired, safetyApprovalsRequired}]' })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  list(): Promise<RulebookSummaryView[]> {
    return this.governance.listRulebooks();
  }

  @Get(':key/versions')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'List the versions of a rulebook', description: 'Status (draft, in_review, approved, active, rejected, retired), content hash, editors, approvals (each with asSafetyOfficer), approvalsRequired and safetyApprovalsRequired (fixed at submission), approvalsNeeded and safetyApprovalsNeeded (what is still missing while in review) and activation periods of each version.' })
  @ApiParam(KEY)
  @ApiResponse({ status: 200, description: 'The versions, oldest first.' })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM })
  versions(@Param('key') key: string): Promise<VersionSummaryView[]> {
    return this.governance.listVersions(key);
  }

  @Get(':key/versions/:version')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'Read a version: its document, status, approvals, periods and history' })
  @ApiParam(KEY) @ApiParam(VERSION)
  @ApiResponse({ status: 200, description: 'The version with `document` and `history`.' })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM })
  version(@Param('key') key: string, @Param('version') version: string): Promise<VersionDetailView> {
    return this.governance.getVersion(key, version);
  }

  @Post(':key/versions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a draft', description: `Role rulebook:author. Body: a whole rulebook document (its key must be the path key; a new key creates the rulebook), or {copyOf, version} to start from a copy of a stored version. ${REFUSED}` })
  @ApiParam(KEY)
  @ApiBody({ description: 'A rulebook document (see src/rulebooks/schema/rulebook.schema.json) or CopyVersionDto.', schema: { oneOf: [{ type: 'object', description: 'rulebook document' }, { $ref: '#/components/schemas/CopyVersionDto' }] } })
  @ApiResponse({ status: 201, description: 'The draft (Location: /v1/rulebooks/{key}/versions/{version}).' })
  @ApiResponse({ status: 400, description: 'Schema violation, with a pointer per problem; key or version not matching.' })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM })
  @ApiResponse({ status: 409, description: 'VERSION_EXISTS.' }) @ApiResponse({ status: 422, description: 'KIND_MISMATCH.' })
  async create(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('key') key: string,
    @Body(DraftSourcePipe) source: unknown): Promise<VersionDetailView> {
    const created = await this.governance.createDraft(request.principal, key, source as DraftSource);
    void reply.header('Location', `/v1/rulebooks/${created.rulebook}/versions/${created.version}`);
    return created;
  }

  @Put(':key/versions/:version')
  @ApiOperation({ summary: 'Update a draft', description: `Role rulebook:author. Replaces the whole document of a draft; the caller becomes one of its editors, who cannot approve it. A submitted version is frozen: 409 VERSION_NOT_DRAFT. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION)
  @ApiBody({ description: 'The whole rulebook document; key and version must match the path.', schema: { type: 'object' } })
  @ApiResponse({ status: 200, description: 'The draft.' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM }) @ApiResponse({ status: 422, ...PROBLEM })
  update(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(RulebookDocumentPipe) document: unknown): Promise<VersionDetailView> {
    return this.governance.updateDraft(request.principal, key, version, document as RulebookDocument);
  }

  @Post(':key/versions/:version/submit')
  @HttpCode(200)
  @ApiOperation({ summary: 'Submit a draft for review (quality gate)',
    description: `Role rulebook:author. The quality gate checks the rulebook schema; that every fact a rule or the outcome policy uses is declared with a matching type; only known operators; the static checks of the rules (no overlapping bands among rules that score one parameter or set one UNIQUE field, no one-value gap between bands, no rule that can never fire, no outcome field that no rule sets); that every rule is fired by at least one scenario; and that every scenario passes. On success the content is frozen and identified by its content hash. A failing gate is 422 QUALITY_GATE_FAILED listing every problem with a JSON Pointer into the rulebook document. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: SubmitDto, required: false })
  @ApiResponse({ status: 200, description: 'The version, now in_review, with qualityGate {scenarios, passed}.' })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM })
  @ApiResponse({ status: 409, ...PROBLEM }) @ApiResponse({ status: 422, ...PROBLEM })
  submit(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(new BodyPipe(SubmitDto)) body: unknown) {
    return this.governance.submit(request.principal, key, version, (body as SubmitDto).comment);
  }

  @Post(':key/versions/:version/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a version in review',
    description: `Role rulebook:approve. Bound to the content hash the approver reviewed (409 CONTENT_HASH_MISMATCH otherwise). Nobody approves a version they created or edited (403 SELF_APPROVAL_FORBIDDEN). An approver who also holds safety:approve (the clinical safety officer) approves as safety officer: that approval counts as one of the distinct approvals and as a safety-officer approval. With the number of distinct approvals its kind needs (APPROVALS_REQUIRED; triage 2, others 1) and, of those, the safety-officer approvals it needs (SAFETY_APPROVALS_REQUIRED; triage 1, others 0), both fixed at submission, the version becomes approved; until then it stays in_review and approvalsNeeded / safetyApprovalsNeeded say what is missing. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: ApproveDto })
  @ApiResponse({ status: 200, description: 'The version (in_review until enough approvals and safety-officer approvals, then approved).' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM })
  approve(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(new BodyPipe(ApproveDto)) body: unknown): Promise<VersionDetailView> {
    const { contentHash, comment } = body as ApproveDto;
    return this.governance.approve(request.principal, key, version, contentHash, comment);
  }

  @Post(':key/versions/:version/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a version in review (comment required)', description: `Role rulebook:approve. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: RejectDto })
  @ApiResponse({ status: 200, description: 'The version, now rejected.' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM })
  reject(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(new BodyPipe(RejectDto)) body: unknown): Promise<VersionDetailView> {
    return this.governance.reject(request.principal, key, version, (body as RejectDto).comment);
  }

  @Post(':key/versions/:version/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate an approved version, now or at a future effectiveFrom',
    description: `Role rulebook:approve. Only approved versions (409 VERSION_NOT_APPROVED; for a version in review the detail says which approvals it still lacks). Decisions whose asOf is at or after effectiveFrom use this version; earlier asOf keep the version active then. An activation decides the timeline from its instant on: activations scheduled at or after it are superseded (recorded). Exactly one version is active at every instant (enforced by the database). ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: ActivateDto, required: false })
  @ApiResponse({ status: 200, description: 'The version with its activation periods.' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM }) @ApiResponse({ status: 422, description: 'EFFECTIVE_FROM_NOT_IN_FUTURE.' })
  activate(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(new BodyPipe(ActivateDto)) body: unknown): Promise<VersionDetailView> {
    const { effectiveFrom, comment } = body as ActivateDto;
    return this.governance.activate(request.principal, key, version, effectiveFrom === undefined ? undefined : instantOrThrow(effectiveFrom, '/effectiveFrom'), comment);
  }

  @Post(':key/versions/:version/rollback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Roll back to an earlier version (comment required)',
    description: `Role rulebook:approve. Activates, now, an approved version that was active before (409 ROLLBACK_TARGET_INVALID otherwise). ${REFUSED}` })
  @ApiParam(KEY) @ApiParam({ ...VERSION, example: '1.0.0', description: 'The version to return to.' }) @ApiBody({ type: RollbackDto })
  @ApiResponse({ status: 200, description: 'The version, active again.' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM })
  rollback(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(new BodyPipe(RollbackDto)) body: unknown): Promise<VersionDetailView> {
    return this.governance.rollback(request.principal, key, version, (body as RollbackDto).comment);
  }

  @Post(':key/versions/:version/retire')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retire an approved version that is neither active nor scheduled',
    description: `Role rulebook:approve. A retired version never evaluates again (409 VERSION_IN_USE while active or scheduled). ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: RetireDto, required: false })
  @ApiResponse({ status: 200, description: 'The version, now retired.' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM })
  retire(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(new BodyPipe(RetireDto)) body: unknown): Promise<VersionDetailView> {
    return this.governance.retire(request.principal, key, version, (body as RetireDto).comment);
  }

  @Get(':key/versions/:version/diff')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'Differences from another version',
    description: 'Rules added, removed and changed (an RFC 6902 JSON Patch per changed rule), fact catalog, scores, outcome fields and scenarios, and a readable summary. Base: ?from, else the version this one was copied from, else the version active now.' })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiQuery({ name: 'from', required: false, example: '1.0.0' })
  @ApiResponse({ status: 200, description: '{from, to, identical, metadata, rules: {added, removed, changed: [{name, patch}], reordered}, facts, outcome: {scores, fields}, scenarios, summary}' })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM })
  diff(@Param('key') key: string, @Param('version') version: string, @Query('from') from?: unknown): Promise<RulebookDiff> {
    const params = new QueryParams({ from });
    const base = params.text('from');
    params.throwIfInvalid();
    return this.governance.diff(key, version, base);
  }

  @Post(':key/versions/:version/simulate')
  @HttpCode(200)
  @RequireRoles('rulebook:author', 'rulebook:approve')
  @ApiOperation({ summary: 'Impact analysis on past decisions',
    description: 'Re-evaluates this version on the recorded request and FHIR facts of audited decisions of the rulebook (evaluated in [from, to), the newest `last`, default 1000) and reports how many outcomes would change, per outcome field and per rule, with example decision ids. Writes nothing. Roles: rulebook:author or rulebook:approve.' })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: SimulateDto, required: false })
  @ApiResponse({ status: 200, description: '{rulebook, window, decisions, truncated, outcomeChanged, unchanged, refused, failed, byField, byRule, refusals, failures, versionsReplayed}' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 422, ...PROBLEM })
  simulate(@Param('key') key: string, @Param('version') version: string, @Body(new BodyPipe(SimulateDto)) body: unknown): Promise<ImpactReport> {
    const dto = body as SimulateDto;
    const from = dto.from === undefined ? undefined : instantOrThrow(dto.from, '/from');
    const to = dto.to === undefined ? undefined : instantOrThrow(dto.to, '/to');
    if (from && to && from.getTime() >= to.getTime()) throw validationFailed('from must be before to.', [{ pointer: '/to', message: 'must be after from' }]);
    return this.governance.simulate(key, version, { from, to, last: dto.last ?? 1000, examples: dto.examples ?? 5 });
  }

  @Get(':key/history')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'Governance history of a rulebook',
    description: 'Every transition and every refused attempt, oldest first: actor, role, from and to status, comment, content hash, effective instant, time, and for a refusal the problem returned. Append-only. Roles: audit:read, rulebook:author or rulebook:approve.' })
  @ApiParam(KEY)
  @ApiQuery({ name: 'version', required: false }) @ApiQuery({ name: 'after', required: false, description: 'Entries with a larger id (paging).' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 500.' })
  @ApiResponse({ status: 200, description: '{rulebook, entries: [...], next: url|null}' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM })
  history(@Param('key') key: string, @Query('version') version?: unknown, @Query('after') after?: unknown, @Query('limit') limit?: unknown): Promise<{ rulebook: string; entries: HistoryEntryView[]; next: string | null }> {
    const params = new QueryParams({ version, after, limit });
    const versionText = params.text('version');
    const afterId = params.integer('after', 0) ?? 0;
    const limitN = params.integer('limit', 1, 1000) ?? 500;
    params.throwIfInvalid();
    return this.governance.history(key, { version: versionText, after: afterId, limit: limitN });
  }
}

/** An RFC 3339 string (already checked by the DTO) as a Date. @throws DomainError 400 when it names no real instant */
function instantOrThrow(text: string, pointer: string): Date {
  const date = parseRfc3339(text);
  if (!date) throw validationFailed(`${pointer.slice(1)} is not a valid instant.`, [{ pointer, message: 'must be a valid RFC 3339 date-time' }]);
  return date;
}
