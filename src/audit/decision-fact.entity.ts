import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One fact a decision used (table `decision_fact`): its canonical value and unit, where it came from (`request`,
 * `fhir`, `default`, `derived`, or `missing` with a null value), the FHIR reference, code and effective time, and the
 * raw value before conversion and rounding.
 */
@Entity({ name: 'decision_fact' })
export class DecisionFactEntity {
  @PrimaryColumn({ name: 'decision_id', type: 'uuid' })
  decisionId: string;

  /** The decision's `evaluated_at`: the partition key, so a decision and its rows share a monthly partition. */
  @PrimaryColumn({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt: Date;

  @PrimaryColumn({ type: 'integer' })
  ordinal: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'jsonb', nullable: true })
  value: unknown;

  @Column({ type: 'text', nullable: true })
  unit: string | null;

  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'text', nullable: true })
  reference: string | null;

  @Column({ type: 'text', nullable: true })
  code: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  effective: Date | null;

  @Column({ name: 'raw_value', type: 'jsonb', nullable: true })
  rawValue: unknown;

  @Column({ name: 'raw_unit', type: 'text', nullable: true })
  rawUnit: string | null;

  /** FHIR status of the resource the value came from (`Observation.status`), when known. */
  @Column({ type: 'text', nullable: true })
  status: string | null;

  /** On a `missing` row: why (`stale`, `status-not-accepted`, `unreadable`, …); then `reference`… describe the unused reading. */
  @Column({ name: 'missing_reason', type: 'text', nullable: true })
  missingReason: string | null;

  /** On a `missing` row: the sentence explaining why. */
  @Column({ name: 'missing_detail', type: 'text', nullable: true })
  missingDetail: string | null;
}
