import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { RulebookDocument } from './rulebook.types.js';

/** Lifecycle states stored for a version. "active" is not stored: it is the version whose activation is in effect. */
export type RulebookVersionStatus = 'draft' | 'in_review' | 'approved' | 'rejected' | 'retired';

/** One immutable version of a rulebook: its whole document and the sha256 of its RFC 8785 canonical JSON. */
@Entity({ name: 'rulebook_version' })
export class RulebookVersionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'rulebook_key', type: 'text' })
  rulebookKey: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ type: 'text' })
  status: RulebookVersionStatus;

  @Column({ type: 'jsonb' })
  content: RulebookDocument;

  @Column({ name: 'content_hash', type: 'text' })
  contentHash: string;

  /** Where the version came from: `bundled` (a file in `rulebooks/`) or `api`. */
  @Column({ type: 'text' })
  provenance: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The version this one was copied from (a draft created as a copy), if any. */
  @Column({ name: 'based_on', type: 'text', nullable: true })
  basedOn: string | null;

  /** Subjects who created or changed the content while it was a draft: none of them may approve it (four-eyes). */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  editors: string[];

  /** Distinct approvals needed, fixed from the per-kind policy when the version is submitted. */
  @Column({ name: 'approvals_required', type: 'integer', nullable: true })
  approvalsRequired: number | null;

  /** Of those, approvals that must come from a clinical safety officer (`safety:approve`), fixed at submission too. */
  @Column({ name: 'safety_approvals_required', type: 'integer', default: 0 })
  safetyApprovalsRequired: number;

  @Column({ name: 'submitted_by', type: 'text', nullable: true })
  submittedBy: string | null;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
