import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedRequest, RequireRoles } from '../auth/auth.guard.js';
import type { IntegrityReport } from './audit-chain.js';
import { AuditService, type DecisionAuditDetail, type DecisionSearchPage } from './audit.service.js';

const PROBLEM = { description: 'RFC 9457 problem details (application/problem+json); for query parameters the pointer is /query/<parameter>' };
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
 * The auditors' API (role `audit:read`; `admin` too): search, detail, export, integrity check and access log. Every
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
  @ApiResponse({ status: 200, description: '{ data: [decision summary], page: { limit, sort, nextCursor } }' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  async search(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>): Promise<DecisionSearchPage> {
    return this.audit.search(request.principal, { ...query }, String(request.id), pathOf(request));
  }

  /** Export a search, streamed (`AuditService.export`). @throws DomainError 400, 429 before the stream starts */
  @Get('decisions/export')
  @ApiOperation({ summary: 'Export the decisions of a search (streamed)', description: 'Same filters and sort as the search, no paging. ndjson: one full decision with its explanation per line; csv: one summary row per decision (cells starting with = + - @ are prefixed with \'); fhir: a FHIR R4 Bundle (collection) of AuditEvent resources.' })
  @ApiQuery({ name: 'format', required: true, enum: ['ndjson', 'csv', 'fhir'] })
  @ApiProduces('application/x-ndjson', 'text/csv', 'application/fhir+json')
  @ApiResponse({ status: 200, description: 'The export, streamed' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 429, ...PROBLEM })
  async export(@Req() request: AuthenticatedRequest, @Res() reply: FastifyReply, @Query() query: Record<string, unknown>): Promise<void> {
    await this.audit.export(request.principal, { ...query }, String(request.id), pathOf(request), reply);
  }

  /** One decision for auditors (`AuditService.detail`). @throws DomainError 404 `DECISION_NOT_FOUND` */
  @Get('decisions/:decisionId')
  @ApiOperation({ summary: 'One decision for auditors', description: 'The decision with its explanation (facts with their FHIR provenance), the rulebook version status then and now, caller, request and idempotency identifiers, record hash and chain link.' })
  @ApiParam({ name: 'decisionId', description: 'decision id (UUID)' })
  @ApiResponse({ status: 200, description: 'The decision as GET /v1/decisions/{id} shows it (with verdict and the explanation\'s missingFactDetails, ignoredResources, patient), plus caller, requestId, inputHash, idempotencyKey, rulebookVersion {status, active} and integrity {recordHash, chain}' })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM })
  async detail(@Req() request: AuthenticatedRequest, @Param('decisionId') decisionId: string): Promise<DecisionAuditDetail> {
    return this.audit.detail(request.principal, decisionId, String(request.id), pathOf(request));
  }

  /** Verify the hash chain over a range (`AuditService.integrity`). @throws DomainError 400 for a bad range */
  @Get('integrity')
  @ApiOperation({ summary: 'Verify the tamper-evident chain', description: 'Checks a range (fromSeq/toSeq chain positions and/or from/to on evaluatedAt; default the latest 20,000 links; at most 20,000 per call) and names the first broken link.' })
  @ApiQuery({ name: 'fromSeq', required: false }) @ApiQuery({ name: 'toSeq', required: false })
  @ApiQuery({ name: 'from', required: false }) @ApiQuery({ name: 'to', required: false })
  @ApiResponse({ status: 200, description: '{ ok, firstBrokenLink, problems, head, checked, horizon, pending, truncated }' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  async integrity(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>): Promise<IntegrityReport> {
    return this.audit.integrity(request.principal, { ...query }, String(request.id), pathOf(request));
  }

  /** Read the access log (`AuditService.accessLog`). @throws DomainError 400 for bad filters */
  @Get('access-log')
  @ApiOperation({ summary: 'Who read the audit', description: 'Every search, read, export, integrity check and access-log read, newest first. Filters: accessor, action, from, to; limit (1-1000), cursor.' })
  @ApiResponse({ status: 200, description: '{ data: [access record], page: { limit, nextCursor } }' })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
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
