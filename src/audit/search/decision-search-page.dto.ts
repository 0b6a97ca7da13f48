import { ApiProperty } from '@nestjs/swagger';
import { DecisionBuildDto, RulebookReferenceDto } from '../decision-record.dto.js';
import type { DecisionSummary } from './audit-export.formats.js';

/**
 * The OpenAPI schemas of the auditors' search (`GET /v1/audit/decisions`) and access log (`GET /v1/audit/access-log`)
 * pages. Documentation only; the summary `implements` `DecisionSummary`, so it cannot drift from what is sent.
 */

/** The rulebook version of a decision summary, with its lifecycle status when it decided. */
export class SummaryRulebookDto extends RulebookReferenceDto {
  @ApiProperty({ type: String, nullable: true, example: 'approved', description: 'Lifecycle status when it decided; null for decisions before this was kept.' })
  statusAtDecision!: string | null;
}

/** One decision in a search page (no explanation: read it with `GET /v1/audit/decisions/{id}`). */
export class DecisionSummaryDto implements DecisionSummary {
  @ApiProperty({ format: 'uuid' })
  decisionId!: string;

  @ApiProperty({ format: 'date-time' })
  evaluatedAt!: string;

  @ApiProperty({ format: 'date-time' })
  asOf!: string;

  @ApiProperty({ example: 'workflow-engine', description: 'Token subject that asked for the decision.' })
  caller!: string;

  @ApiProperty({ description: 'X-Request-Id of the decision request.' })
  requestId!: string;

  @ApiProperty({ type: SummaryRulebookDto })
  rulebook!: SummaryRulebookDto;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The outcome, as the decision returned it.' })
  outcome!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { patientRef: 'Patient/123' } })
  context!: Record<string, string>;

  @ApiProperty({ type: [String], example: ['news2-medium'], description: 'Names of the rules that fired, in evaluation order.' })
  firedRules!: string[];

  @ApiProperty({ type: String, nullable: true })
  idempotencyKey!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'sha256 of the audit record (null only for records before hashing).' })
  recordHash!: string | null;

  @ApiProperty({ type: DecisionBuildDto, nullable: true, description: 'The Verdict build that decided; null for decisions recorded before it was kept.' })
  verdict!: DecisionBuildDto | null;
}

/** Keyset paging of a search. */
export class SearchPageInfoDto {
  @ApiProperty({ example: 100, minimum: 1, maximum: 1000 })
  limit!: number;

  @ApiProperty({ example: '-evaluatedAt', enum: ['evaluatedAt', '-evaluatedAt', 'asOf', '-asOf'] })
  sort!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` (same filters and sort) for the next page; null on the last page.' })
  nextCursor!: string | null;
}

/** `GET /v1/audit/decisions` 200. */
export class DecisionSearchPageDto {
  @ApiProperty({ type: [DecisionSummaryDto] })
  data!: DecisionSummaryDto[];

  @ApiProperty({ type: SearchPageInfoDto })
  page!: SearchPageInfoDto;
}

/** One access to the audit (ASTM E2147 access record), as the access log lists it. */
export class AccessLogEntryDto {
  @ApiProperty({ example: '42', description: 'Position in the log (a decimal string).' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  recordedAt!: string;

  @ApiProperty({ example: 'auditor', description: 'Token subject that accessed the audit.' })
  accessor!: string;

  @ApiProperty({ enum: ['search', 'read', 'export', 'verify', 'access-log'] })
  action!: string;

  @ApiProperty({ enum: ['success', 'not-found', 'incomplete', 'failed'] })
  outcome!: string;

  @ApiProperty()
  requestId!: string;

  @ApiProperty({ example: '/v1/audit/decisions', description: 'The path accessed.' })
  resource!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The query parameters (or the id read).' })
  query!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true, enum: ['ndjson', 'csv', 'fhir', null], description: 'Export format; null for other actions.' })
  format!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Records returned, exported or links verified.' })
  recordCount!: number | null;

  @ApiProperty({ type: [String], nullable: true, description: 'The patients whose decisions were returned.' })
  patientRefs!: string[] | null;
}

/** Paging of the access log. */
export class AccessLogPageInfoDto {
  @ApiProperty({ example: 100, minimum: 1, maximum: 1000 })
  limit!: number;

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null on the last page.' })
  nextCursor!: string | null;
}

/** `GET /v1/audit/access-log` 200, newest first. */
export class AccessLogPageDto {
  @ApiProperty({ type: [AccessLogEntryDto] })
  data!: AccessLogEntryDto[];

  @ApiProperty({ type: AccessLogPageInfoDto })
  page!: AccessLogPageInfoDto;
}
