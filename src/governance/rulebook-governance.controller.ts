import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedRequest, RequireRoles } from '../auth/auth.guard.js';
import { ApiCreated, ApiOk, ApiProblems } from '../common/api-docs.js';
import { validationFailed } from '../common/domain-error.js';
import { QueryParams } from '../common/query-params.js';
import { parseRfc3339 } from '../common/rfc3339.js';
import type { ImpactReport } from './impact-simulation.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import type { RulebookDiff } from './rulebook-diff.js';
import { RulebookGovernanceQueryService } from './rulebook-governance-query.service.js';
import {
  ActivateDto, ApproveDto, CopyVersionDto, DraftSourcePipe, RejectDto, RetireDto, RollbackDto, RulebookDocumentPipe, SimulateDto, SubmitDto,
} from './rulebook-governance.dto.js';
import {
  HistoryPageResponse, ImpactReportResponse, RulebookDiffResponse, RulebookSummaryResponse, SubmittedVersionResponse, VersionDetailResponse,
  VersionSummaryResponse,
} from './rulebook-governance.responses.js';
import type {
  DraftSource, HistoryPageView, RulebookSummaryView, SubmittedVersionView, VersionDetailView, VersionSummaryView,
} from './rulebook-governance.types.js';
import { RulebookLifecycleService } from './rulebook-lifecycle.service.js';

const READERS = ['rulebook:author', 'rulebook:approve', 'audit:read'] as const;
const KEY = { name: 'key', example: 'ed-triage', description: 'Rulebook key.' };
const VERSION = { name: 'version', example: '1.1.0', description: 'Version (semver).' };
const REFUSED = 'Refused attempts (403, 409, 422) are recorded in the governance history.';
const LOCATION = { Location: { description: '/v1/rulebooks/{key}/versions/{version}', schema: { type: 'string' } } } as const;

/**
 * Rulebook governance API under `/v1/rulebooks`, as rulebooks/GOVERNANCE.md describes it: list, read, draft, submit,
 * approve, reject, activate, roll back, retire, diff, simulate, history. Mutations need a valid token; the role is
 * checked by the lifecycle service so that a refused attempt is recorded in the history. Action bodies are DTOs the
 * global validation pipe checks (400 `VALIDATION_FAILED` with a pointer per field).
 */
@ApiTags('rulebooks')
@ApiBearerAuth()
@ApiExtraModels(CopyVersionDto)
@ApiProblems(401)
@Controller('v1/rulebooks')
export class RulebookGovernanceController {
  constructor(
    private readonly queries: RulebookGovernanceQueryService,
    private readonly lifecycle: RulebookLifecycleService,
  ) {}

