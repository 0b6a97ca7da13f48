import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedRequest, RequireRoles } from '../auth/auth.guard.js';
import { hasRole } from '../auth/principal.js';
import type { DecisionRecord } from '../audit/decision-record.js';
import type { RequestWithBodyHash } from '../common/request-body-hash.js';
import { CreateDecisionDto } from './create-decision.dto.js';
import { DecisionRequestPipe } from './decision-request.pipe.js';
import { DecisionsService } from './decisions.service.js';

const PROBLEM = { description: 'RFC 9457 problem details (application/problem+json)' };
const DECISION = '{decisionId, rulebook: {key, version, contentHash}, verdict: {version, commit} (the Verdict build that decided; null for decisions '
  + 'recorded before it was kept), outcome, explanation: {rules, facts, missingFacts, missingFactDetails: {fact: {reason (stale, status-not-accepted, '
  + 'unreadable, reference-time-missing, not-in-supplied-data), detail, reference?, effective?, code?, rawValue?, rawUnit?, status?}}, '
  + 'ignoredResources: [{reference, resourceType, reason, detail, fact?}], patient (or null)}, asOf, evaluatedAt, context}';

/** `POST /v1/decisions` and `GET /v1/decisions/{id}` (contract "Decisions"). */
@ApiTags('decisions')
@ApiBearerAuth()
@Controller('v1/decisions')
export class DecisionsController {
  constructor(private readonly decisions: DecisionsService) {}

  @Post()
  @HttpCode(201)
  @RequireRoles('decision:evaluate')
  @ApiOperation({ summary: 'Evaluate a rulebook and record the explained decision',
    description: 'The decision is committed to the audit record before the response is sent; if that fails the answer is 503 and no decision. '
      + 'A rulebook version that contradicts its own outcome policy on the input (overlapping score bands, a UNIQUE field set to two values) '
      + 'answers 409 RULEBOOK_DEFECT naming the version, the parameter or field and both rules, and decides nothing.' })
  @ApiBody({ type: CreateDecisionDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 printable ASCII; replays the original response for the same body.' })
  @ApiResponse({ status: 201, description: `The decision (Location: /v1/decisions/{id}); on replay, header Idempotent-Replayed: true. ${DECISION}` })
  @ApiResponse({ status: 400, ...PROBLEM }) @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM }) @ApiResponse({ status: 409, ...PROBLEM }) @ApiResponse({ status: 413, ...PROBLEM })
  @ApiResponse({ status: 422, ...PROBLEM }) @ApiResponse({ status: 429, ...PROBLEM }) @ApiResponse({ status: 503, ...PROBLEM })
  async create(
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    // Typed Readonly<…> on purpose: the emitted metatype is then Object, so the global ValidationPipe (class-transformer
    // over every node of a FHIR bundle, measured at a quarter of the CPU of a decision) skips this body;
    // DecisionRequestPipe validates it without walking facts and fhir.
    @Body(DecisionRequestPipe) body: Readonly<CreateDecisionDto>,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<DecisionRecord> {
    const bodySha256 = (request as AuthenticatedRequest & RequestWithBodyHash).bodySha256;
    const { record, replayed } = await this.decisions.decide(request.principal, body, String(request.id), idempotencyKey, bodySha256);
    void reply.header('Location', `/v1/decisions/${record.decisionId}`);
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    return record;
  }

  @Get(':decisionId')
  @RequireRoles('audit:read', 'decision:evaluate')
  @ApiOperation({ summary: 'Read a stored decision', description: 'Auditors read any decision; a workflow engine reads the decisions it created.' })
  @ApiResponse({ status: 200, description: `The stored decision, in the shape POST returned: ${DECISION}` })
  @ApiResponse({ status: 401, ...PROBLEM }) @ApiResponse({ status: 403, ...PROBLEM }) @ApiResponse({ status: 404, ...PROBLEM })
  async read(@Req() request: AuthenticatedRequest, @Param('decisionId') decisionId: string): Promise<DecisionRecord> {
    return this.decisions.find(request.principal, decisionId, hasRole(request.principal, 'audit:read'));
  }
}
