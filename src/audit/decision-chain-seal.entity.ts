import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One commit batch of the chain (table `decision_chain_seal`, append-only): every decision committed since the
 * previous batch, appended in (evaluated_at, id) order. `horizon` promises that every decision evaluated before it is
 * in the chain: a decision older than the horizon that is not is an inserted record.
 */
@Entity({ name: 'decision_chain_seal' })
export class DecisionChainSealEntity {
  @PrimaryColumn({ name: 'seal_no', type: 'bigint' })
  sealNo: string;

  @Column({ name: 'sealed_at', type: 'timestamptz' })
  sealedAt: Date;

  @Column({ type: 'timestamptz' })
  horizon: Date;

  @Column({ name: 'first_seq', type: 'bigint', nullable: true })
  firstSeq: string | null;

  @Column({ name: 'last_seq', type: 'bigint', nullable: true })
  lastSeq: string | null;

  @Column({ type: 'integer' })
  records: number;

  /** The chain hash after this batch (the previous head when the batch is empty). */
  @Column({ name: 'head_hash', type: 'text' })
  headHash: string;

  /** Who sealed: `verdict-service` or the tool that did (`audit-seed`). */
  @Column({ name: 'sealed_by', type: 'text' })
  sealedBy: string;
}
