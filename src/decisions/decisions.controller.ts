import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthenticatedRequest, RequireRoles } from '../auth/auth.guard.js';
import { hasRole } from '../auth/principal.js';
import type { DecisionRecord } from '../audit/decision-record.js';
import { DecisionRecordDto } from '../audit/decision-record.dto.js';
import { ApiCreated, ApiIdempotencyKey, ApiOk, ApiProblems } from '../common/api-docs.js';
import type { RequestWithBodyHash } from '../common/request-body-hash.js';
import { CreateDecisionDto } from './create-decision.dto.js';
import { DecisionRequestPipe } from './decision-request.pipe.js';
import { DecisionsService } from './decisions.service.js';

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
  @ApiIdempotencyKey()
  @ApiCreated(DecisionRecordDto, { description: 'The decision, recorded.', headers: {
    Location: { description: '/v1/decisions/{decisionId}', schema: { type: 'string' } },
    'Idempotent-Replayed': { description: '`true` when an Idempotency-Key replayed the original decision.', schema: { type: 'string', enum: ['true'] } },
  } })
  @ApiProblems(
    { status: 400, description: 'The body breaks the request schema (`errors` points at each problem), malformed JSON, or an invalid Idempotency-Key.' },
    401,
    { status: 403, description: 'FORBIDDEN (no decision:evaluate), or VERSION_PIN_FORBIDDEN: `version` names another version than the one in force at asOf, which needs decision:pin-version.' },
    { status: 404, description: 'No such rulebook, or no version of it evaluable at asOf (or the one asked for).' },
    { status: 409, description: 'RULEBOOK_DEFECT (the version contradicts its own outcome policy), or IDEMPOTENCY_KEY_IN_USE.' },
    413, 415,
    { status: 422, description: 'Unusable facts or FHIR input (range, unit, ambiguous patient), IDEMPOTENCY_KEY_REUSED with a different body, or '
      + 'AS_OF_IN_FUTURE: asOf beyond AS_OF_FUTURE_TOLERANCE_SECONDS after now without decision:pin-version.' },
    429,
    { status: 503, description: 'The audit database is unavailable: nothing was decided or recorded.' },
  )
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
  @ApiParam({ name: 'decisionId', description: 'Decision id (UUID).' })
  @ApiOk(DecisionRecordDto, { description: 'The stored decision, in the shape POST returned.' })
  @ApiProblems(401, 403, { status: 404, description: 'No such decision visible to this caller.' }, 429, 503)
  async read(@Req() request: AuthenticatedRequest, @Param('decisionId') decisionId: string): Promise<DecisionRecord> {
    return this.decisions.find(request.principal, decisionId, hasRole(request.principal, 'audit:read'));
  }
}
