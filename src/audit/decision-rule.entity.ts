import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One evaluated rule of a decision, fired or not, with its explained condition tree (table `decision_rule`). */
@Entity({ name: 'decision_rule' })
export class DecisionRuleEntity {
  @PrimaryColumn({ name: 'decision_id', type: 'uuid' })
  decisionId: string;

  /** The decision's `evaluated_at`: the partition key, so a decision and its rows share a monthly partition. */
  @PrimaryColumn({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt: Date;

  /** Position in evaluation order, from 0. */
  @PrimaryColumn({ type: 'integer' })
  ordinal: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'integer' })
  stage: number;

  @Column({ type: 'integer' })
  priority: number;

  @Column({ type: 'boolean' })
  fired: boolean;

  @Column({ type: 'jsonb' })
  event: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  conditions: Record<string, unknown>;
}
