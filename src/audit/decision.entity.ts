import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The audit record of one decision (table `decision`, append-only). Rules and facts are in their own tables. */
@Entity({ name: 'decision' })
export class DecisionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'evaluated_at', type: 'timestamptz' })
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
}
