import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedRequest, RequireRoles } from '../auth/auth.guard.js';
import { ApiOk, ApiOkMedia, ApiProblems } from '../common/api-docs.js';
import { AuditService, type DecisionAuditDetail, type DecisionSearchPage } from './audit.service.js';
import type { IntegrityReport } from './chain/chain-verification.js';
import { IntegrityReportDto } from './chain/integrity-report.dto.js';
import { DecisionAuditDetailDto } from './decision-audit-detail.dto.js';
import { AccessLogPageDto, DecisionSearchPageDto } from './search/decision-search-page.dto.js';

/** 400 on the audit's query parameters: the problem's pointers name them. */
const BAD_QUERY = { status: 400, description: 'Invalid query parameters: each problem in `errors` points at `/query/<parameter>`.' };
const SEARCH_PARAMETERS = [
  { name: 'from', description: 'evaluatedAt at or after (RFC 3339)' },
  { name: 'to', description: 'evaluatedAt before (RFC 3339)' },
  { name: 'rulebook', description: 'rulebook key' },
  { name: 'version', description: 'rulebook version (semver)' },
  { name: 'rule', description: 'name of a rule that fired' },
  { name: 'patientRef', description: 'context.patientRef, exact (Patient/123)' },
  { name: 'encounterRef', description: 'context.encounterRef, exact' },
  { name: 'workflowInstanceId', description: 'context.workflowInstanceId, exact' },
  { name: 'sourceEventId', description: 'context.sourceEventId, exact' },
  { name: 'caller', description: 'token subject that asked for the decision' },
  { name: 'outcome.<field>', description: 'an outcome field equals a value: outcome.acuity=2, outcome.news2.riskBand=high, outcome.eligible=true' },
  { name: 'sort', description: 'evaluatedAt, -evaluatedAt (default), asOf, -asOf' },
];

/** Path of the request without its query string (what the access log records as the resource). */
function pathOf(request: AuthenticatedRequest): string {
  return (request.url ?? '').split('?')[0];
}

/**
 * The auditors' API (role `audit:read`): search, detail, export, integrity check and access log. Every
 * call is itself recorded in the access log.
 */
@ApiTags('audit')
@ApiBearerAuth()
@RequireRoles('audit:read')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Search decisions (`AuditService.search`). @throws DomainError 400 with `/query/<parameter>` pointers */
  @Get('decisions')
  @ApiOperation({ summary: 'Search decisions', description: 'Filters combine with AND; keyset pagination: pass page.nextCursor as cursor for the next page (same filters and sort).' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'page.nextCursor of the previous page' })
  @ApiOk(DecisionSearchPageDto, { description: 'A page of decision summaries, in the requested order.' })
  @ApiProblems(BAD_QUERY, 401, 403, 429, { status: 503, description: 'The database is unavailable, or the access could not be recorded.' })
  async search(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>): Promise<DecisionSearchPage> {
    return this.audit.search(request.principal, { ...query }, String(request.id), pathOf(request));
  }

  /** Export a search, streamed (`AuditService.export`). @throws DomainError 400, 429 before the stream starts */
  @Get('decisions/export')
  @ApiOperation({ summary: 'Export the decisions of a search (streamed)', description: 'Same filters and sort as the search, no paging. ndjson: one full decision with its explanation per line; csv: one summary row per decision, the outcome as one JSON cell followed by one outcome.<path> column per outcome path of the searched rulebook versions (cells starting with = + - @ are prefixed with \'); fhir: a FHIR R4 Bundle (collection) of AuditEvent resources.' })
  @ApiQuery({ name: 'format', required: true, enum: ['ndjson', 'csv', 'fhir'] })
  @ApiOkMedia('The export, streamed as an attachment (Content-Disposition). ndjson: one decision per line, its search summary '
    + 'with its explanation; csv: a header row, then one summary row per decision; fhir: a Bundle of AuditEvents.', {
    'application/x-ndjson': { type: 'string', description: 'Newline-delimited JSON (one decision per line).' },
    'text/csv': { type: 'string', description: 'RFC 4180 CSV with a header row.' },
    'application/fhir+json': { type: 'object', description: 'A FHIR R4 Bundle (type collection) of AuditEvent resources.' },
  })
  @ApiProblems(BAD_QUERY, 401, 403, { status: 429, description: 'EXPORTS_BUSY (two exports already run on this instance) or the rate limit; see Retry-After.' }, 503)
  async export(@Req() request: AuthenticatedRequest, @Res() reply: FastifyReply, @Query() query: Record<string, unknown>): Promise<void> {
    await this.audit.export(request.principal, { ...query }, String(request.id), pathOf(request), reply);
  }

  /** One decision for auditors (`AuditService.detail`). @throws DomainError 404 `DECISION_NOT_FOUND` */
  @Get('decisions/:decisionId')
  @ApiOperation({ summary: 'One decision for auditors', description: 'The decision with its explanation (facts with their FHIR provenance), the rulebook version status then and now, caller, request and idempotency identifiers, record hash and chain link.' })
  @ApiParam({ name: 'decisionId', description: 'decision id (UUID)' })
  @ApiOk(DecisionAuditDetailDto, { description: 'The decision as GET /v1/decisions/{id} shows it, plus caller, requestId, inputHash, idempotencyKey, rulebookVersion and integrity.' })
  @ApiProblems(401, 403, { status: 404, description: 'DECISION_NOT_FOUND.' }, 429, 503)
  async detail(@Req() request: AuthenticatedRequest, @Param('decisionId') decisionId: string): Promise<DecisionAuditDetail> {
    return this.audit.detail(request.principal, decisionId, String(request.id), pathOf(request));
  }

  /** Verify the hash chain over a range (`AuditService.integrity`). @throws DomainError 400 for a bad range */
  @Get('integrity')
  @ApiOperation({ summary: 'Verify the tamper-evident chain', description: 'Checks a range (fromSeq/toSeq chain positions and/or from/to on evaluatedAt; default the latest 20,000 links; at most 20,000 per call) and names the first broken link.' })
  @ApiQuery({ name: 'fromSeq', required: false }) @ApiQuery({ name: 'toSeq', required: false })
  @ApiQuery({ name: 'from', required: false }) @ApiQuery({ name: 'to', required: false })
  @ApiOk(IntegrityReportDto, { description: 'The verification report; tampering is a finding (ok: false), not an error.' })
  @ApiProblems(BAD_QUERY, 401, 403, 429, 503)
  async integrity(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>): Promise<IntegrityReport> {
    return this.audit.integrity(request.principal, { ...query }, String(request.id), pathOf(request));
  }

  /** Read the access log (`AuditService.accessLog`). @throws DomainError 400 for bad filters */
  @Get('access-log')
  @ApiOperation({ summary: 'Who read the audit', description: 'Every search, read, export, integrity check and access-log read, newest first. Filters: accessor, action, from, to; limit (1-1000), cursor.' })
  @ApiOk(AccessLogPageDto, { description: 'A page of access records, newest first.' })
  @ApiProblems(BAD_QUERY, 401, 403, 429, 503)
  async accessLog(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>) {
    return this.audit.accessLog(request.principal, { ...query }, String(request.id), pathOf(request));
  }
}

// The search filters are documented once here for both the search and the export operation (the handlers read the
// raw query: `outcome.<field>` parameters cannot be declared one by one).
for (const p of SEARCH_PARAMETERS) {
  for (const method of ['search', 'export'] as const) {
    ApiQuery({ name: p.name, required: false, description: p.description })(AuditController.prototype, method,
      Object.getOwnPropertyDescriptor(AuditController.prototype, method)!);
  }
}
