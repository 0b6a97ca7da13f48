import { ApiExtraModels, ApiProperty, type ApiPropertyOptions, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { DecisionBuild, DecisionRecord, ExplainedFact, ExplainedRule, IgnoredResource, MissingFactDetail } from './decision-record.js';

/**
 * The OpenAPI schemas of a decision as the API returns it (`DecisionRecord`: `POST /v1/decisions` 201,
 * `GET /v1/decisions/{id}`, and the base of the auditors' detail). Documentation only: each class `implements` its
 * interface, so a field the interface gains or changes breaks the build here until it is documented.
 */

/**
 * A fact's value: a number (in the catalog's UCUM unit), a string, a boolean, or null when unknown. (OpenAPI 3.0's
 * `nullable` counts only beside a `type`, so null is allowed by the number branch.)
 */
const FACT_VALUE: ApiPropertyOptions = { oneOf: [{ type: 'number', nullable: true }, { type: 'string' }, { type: 'boolean' }] };

/** The rulebook version that decided. */
export class RulebookReferenceDto implements Readonly<DecisionRecord['rulebook']> {
  @ApiProperty({ example: 'ed-triage', description: 'Rulebook key.' })
  key!: string;

  @ApiProperty({ example: '1.2.0', description: 'Rulebook version (semver).' })
  version!: string;

  @ApiProperty({ example: 'sha256:0c6f1a9e3b7d2c4e8f5a6b1d9c0e7f3a2b4d6c8e1f0a3b5c7d9e2f4a6b8c0d1e3', description: 'sha256 of the version\'s RFC 8785 canonical JSON.' })
  contentHash!: string;
}

/** The Verdict build that decided. */
export class DecisionBuildDto implements DecisionBuild {
  @ApiProperty({ example: '0.1.0', description: 'Package version.' })
  version!: string;

  @ApiProperty({ example: 'bf61762', description: 'Git commit (`unknown` when it could not be told).' })
  commit!: string;
}

/** One evaluated rule. */
export class ExplainedRuleDto implements ExplainedRule {
  @ApiProperty({ example: 'news2-high' })
  name!: string;

  @ApiProperty({ example: 1, description: 'Evaluation stage (derived facts of a stage are available to the next).' })
  stage!: number;

  @ApiProperty({ description: 'Whether its conditions held (in three-valued logic: true, not unknown).' })
  fired!: boolean;

  @ApiProperty({ example: 10 })
  priority!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The rule\'s event (type and params) as in the rulebook.' })
  event!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The conditions with each fact value and result.' })
  conditions!: Record<string, unknown>;
}

/** A fact as the explanation shows it: canonical value and unit, and where it came from (FHIR provenance). */
export class ExplainedFactDto implements ExplainedFact {
  @ApiProperty({ ...FACT_VALUE, example: 22, description: 'Canonical value (null: a derived fact that is unknown).' })
  value!: unknown;

  @ApiPropertyOptional({ example: '/min', description: 'UCUM unit of the value.' })
  unit?: string;

  @ApiProperty({ enum: ['request', 'fhir', 'default', 'derived'] })
  source!: 'request' | 'fhir' | 'default' | 'derived';

  @ApiPropertyOptional({ example: 'Observation/rr-1', description: 'FHIR resource the value came from.' })
  reference?: string;

  @ApiPropertyOptional({ example: 'http://loinc.org|9279-1', description: 'Code of that resource (system|code).' })
  code?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When it was observed (RFC 3339 UTC).' })
  effective?: string;

  @ApiPropertyOptional({ ...FACT_VALUE, description: 'The value as the resource gave it, before conversion and rounding.' })
  rawValue?: unknown;

  @ApiPropertyOptional({ example: 'breaths/min', description: 'The unit as the resource gave it.' })
  rawUnit?: string;

  @ApiPropertyOptional({ example: 'final', description: 'FHIR status of that resource (Observation.status).' })
  status?: string;
}

