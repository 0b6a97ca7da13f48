import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One link of the tamper-evident chain (table `decision_chain`, append-only): the decision at chain position `seq`,
 * the hash of its record and `chainHash = sha256(previous chainHash | seq | decisionId | recordHash)`.
 */
@Entity({ name: 'decision_chain' })
export class DecisionChainEntryEntity {
  /** Position in the chain, from 1, without gaps. */
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ name: 'decision_id', type: 'uuid' })
  decisionId: string;

  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt: Date;

  @Column({ name: 'record_hash', type: 'text' })
  recordHash: string;

  @Column({ name: 'chain_hash', type: 'text' })
  chainHash: string;

  /** The commit batch that appended this link. */
  @Column({ name: 'seal_no', type: 'bigint' })
  sealNo: string;
}
