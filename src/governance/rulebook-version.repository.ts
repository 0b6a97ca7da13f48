import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isSemVer } from '../common/semver.js';
import type { RulebookVersionStatus } from '../rulebooks/rulebook-version.entity.js';
import type { RulebookKind } from '../rulebooks/rulebook.types.js';
import { type ConflictingDuty, versionNotFound } from './rulebook-governance.errors.js';
import type { ApprovalRow, PeriodRow, VersionRow } from './rulebook-governance.rows.js';

/** What runs SQL: the data source's manager, or a transaction's. */
export type Queryable = Pick<EntityManager, 'query'>;

const KEY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Whether `key` is a valid rulebook key: kebab-case, starting with a letter (`ed-triage`). */
export function isRulebookKey(key: string): boolean {
  return KEY.test(key);
}

/**
 * Governance's reads of the rulebook tables (`rulebook`, `rulebook_version`, `rulebook_approval`,
 * `rulebook_active_period`), from the database rather than from the in-memory registry: governance decides on what
 * is committed, inside the transaction of the action when one is given (`q`). A malformed key or version finds
 * nothing (never a SQL error).
 */
@Injectable()
export class RulebookVersionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The kind of the rulebook `key`, or undefined when there is none. */
  async kindOf(key: string, q: Queryable = this.dataSource.manager): Promise<RulebookKind | undefined> {
    if (!isRulebookKey(key)) return undefined;
    const rows = (await q.query(`SELECT kind FROM rulebook WHERE key = $1`, [key])) as { kind: RulebookKind }[];
    return rows[0]?.kind;
  }

  /** Every rulebook, by key. */
  async rulebooks(): Promise<{ key: string; kind: RulebookKind; title: string }[]> {
    return (await this.dataSource.query(`SELECT key, kind, title FROM rulebook ORDER BY key`)) as { key: string; kind: RulebookKind; title: string }[];
  }

  /** Every version of every rulebook, without its document: by key, then oldest first. */
  async versionStatuses(): Promise<{ rulebook_key: string; version: string; status: RulebookVersionStatus; content_hash: string }[]> {
    return (await this.dataSource.query(
      `SELECT rulebook_key, version, status, content_hash FROM rulebook_version ORDER BY rulebook_key, created_at, version`,
    )) as { rulebook_key: string; version: string; status: RulebookVersionStatus; content_hash: string }[];
  }

  /** The versions of `key`, oldest first. */
  async versions(key: string): Promise<VersionRow[]> {
    return (await this.dataSource.query(`SELECT * FROM rulebook_version WHERE rulebook_key = $1 ORDER BY created_at, version`, [key])) as VersionRow[];
  }

  /**
   * One version, or undefined.
   * @param lock take the row lock (`FOR NO KEY UPDATE`) in the transaction `q`
   */
  async find(key: string, version: string, q: Queryable = this.dataSource.manager, lock = false): Promise<VersionRow | undefined> {
    if (!isSemVer(version)) return undefined;
    const rows = (await q.query(`SELECT * FROM rulebook_version WHERE rulebook_key = $1 AND version = $2${lock ? ' FOR NO KEY UPDATE' : ''}`, [key, version])) as VersionRow[];
    return rows[0];
  }

  /**
   * One version, locked for the rest of the transaction `tx`.
   * @throws DomainError 404 `RULEBOOK_VERSION_NOT_FOUND`
   */
  async findLocked(tx: Queryable, key: string, version: string): Promise<VersionRow> {
    const row = await this.find(key, version, tx, true);
    if (!row) throw versionNotFound(key, version);
    return row;
  }

  /** The activation timeline of `key`, earliest period first. */
  async periods(key: string, q: Queryable = this.dataSource.manager): Promise<PeriodRow[]> {
    return (await q.query(
      `SELECT version, valid_from, valid_until FROM rulebook_active_period WHERE rulebook_key = $1 ORDER BY valid_from`, [key])) as PeriodRow[];
  }

  /** The activation timelines of every rulebook, by key, earliest period first. */
  async allPeriods(): Promise<(PeriodRow & { rulebook_key: string })[]> {
    return (await this.dataSource.query(
      `SELECT rulebook_key, version, valid_from, valid_until FROM rulebook_active_period ORDER BY rulebook_key, valid_from`,
    )) as (PeriodRow & { rulebook_key: string })[];
  }

  /** Whether `key@version` is the version active at the database's present instant. */
  async isActiveNow(key: string, version: string, q: Queryable = this.dataSource.manager): Promise<boolean> {
    const rows = (await q.query(
      `SELECT 1 FROM rulebook_active_period WHERE rulebook_key = $1 AND version = $2 AND valid_from <= clock_timestamp() AND valid_until > clock_timestamp()`,
      [key, version])) as unknown[];
    return rows.length > 0;
  }

  /**
   * The duty `subject` already holds on the version `row` that excludes approving it (separation of duties), or
   * undefined when it holds none: its submitter; one of its authors (`created_by` or `editors`); or an author of a
   * version it was copied from, following `based_on` through copies of copies (the nearest such version is named).
   * The database's approval trigger (migration 1795400000010-SeparationOfDuties) applies the same rule.
   */
  async dutyConflict(q: Queryable, row: VersionRow, subject: string): Promise<ConflictingDuty | undefined> {
    if (row.submitted_by === subject) return { duty: 'submitter' };
    const [authored] = (await q.query(
      `WITH RECURSIVE lineage AS (
         SELECT version, created_by, editors, based_on, 0 AS depth FROM rulebook_version WHERE id = $1
         UNION ALL
         SELECT p.version, p.created_by, p.editors, p.based_on, l.depth + 1
           FROM rulebook_version p JOIN lineage l ON p.rulebook_key = $2 AND p.version = l.based_on
          WHERE l.depth < 1000
       )
       SELECT version, depth FROM lineage WHERE created_by = $3 OR editors ? $3 ORDER BY depth LIMIT 1`,
      [row.id, row.rulebook_key, subject])) as { version: string; depth: number }[];
    if (!authored) return undefined;
    return authored.depth === 0 ? { duty: 'author' } : { duty: 'origin-author', origin: authored.version };
  }

  /** The approvals of every version of `key`, oldest first. */
  async approvalsOfRulebook(key: string): Promise<ApprovalRow[]> {
    return (await this.dataSource.query(
      `SELECT a.* FROM rulebook_approval a JOIN rulebook_version v ON v.id = a.version_id WHERE v.rulebook_key = $1 ORDER BY a.approved_at`, [key])) as ApprovalRow[];
  }

  /** The approvals of one version (by `rulebook_version.id`). */
  async approvalsOfVersion(versionId: string, q: Queryable = this.dataSource.manager): Promise<ApprovalRow[]> {
    return (await q.query(`SELECT * FROM rulebook_approval WHERE version_id = $1 ORDER BY approved_at`, [versionId])) as ApprovalRow[];
  }
}
