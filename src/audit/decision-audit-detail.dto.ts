import { ApiProperty } from '@nestjs/swagger';
import type { DecisionAuditDetail } from './audit.service.js';
import { DecisionRecordDto, RulebookReferenceDto } from './decision-record.dto.js';

/**
 * The OpenAPI schema of `GET /v1/audit/decisions/{id}` 200 (`DecisionAuditDetail`): the decision as
 * `GET /v1/decisions/{id}` shows it plus what an auditor asks about it. Documentation only; `implements` keeps it
 * in step with what `AuditService.detail` returns.
 */

/** A lifecycle status when the decision was made and now. */
export class StatusThenAndNowDto {
  @ApiProperty({ type: String, nullable: true, example: 'approved', description: 'null: not recorded (decisions before this was kept).' })
  atDecision!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'retired', description: 'null: the version is no longer known to this instance.' })
  now!: string | null;
}

/** Whether the version was the active one when it decided, and is now. */
export class ActiveThenAndNowDto {
  @ApiProperty({ description: 'Active at the decision\'s evaluatedAt (false: it was asked for by version).' })
  atDecision!: boolean;

  @ApiProperty()
  now!: boolean;
}

/** The rulebook version that decided, with its status then and now. */
export class AuditedRulebookVersionDto extends RulebookReferenceDto {
  @ApiProperty({ type: StatusThenAndNowDto })
  status!: StatusThenAndNowDto;

  @ApiProperty({ type: ActiveThenAndNowDto })
  active!: ActiveThenAndNowDto;
}

/** The decision's link in the tamper-evident chain. */
export class ChainEntryDto {
  @ApiProperty({ example: 1042, description: 'Chain position.' })
  seq!: number;

  @ApiProperty({ example: 'sha256:5e1d9a7c3b2f4e6d8a0c1b3e5f7a9d2c4b6e8f0a1c3d5e7f9b2a4c6e8d0f1a3b5' })
  chainHash!: string;

  @ApiProperty({ example: 311, description: 'The sealing batch.' })
  sealNo!: number;

  @ApiProperty({ format: 'date-time' })
  sealedAt!: string;
}

/** The record hash and the chain link of a decision. */
export class RecordIntegrityDto {
  @ApiProperty({ type: String, nullable: true, description: 'sha256 of the stored audit record.' })
  recordHash!: string | null;

  @ApiProperty({ type: ChainEntryDto, nullable: true, description: 'null while the decision waits for the next sealing batch (seconds).' })
  chain!: ChainEntryDto | null;
}

/** `GET /v1/audit/decisions/{id}` 200. */
export class DecisionAuditDetailDto extends DecisionRecordDto implements DecisionAuditDetail {
  @ApiProperty({ example: 'workflow-engine', description: 'Token subject that asked for the decision.' })
  caller!: string;

  @ApiProperty({ description: 'X-Request-Id of the decision request.' })
  requestId!: string;

  @ApiProperty({ example: 'sha256:7a3c9e1f5b2d4a6c8e0f1b3d5a7c9e2f4b6d8a0c1e3f5b7d9a2c4e6f8b0d1a3c5', description: 'sha256 of the request body bytes as received.' })
  inputHash!: string;

  @ApiProperty({ type: String, nullable: true })
  idempotencyKey!: string | null;

  @ApiProperty({ type: AuditedRulebookVersionDto })
  rulebookVersion!: AuditedRulebookVersionDto;

  @ApiProperty({ type: RecordIntegrityDto })
  integrity!: RecordIntegrityDto;
}
