import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The audit record of one decision (table `decision`, append-only, partitioned by month of `evaluated_at`). Rules and
 * facts are in their own tables; the field-by-field meaning (ASTM E2147, FHIR AuditEvent) is in `audit/README.md`.
 */
@Entity({ name: 'decision' })
export class DecisionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** When the decision was made; the partition key (part of the primary key). */
  @PrimaryColumn({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt: Date;

  /** Subject of the bearer token that asked. */
  @Column({ type: 'text' })
  caller: string;

  @Column({ name: 'request_id', type: 'text' })
  requestId: string;

  @Column({ name: 'rulebook_key', type: 'text' })
  rulebookKey: string;

  @Column({ name: 'rulebook_version', type: 'text' })
  rulebookVersion: string;

  @Column({ name: 'content_hash', type: 'text' })
  contentHash: string;

  /** Status of the rulebook version when it decided (`approved`, …); NULL for decisions recorded before it was kept. */
  @Column({ name: 'rulebook_status', type: 'text', nullable: true })
  rulebookStatus: string | null;

  @Column({ name: 'as_of', type: 'timestamptz' })
  asOf: Date;

  @Column({ name: 'workflow_instance_id', type: 'text', nullable: true })
  workflowInstanceId: string | null;

  @Column({ name: 'source_event_id', type: 'text', nullable: true })
  sourceEventId: string | null;

  @Column({ name: 'patient_ref', type: 'text', nullable: true })
  patientRef: string | null;

  @Column({ name: 'encounter_ref', type: 'text', nullable: true })
  encounterRef: string | null;

  @Column({ type: 'jsonb' })
  outcome: Record<string, unknown>;

  /** `sha256:<hex>` of the RFC 8785 canonical JSON of the request body. */
  @Column({ name: 'input_hash', type: 'text' })
  inputHash: string;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  /**
   * `sha256:<hex>` over the RFC 8785 canonical content of the whole record (see `audit-record-hash.ts`), computed when
   * it is written; NULL for decisions recorded before hashes were kept (the chain sealer hashes those from their rows).
   */
  @Column({ name: 'record_hash', type: 'text', nullable: true })
  recordHash: string | null;

  /** The Verdict build that decided: package version (`0.1.0`); NULL for decisions recorded before it was kept. */
  @Column({ name: 'verdict_version', type: 'text', nullable: true })
  verdictVersion: string | null;

  /** The Verdict build that decided: git commit, or `unknown`; NULL for decisions recorded before it was kept. */
  @Column({ name: 'verdict_commit', type: 'text', nullable: true })
  verdictCommit: string | null;

  /** The patient the facts were taken about (`explanation.patient`), when one was identified. */
  @Column({ name: 'fact_patient_ref', type: 'text', nullable: true })
  factPatientRef: string | null;

  /** FHIR resources left out by the intake, with why (`explanation.ignoredResources`); NULL when none. */
  @Column({ name: 'ignored_resources', type: 'jsonb', nullable: true })
  ignoredResources: unknown[] | null;
}
