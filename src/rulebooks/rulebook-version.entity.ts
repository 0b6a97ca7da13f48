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
}
