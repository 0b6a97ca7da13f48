import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { IsRfc3339DateTime } from '../common/rfc3339.js';
import { IsSemVer } from '../common/semver.js';

/** Workflow context stored with the decision and returned with it; every field is searchable in the audit. */
export class DecisionContextDto {
  @ApiPropertyOptional({ example: 'wf-81', maxLength: 255, description: 'Workflow instance that asked.' })
  @IsOptional() @IsString() @Length(1, 255)
  workflowInstanceId?: string;

  @ApiPropertyOptional({ example: 'evt-9', maxLength: 255, description: 'Event in the caller that triggered the request.' })
  @IsOptional() @IsString() @Length(1, 255)
  sourceEventId?: string;

  @ApiPropertyOptional({ example: 'Patient/123', maxLength: 255, description:
    'FHIR reference of the patient (relative, absolute or urn:uuid). With `fhir`, only resources about this patient are used; ' +
    'required when `fhir` holds or refers to more than one patient (else 422 AMBIGUOUS_PATIENT).' })
  @IsOptional() @IsString() @Length(1, 255)
  patientRef?: string;

  @ApiPropertyOptional({ example: 'Encounter/77', maxLength: 255, description: 'FHIR reference of the encounter.' })
  @IsOptional() @IsString() @Length(1, 255)
  encounterRef?: string;
}


/**
 * `POST /v1/decisions` body (contract "Decisions"). `facts` and `fhir` are checked here only for being JSON objects:
 * their content is checked against the rulebook's fact catalog and the FHIR R4 schema by the facts module.
 */
export class CreateDecisionDto {
  @ApiProperty({ example: 'ed-triage', description: 'Rulebook key.' })
  @IsString() @Matches(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'rulebook must be a rulebook key (kebab-case)' }) @Length(1, 100)
  rulebook: string;

  @ApiPropertyOptional({ example: '1.0.0', description: 'Rulebook version (semver). Default: the version in force (active) at asOf. '
    + 'Another version than that one needs the role decision:pin-version (else 403 VERSION_PIN_FORBIDDEN).' })
  @IsOptional() @IsString()
  @IsSemVer({ message: 'version must be a semantic version such as 1.0.0' })
  version?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { respiratoryRate: 22, onSupplementalOxygen: false },
    description: 'Canonical facts by name (see the rulebook fact catalog); override values derived from FHIR. A number may be sent as {value, unit} with a UCUM unit.' })
  @IsOptional() @IsObject()
  facts?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'A FHIR R4 Bundle (any type) or a single resource.' })
  @IsOptional() @IsObject()
  fhir?: Record<string, unknown>;

  @ApiPropertyOptional({ example: '2026-11-21T09:30:00.000Z', description: 'RFC 3339 instant for ages, "latest observation" and the rulebook version in force. '
    + 'Default: now. At most AS_OF_FUTURE_TOLERANCE_SECONDS (default 300) after now unless the caller holds decision:pin-version (else 422 AS_OF_IN_FUTURE).' })
  @IsOptional() @IsRfc3339DateTime({ message: 'asOf must be an RFC 3339 date-time with a time zone, e.g. 2026-11-21T09:30:00.000Z' })
  asOf?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['ServiceRequest', 'Coverage'],
    maxItems: 50,
    description:
      'FHIR resource types for which `fhir` holds every resource of the patient (the caller searched for all of them). ' +
      'A rulebook fact with `absentMeans: unknown-unless-complete` reads "none found" as false only for a type listed here; otherwise it is missing (unknown).',
  })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @ArrayUnique()
  @IsString({ each: true }) @Matches(/^[A-Z][A-Za-z]{1,63}$/, { each: true, message: 'fhirSearchComplete items must be FHIR resource type names such as ServiceRequest' })
  fhirSearchComplete?: string[];

  @ApiPropertyOptional({ type: DecisionContextDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => DecisionContextDto)
  context?: DecisionContextDto;
}
