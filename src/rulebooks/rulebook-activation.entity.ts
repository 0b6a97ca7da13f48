import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An activation: from `effectiveFrom` on, `version` is the active version of `rulebookKey` (until a later
 * activation takes effect). Append-only; the version active at an instant is the latest activation effective then.
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
}
