import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What the governance history records: the transitions of the lifecycle (draft -> in_review -> approved -> active ->
 * retired, or rejected from review), draft edits, activations (now, scheduled, rollback), scheduled activations
 * superseded by a later governance decision, the bundled imports (`import`: into review) and the bootstrap of a fresh
 * installation (`bootstrap`: bundled versions approved without review, once, while the database held no version).
 */
export type RulebookHistoryAction =
  | 'import'
  | 'bootstrap'
  | 'create'
  | 'update'
  | 'submit'
  | 'approve'
  | 'reject'
  | 'activate'
  | 'rollback'
  | 'retire'
  | 'supersede';

/**
 * One entry of the governance history of a rulebook: a transition (`outcome: done`) or a refused attempt
 * (`outcome: refused`, with the problem the caller got). Append-only (a trigger rejects UPDATE, DELETE, TRUNCATE).
 */
@Entity({ name: 'rulebook_history' })
export class RulebookHistoryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  at: Date;

  @Column({ name: 'rulebook_key', type: 'text' })
  rulebookKey: string;

  @Column({ type: 'text', nullable: true })
  version: string | null;

  @Column({ type: 'text' })
  action: RulebookHistoryAction;

  @Column({ type: 'text' })
  outcome: 'done' | 'refused';

  /** The token subject who acted. */
  @Column({ type: 'text' })
  actor: string;

  /** The role the actor acted in (`rulebook:approve`, `safety:approve`, `system` for the bundle importer, …), or the roles they held when refused for want of one. */
  @Column({ type: 'text' })
  role: string;

  @Column({ name: 'from_status', type: 'text', nullable: true })
  fromStatus: string | null;

  @Column({ name: 'to_status', type: 'text', nullable: true })
  toStatus: string | null;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ name: 'content_hash', type: 'text', nullable: true })
  contentHash: string | null;

  @Column({ name: 'effective_from', type: 'timestamptz', nullable: true })
  effectiveFrom: Date | null;

  /** For a refused attempt: `{code, status, detail, errors?}` as the caller received it. */
  @Column({ type: 'jsonb', nullable: true })
  problem: Record<string, unknown> | null;
}
