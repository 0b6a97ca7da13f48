import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One access to the audit by an auditor (table `audit_access_log`, append-only): who, when, what (search, read,
 * export, verify, access-log), with which filters, how many records and which patients. ASTM E2147 section 7.
 */
@Entity({ name: 'audit_access_log' })
export class AuditAccessLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;

  /** Subject of the bearer token (FHIR AuditEvent.agent.who). */
  @Column({ type: 'text' })
  accessor: string;

  @Column({ type: 'text' })
  action: string;

  /** `success`, `not-found`, `incomplete` (an export the client stopped) or `failed`. */
  @Column({ type: 'text' })
  outcome: string;

  @Column({ name: 'request_id', type: 'text' })
  requestId: string;

  /** The path that was read. */
  @Column({ type: 'text' })
  resource: string;

  /** The query parameters, as given. */
  @Column({ type: 'jsonb' })
  query: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  format: string | null;

  @Column({ name: 'record_count', type: 'integer', nullable: true })
  recordCount: number | null;

  /** Distinct patients whose decisions were disclosed (searches and reads; exports list them by their filters). */
  @Column({ name: 'patient_refs', type: 'jsonb', nullable: true })
  patientRefs: string[] | null;
}
