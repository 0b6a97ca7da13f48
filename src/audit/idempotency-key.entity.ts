import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An `Idempotency-Key` a caller used, bound to the hash of its request and the decision it produced. */
@Entity({ name: 'idempotency_key' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'text' })
  caller: string;

  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  @Column({ name: 'decision_id', type: 'uuid' })
  decisionId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