  @Get()
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'List rulebooks with their active version', description: 'Roles: rulebook:author, rulebook:approve or audit:read.' })
  @ApiOk(RulebookSummaryResponse, { isArray: true, description: 'Every rulebook with its active version, scheduled activations, versions and the approvals its kind needs.' })
  @ApiProblems(403)
  list(): Promise<RulebookSummaryView[]> {
    return this.queries.listRulebooks();
  }

  @Get(':key/versions')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'List the versions of a rulebook', description: 'Status (draft, in_review, approved, active, rejected, retired), content hash, editors, approvals (each with asSafetyOfficer), approvalsRequired and safetyApprovalsRequired (fixed at submission), approvalsNeeded and safetyApprovalsNeeded (what is still missing while in review) and activation periods of each version.' })
  @ApiParam(KEY)
  @ApiOk(VersionSummaryResponse, { isArray: true, description: 'The versions, oldest first.' })
  @ApiProblems(403, { status: 404, description: 'RULEBOOK_NOT_FOUND.' })
  versions(@Param('key') key: string): Promise<VersionSummaryView[]> {
    return this.queries.listVersions(key);
  }

  @Get(':key/versions/:version')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'Read a version: its document, status, approvals, periods and history' })
  @ApiParam(KEY) @ApiParam(VERSION)
  @ApiOk(VersionDetailResponse, { description: 'The version with `document` and `history`.' })
  @ApiProblems(403, { status: 404, description: 'RULEBOOK_NOT_FOUND or RULEBOOK_VERSION_NOT_FOUND.' })
  version(@Param('key') key: string, @Param('version') version: string): Promise<VersionDetailView> {
    return this.queries.getVersion(key, version);
  }

  @Post(':key/versions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a draft', description: `Role rulebook:author. Body: a whole rulebook document (its key must be the path key; a new key creates the rulebook), or {copyOf, version} to start from a copy of a stored version. ${REFUSED}` })
  @ApiParam(KEY)
  @ApiBody({ description: 'A rulebook document (see src/rulebooks/schema/rulebook.schema.json) or CopyVersionDto.', schema: { oneOf: [{ type: 'object', description: 'rulebook document' }, { $ref: '#/components/schemas/CopyVersionDto' }] } })
  @ApiCreated(VersionDetailResponse, { description: 'The draft.', headers: LOCATION })
  @ApiProblems({ status: 400, description: 'Schema violation, with a pointer per problem; key or version not matching the path.' }, 403,
    { status: 404, description: 'Copy of an unknown version.' }, { status: 409, description: 'VERSION_EXISTS.' }, { status: 422, description: 'KIND_MISMATCH.' })
  async create(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('key') key: string,
    @Body(DraftSourcePipe) source: DraftSource): Promise<VersionDetailView> {
    const created = await this.lifecycle.createDraft(request.principal, key, source);
    void reply.header('Location', `/v1/rulebooks/${created.rulebook}/versions/${created.version}`);
    return created;
  }

  @Put(':key/versions/:version')
  @ApiOperation({ summary: 'Update a draft', description: `Role rulebook:author. Replaces the whole document of a draft; the caller becomes one of its editors, who cannot approve it. A submitted version is frozen: 409 VERSION_NOT_DRAFT. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION)
  @ApiBody({ description: 'The whole rulebook document; key and version must match the path.', schema: { type: 'object' } })
  @ApiOk(VersionDetailResponse, { description: 'The draft.' })
  @ApiProblems(400, 403, 404, { status: 409, description: 'VERSION_NOT_DRAFT.' }, { status: 422, description: 'KIND_MISMATCH.' })
  update(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body(RulebookDocumentPipe) document: RulebookDocument): Promise<VersionDetailView> {
    return this.lifecycle.updateDraft(request.principal, key, version, document);
  }

  @Post(':key/versions/:version/submit')
  @HttpCode(200)
  @ApiOperation({ summary: 'Submit a draft for review (quality gate)',
    description: `Role rulebook:author. The quality gate checks the rulebook schema; that every fact a rule or the outcome policy uses is declared with a matching type; only known operators; the static checks of the rules (no overlapping bands among rules that score one parameter or set one UNIQUE field, no one-value gap between bands, no rule that can never fire, no outcome field that no rule sets); that every rule is fired by at least one scenario; and that every scenario passes. On success the content is frozen and identified by its content hash. A failing gate is 422 QUALITY_GATE_FAILED listing every problem with a JSON Pointer into the rulebook document. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: SubmitDto, required: false })
  @ApiOk(SubmittedVersionResponse, { description: 'The version, now in_review, with qualityGate {scenarios, passed}.' })
  @ApiProblems(400, 403, 404, { status: 409, description: 'INVALID_TRANSITION (not a draft).' }, { status: 422, description: 'QUALITY_GATE_FAILED, a pointer per problem.' })
  submit(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body() body: SubmitDto): Promise<SubmittedVersionView> {
    return this.lifecycle.submit(request.principal, key, version, body.comment);
  }

  @Post(':key/versions/:version/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a version in review',
    description: `Role rulebook:approve. Bound to the content hash the approver reviewed (409 CONTENT_HASH_MISMATCH otherwise). Separation of duties: nobody approves a version they created, edited or submitted, or one copied (directly or through copies) from a version they created or edited (403 SEPARATION_OF_DUTIES, the detail naming the conflicting duty). An approver who also holds safety:approve (the clinical safety officer) approves as safety officer: that approval counts as one of the distinct approvals and as a safety-officer approval. With the number of distinct approvals its kind needs (APPROVALS_REQUIRED; triage 2, others 1) and, of those, the safety-officer approvals it needs (SAFETY_APPROVALS_REQUIRED; triage 1, others 0), both fixed at submission, the version becomes approved; until then it stays in_review and approvalsNeeded / safetyApprovalsNeeded say what is missing. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: ApproveDto })
  @ApiOk(VersionDetailResponse, { description: 'The version (in_review until enough approvals and safety-officer approvals, then approved).' })
  @ApiProblems(400, { status: 403, description: 'FORBIDDEN or SEPARATION_OF_DUTIES.' }, 404,
    { status: 409, description: 'INVALID_TRANSITION, CONTENT_HASH_MISMATCH or ALREADY_APPROVED.' })
  approve(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body() body: ApproveDto): Promise<VersionDetailView> {
    return this.lifecycle.approve(request.principal, key, version, body.contentHash, body.comment);
  }

  @Post(':key/versions/:version/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a version in review (comment required)', description: `Role rulebook:approve. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: RejectDto })
  @ApiOk(VersionDetailResponse, { description: 'The version, now rejected.' })
  @ApiProblems(400, 403, 404, { status: 409, description: 'INVALID_TRANSITION (not in review).' })
  reject(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body() body: RejectDto): Promise<VersionDetailView> {
    return this.lifecycle.reject(request.principal, key, version, body.comment);
  }

  @Post(':key/versions/:version/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate an approved version, now or at a future effectiveFrom',
    description: `Role rulebook:approve. Only approved versions (409 VERSION_NOT_APPROVED; for a version in review the detail says which approvals it still lacks). Decisions whose asOf is at or after effectiveFrom use this version; earlier asOf keep the version active then. An activation decides the timeline from its instant on: activations scheduled at or after it are superseded (recorded). Exactly one version is active at every instant (enforced by the database). The history records an activation at a future instant as approved -> scheduled, with its effectiveFrom. ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: ActivateDto, required: false })
  @ApiOk(VersionDetailResponse, { description: 'The version with its activation periods.' })
  @ApiProblems(400, 403, 404, { status: 409, description: 'VERSION_NOT_APPROVED or ALREADY_ACTIVE.' }, { status: 422, description: 'EFFECTIVE_FROM_NOT_IN_FUTURE.' })
  activate(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body() body: ActivateDto): Promise<VersionDetailView> {
    const effectiveFrom = body.effectiveFrom === undefined ? undefined : instantOrThrow(body.effectiveFrom, '/effectiveFrom');
    return this.lifecycle.activate(request.principal, key, version, effectiveFrom, body.comment);
  }

  @Post(':key/versions/:version/rollback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Roll back to an earlier version (comment required)',
    description: `Role rulebook:approve. Activates, now, an approved version that was active before (409 ROLLBACK_TARGET_INVALID otherwise). ${REFUSED}` })
  @ApiParam(KEY) @ApiParam({ ...VERSION, example: '1.0.0', description: 'The version to return to.' }) @ApiBody({ type: RollbackDto })
  @ApiOk(VersionDetailResponse, { description: 'The version, active again.' })
  @ApiProblems(400, 403, 404, { status: 409, description: 'VERSION_NOT_APPROVED or ROLLBACK_TARGET_INVALID.' })
  rollback(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body() body: RollbackDto): Promise<VersionDetailView> {
    return this.lifecycle.rollback(request.principal, key, version, body.comment);
  }

  @Post(':key/versions/:version/retire')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retire an approved version that is neither active nor scheduled',
    description: `Role rulebook:approve. A retired version never evaluates again (409 VERSION_IN_USE while active or scheduled). ${REFUSED}` })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: RetireDto, required: false })
  @ApiOk(VersionDetailResponse, { description: 'The version, now retired.' })
  @ApiProblems(400, 403, 404, { status: 409, description: 'INVALID_TRANSITION or VERSION_IN_USE.' })
  retire(@Req() request: AuthenticatedRequest, @Param('key') key: string, @Param('version') version: string,
    @Body() body: RetireDto): Promise<VersionDetailView> {
    return this.lifecycle.retire(request.principal, key, version, body.comment);
  }

  @Get(':key/versions/:version/diff')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'Differences from another version',
    description: 'Rules added, removed and changed (an RFC 6902 JSON Patch per changed rule), fact catalog, scores, outcome fields and scenarios, and a readable summary. Base: ?from, else the version this one was copied from, else the version active now.' })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiQuery({ name: 'from', required: false, example: '1.0.0' })
  @ApiOk(RulebookDiffResponse, { description: 'The differences from the base version to this one.' })
  @ApiProblems(400, 403, 404, { status: 409, description: 'NO_BASE_VERSION.' })
  diff(@Param('key') key: string, @Param('version') version: string, @Query('from') from?: unknown): Promise<RulebookDiff> {
    const params = new QueryParams({ from });
    const base = params.text('from');
    params.throwIfInvalid();
    return this.queries.diff(key, version, base);
  }

  @Post(':key/versions/:version/simulate')
  @HttpCode(200)
  @RequireRoles('rulebook:author', 'rulebook:approve')
  @ApiOperation({ summary: 'Impact analysis on past decisions',
    description: 'Re-evaluates this version on the recorded request and FHIR facts of audited decisions of the rulebook (evaluated in [from, to), the newest `last`, default 1000) and reports how many outcomes would change, per outcome field and per rule, with example decision ids. Writes nothing. Roles: rulebook:author or rulebook:approve.' })
  @ApiParam(KEY) @ApiParam(VERSION) @ApiBody({ type: SimulateDto, required: false })
  @ApiOk(ImpactReportResponse, { description: 'The impact report.' })
  @ApiProblems(400, 403, 404, { status: 422, description: 'RULEBOOK_INVALID: the version does not pass the structural checks.' })
  simulate(@Param('key') key: string, @Param('version') version: string, @Body() body: SimulateDto): Promise<ImpactReport> {
    const from = body.from === undefined ? undefined : instantOrThrow(body.from, '/from');
    const to = body.to === undefined ? undefined : instantOrThrow(body.to, '/to');
    if (from && to && from.getTime() >= to.getTime()) throw validationFailed('from must be before to.', [{ pointer: '/to', message: 'must be after from' }]);
    return this.queries.simulate(key, version, { from, to, last: body.last ?? 1000, examples: body.examples ?? 5 });
  }

  @Get(':key/history')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'Governance history of a rulebook',
    description: 'Every transition and every refused attempt, oldest first: actor, role, from and to status (scheduled for an activation at a future instant), comment, content hash, effective instant, time, and for a refusal the problem returned. Append-only. Roles: audit:read, rulebook:author or rulebook:approve.' })
  @ApiParam(KEY)
  @ApiQuery({ name: 'version', required: false }) @ApiQuery({ name: 'after', required: false, description: 'Entries with a larger id (paging).' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 500.' })
  @ApiOk(HistoryPageResponse, { description: 'One page of entries and the URL of the next.' })
  @ApiProblems(400, 403, { status: 404, description: 'RULEBOOK_NOT_FOUND.' })
  history(@Param('key') key: string, @Query('version') version?: unknown, @Query('after') after?: unknown, @Query('limit') limit?: unknown): Promise<HistoryPageView> {
    const params = new QueryParams({ version, after, limit });
    const versionText = params.text('version');
    const afterId = params.integer('after', 0) ?? 0;
    const limitN = params.integer('limit', 1, 1000) ?? 500;
    params.throwIfInvalid();
    return this.queries.historyOf(key, { version: versionText, after: afterId, limit: limitN });
  }
}

/**
 * An RFC 3339 string (its syntax already checked by the DTO) as a Date.
 * @throws DomainError 400 `VALIDATION_FAILED` at `pointer` when it names no real instant (`2030-02-30T00:00:00Z`)
 */
function instantOrThrow(text: string, pointer: string): Date {
  const date = parseRfc3339(text);
  if (!date) throw validationFailed(`${pointer.slice(1)} is not a valid instant.`, [{ pointer, message: 'must be a valid RFC 3339 date-time' }]);
  return date;
}
