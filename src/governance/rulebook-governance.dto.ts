import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { validationFailed } from '../common/domain-error.js';
import { IsRfc3339DateTime } from '../common/rfc3339.js';
import { IsSemVer } from '../common/semver.js';
import { validateDto } from '../common/validation.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import type { DraftSource } from './rulebook-governance.types.js';

/*
 * The request bodies of the governance API. The action bodies (submit, approve, reject, activate, rollback, retire,
 * simulate) are DTO classes the global validation pipe (`createValidationPipe`) checks: unknown properties refused, a
 * 400 `VALIDATION_FAILED` with a JSON Pointer per broken field; an absent body is `{}`. A rulebook document is
 * checked against the rulebook JSON Schema by the lifecycle service, so its pipes only take it in.
 */

const NOT_BLANK = /\S/;

/** A comment: a string of 1-2000 characters, not only blanks; `required` or optional. */
function Comment(required: boolean): PropertyDecorator {
  const decorators = [...(required ? [] : [IsOptional()]), IsString(), Length(1, 2000), Matches(NOT_BLANK, { message: 'comment must not be blank' })];
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

/** `POST /v1/rulebooks/{key}/versions` as a copy: the new draft starts as a copy of `copyOf` with the version `version`. */
export class CopyVersionDto {
  @ApiProperty({ example: '1.0.0', description: 'The stored version (any status) to copy.' })
  @IsString() @IsSemVer({ message: 'copyOf must be a semantic version such as 1.0.0' })
  copyOf: string;

  @ApiProperty({ example: '1.1.0', description: 'The new version number (semver); it must not exist yet.' })
  @IsString() @IsSemVer({ message: 'version must be a semantic version such as 1.1.0' })
  version: string;
}

/** `POST …/submit`. */
export class SubmitDto {
  @ApiPropertyOptional({ example: 'Respiratory-rate band tightened after the sepsis audit.', description: 'Note for the reviewers.' })
  @Comment(false)
  comment?: string;
}

/** `POST …/approve`: the approval is bound to the content hash the approver reviewed. */
export class ApproveDto {
  @ApiProperty({ example: 'sha256:9f2c…', description: 'The content hash of the version as the approver reviewed it (from GET …/versions/{version}).' })
  @IsString() @Matches(/^sha256:[0-9a-f]{64}$/, { message: 'contentHash must be sha256: followed by 64 lowercase hex digits' })
  contentHash: string;

  @ApiPropertyOptional({ example: 'Checked against the local sepsis pathway.' })
  @Comment(false)
  comment?: string;
}

/** `POST …/reject`: the reason is required. */
export class RejectDto {
  @ApiProperty({ example: 'Scenario for RR 23 missing; please add it.' })
  @Comment(true)
  comment: string;
}

/** `POST …/activate`: now (no `effectiveFrom`) or at a future instant. */
export class ActivateDto {
  @ApiPropertyOptional({ example: '2026-12-01T07:00:00.000Z', description: 'RFC 3339 instant in the future at which the version becomes active. Omitted: now.' })
  @IsOptional() @IsRfc3339DateTime({ message: 'effectiveFrom must be an RFC 3339 date-time with a time zone, e.g. 2026-12-01T07:00:00.000Z' })
  effectiveFrom?: string;

  @ApiPropertyOptional({ example: 'Go-live agreed by the ED governance meeting of 2026-11-20.' })
  @Comment(false)
  comment?: string;
}

/** `POST …/rollback`: activates, now, an approved version that was active before; the reason is required. */
export class RollbackDto {
  @ApiProperty({ example: 'Alert fatigue reported by the night shift; back to 1.0.0 while we review.' })
  @Comment(true)
  comment: string;
}

/** `POST …/retire`. */
export class RetireDto {
  @ApiPropertyOptional({ example: 'Superseded by 1.1.0; never to be used again.' })
  @Comment(false)
  comment?: string;
}

/** `POST …/simulate`: which audited decisions to replay on the candidate. */
export class SimulateDto {
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00.000Z', description: 'Only decisions evaluated at or after this instant.' })
  @IsOptional() @IsRfc3339DateTime({ message: 'from must be an RFC 3339 date-time with a time zone' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-21T00:00:00.000Z', description: 'Only decisions evaluated before this instant.' })
  @IsOptional() @IsRfc3339DateTime({ message: 'to must be an RFC 3339 date-time with a time zone' })
  to?: string;

  @ApiPropertyOptional({ example: 1000, minimum: 1, maximum: 10000, description: 'At most this many decisions, the newest first (default 1000).' })
  @IsOptional() @IsInt() @Min(1) @Max(10000)
  last?: number;

  @ApiPropertyOptional({ example: 5, minimum: 1, maximum: 50, description: 'Example decision ids per outcome field and per rule (default 5).' })
  @IsOptional() @IsInt() @Min(1) @Max(50)
  examples?: number;
}

/**
 * The body of `POST /v1/rulebooks/{key}/versions`: `{copyOf, version}` (a copy), or else a whole rulebook document
 * (checked against the rulebook schema by the service).
 */
@Injectable()
export class DraftSourcePipe implements PipeTransform<unknown, DraftSource> {
  transform(body: unknown): DraftSource {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw validationFailed('The body must be a rulebook document or {copyOf, version}.', [{ pointer: '', message: 'must be an object' }]);
    }
    if ('copyOf' in body) return validateDto(CopyVersionDto, body);
    return { document: body as RulebookDocument };
  }
}

/** The body of `PUT /v1/rulebooks/{key}/versions/{version}`: a whole rulebook document (checked by the service). */
@Injectable()
export class RulebookDocumentPipe implements PipeTransform<unknown, RulebookDocument> {
  transform(body: unknown): RulebookDocument {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw validationFailed('The body must be a rulebook document.', [{ pointer: '', message: 'must be an object' }]);
    }
    return body as RulebookDocument;
  }
}