/** Why a catalog fact is missing, and the reading not used when there was one. */
export class MissingFactDetailDto implements MissingFactDetail {
  @ApiProperty({ example: 'stale', description: 'stale, status-not-accepted, unreadable, reference-time-missing or not-in-supplied-data.' })
  reason!: string;

  @ApiProperty({ example: 'The latest reading (2026-11-21T06:00:00.000Z) is older than PT1H at asOf.' })
  detail!: string;

  @ApiPropertyOptional({ example: 'Observation/hr-1', description: 'The resource of the reading not used.' })
  reference?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When that reading was observed (RFC 3339 UTC).' })
  effective?: string;

  @ApiPropertyOptional({ example: 'http://loinc.org|8867-4' })
  code?: string;

  @ApiPropertyOptional(FACT_VALUE)
  rawValue?: unknown;

  @ApiPropertyOptional()
  rawUnit?: string;

  @ApiPropertyOptional({ example: 'preliminary', description: 'FHIR status of that resource.' })
  status?: string;
}

/** A FHIR resource the intake left out, with why. */
export class IgnoredResourceDto implements IgnoredResource {
  @ApiProperty({ example: 'Observation/spo2-9' })
  reference!: string;

  @ApiProperty({ example: 'Observation' })
  resourceType!: string;

  @ApiProperty({ example: 'other-patient', description: 'other-patient, no-patient-reference, not-a-patient-resource or status-not-accepted.' })
  reason!: string;

  @ApiProperty()
  detail!: string;

  @ApiPropertyOptional({ description: 'For status-not-accepted: the fact that did not accept it.' })
  fact?: string;
}

/** Why the outcome is what it is. */
@ApiExtraModels(ExplainedFactDto, MissingFactDetailDto)
export class DecisionExplanationDto implements Readonly<DecisionRecord['explanation']> {
  @ApiProperty({ type: [ExplainedRuleDto], description: 'Every rule, in evaluation order.' })
  rules!: ExplainedRuleDto[];

  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(ExplainedFactDto) }, description: 'The facts taken in and derived, by name.' })
  facts!: Record<string, ExplainedFactDto>;

  @ApiProperty({ type: [String], example: ['spo2'], description: 'Catalog facts with no value (unknown in the rules, never false).' })
  missingFacts!: string[];

  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(MissingFactDetailDto) },
    description: 'Why, for the missing facts the intake could tell ({} when none).' })
  missingFactDetails!: Record<string, MissingFactDetailDto>;

  @ApiProperty({ type: [IgnoredResourceDto], description: 'FHIR resources left out ([] when none).' })
  ignoredResources!: IgnoredResourceDto[];

  @ApiProperty({ type: String, nullable: true, example: 'Patient/123', description: 'The patient the facts are about; null when none was identified.' })
  patient!: string | null;
}

/** A decision, explained: `POST /v1/decisions` 201 and `GET /v1/decisions/{id}` 200. */
export class DecisionRecordDto implements DecisionRecord {
  @ApiProperty({ format: 'uuid' })
  decisionId!: string;

  @ApiProperty({ type: RulebookReferenceDto })
  rulebook!: RulebookReferenceDto;

  @ApiProperty({ type: DecisionBuildDto, nullable: true, description: 'The Verdict build that decided; null for decisions recorded before it was kept.' })
  verdict!: DecisionBuildDto | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { acuity: 2, news2: { score: 6, riskBand: 'medium' } },
    description: 'The outcome fields the rulebook\'s outcome policy defines.' })
  outcome!: Record<string, unknown>;

  @ApiProperty({ type: DecisionExplanationDto })
  explanation!: DecisionExplanationDto;

  @ApiProperty({ format: 'date-time', description: 'The instant the facts were taken at (RFC 3339 UTC).' })
  asOf!: string;

  @ApiProperty({ format: 'date-time', description: 'When it was decided (RFC 3339 UTC).' })
  evaluatedAt!: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { workflowInstanceId: 'wf-81', patientRef: 'Patient/123' },
    description: 'The request\'s context, as sent.' })
  context!: Record<string, string>;
}
