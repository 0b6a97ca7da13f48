import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import type { Role } from '../config/app.config.js';
import type { RulebookHistoryAction } from '../rulebooks/rulebook-history.entity.js';
import { instant, type Timestamp } from './rulebook-governance.rows.js';
import type { HistoryEntryView, HistoryPageView, RulebookHistoryStatus } from './rulebook-governance.types.js';
import type { Queryable } from './rulebook-version.repository.js';

/** A history entry to write. */
export interface HistoryInsert {
  key: string;
  version?: string | null;
  action: RulebookHistoryAction;
  outcome: 'done' | 'refused';
  /** The token subject who acted. */
  actor: string;
  /** The role acted in (`historyRole`). */
  role: string;
  fromStatus?: RulebookHistoryStatus | null;
  toStatus?: RulebookHistoryStatus | null;
  comment?: string | null;
  contentHash?: string | null;
  /** RFC 3339 instant an activation takes effect. */
  effectiveFrom?: string | null;
  /** For a refusal: the problem the caller received. */
  problem?: HistoryEntryView['problem'];
}

interface HistoryRow {
  id: string;
  at: Date;
  rulebook_key: string;
  version: string | null;
  action: RulebookHistoryAction;
  outcome: 'done' | 'refused';
  actor: string;
  role: string;
  from_status: RulebookHistoryStatus | null;
  to_status: RulebookHistoryStatus | null;
  comment: string | null;
  content_hash: string | null;
  effective_from: Timestamp | null;
  problem: HistoryEntryView['problem'];
}

/**
 * The role a history entry names: the one the action required when the principal holds it, else every role held (for
 * a refusal for want of the role), or `none`.
 */
export function historyRole(principal: Principal, required: Role): string {
  if (principal.roles.includes(required)) return required;
  return principal.roles.join(' ') || 'none';
}

/**
 * The governance history (`rulebook_history`): append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), one
 * entry per transition and per refused attempt, identified by an increasing id.
 */
@Injectable()
export class RulebookHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends one entry, in the transaction `q` of the action it records (or on its own, for a refusal). */
  async record(q: Queryable, e: HistoryInsert): Promise<void> {
    await q.query(
      `INSERT INTO rulebook_history (rulebook_key, version, action, outcome, actor, role, from_status, to_status, comment, content_hash, effective_from, problem)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [e.key, e.version ?? null, e.action, e.outcome, e.actor, e.role, e.fromStatus ?? null, e.toStatus ?? null, e.comment ?? null,
        e.contentHash ?? null, e.effectiveFrom ?? null, e.problem ? JSON.stringify(e.problem) : null],
    );
  }

  /** Every entry of one version, oldest first. */
  async ofVersion(key: string, version: string): Promise<HistoryEntryView[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM rulebook_history WHERE rulebook_key = $1 AND version = $2 ORDER BY id`, [key, version])) as HistoryRow[];
    return rows.map(historyView);
  }

  /**
   * One page of a rulebook's history, oldest first, with the URL of the next page.
   * @param options `version` (only that version's entries), `after` (entries with a larger id), `limit` (entries per page)
   */
  async page(key: string, options: { version?: string; after: number; limit: number }): Promise<HistoryPageView> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM rulebook_history
        WHERE rulebook_key = $1 AND ($2::text IS NULL OR version = $2) AND id > $3
        ORDER BY id LIMIT $4`,
      [key, options.version ?? null, options.after, options.limit + 1],
    )) as HistoryRow[];
    const entries = rows.slice(0, options.limit).map(historyView);
    const more = rows.length > options.limit;
    const query = new URLSearchParams({ ...(options.version ? { version: options.version } : {}), after: String(entries.at(-1)?.id ?? 0), limit: String(options.limit) });
    return { rulebook: key, entries, next: more ? `/v1/rulebooks/${key}/history?${query.toString()}` : null };
  }
}

function historyView(row: HistoryRow): HistoryEntryView {
  return {
    id: Number(row.id),
    at: new Date(row.at).toISOString(),
    rulebook: row.rulebook_key,
    version: row.version,
    action: row.action,
    outcome: row.outcome,
    actor: row.actor,
    role: row.role,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    comment: row.comment,
    contentHash: row.content_hash,
    effectiveFrom: row.effective_from === null ? null : row.effective_from === -Infinity ? '-infinity' : instant(row.effective_from),
    problem: row.problem,
  };
}
