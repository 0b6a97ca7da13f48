import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An activation act: from `effectiveFrom` on, `version` is the active version of `rulebookKey`. Append-only: the log
 * of who activated what for when. The timeline it produces (which version is active when) is materialised in
 * `rulebook_active_period`, where the database enforces exactly one active version at every instant.
 */
@Entity({ name: 'rulebook_activation' })
export class RulebookActivationEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'rulebook_key', type: 'text' })
  rulebookKey: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ name: 'effective_from', type: 'timestamptz' })
  effectiveFrom: Date;

  @Column({ name: 'activated_by', type: 'text' })
  activatedBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Why (required for a rollback). */
  @Column({ type: 'text', nullable: true })
  comment: string | null;
}
