import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One approval of a rulebook version by one approver, bound to the content hash the approver reviewed, and whether the
 * approver gave it as clinical safety officer. Append-only;
 * the database refuses an approval by the version's author or an editor, of a version not in review, or of another
 * content hash.
 */
@Entity({ name: 'rulebook_approval' })
export class RulebookApprovalEntity {
  @PrimaryColumn({ name: 'version_id', type: 'uuid' })
  versionId: string;

  @PrimaryColumn({ type: 'text' })
  approver: string;

  @Column({ name: 'content_hash', type: 'text' })
  contentHash: string;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  /** Given by a clinical safety officer (role `safety:approve`): counts toward the safety-officer approvals too. */
  @Column({ name: 'as_safety_officer', type: 'boolean', default: false })
  asSafetyOfficer: boolean;

  @Column({ name: 'approved_at', type: 'timestamptz', default: () => 'now()' })
  approvedAt: Date;
}
