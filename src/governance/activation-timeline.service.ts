import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { approvalNeeds } from './approval-requirements.js';
import { alreadyActive, effectiveFromNotInFuture, rollbackTargetInvalid, versionInUse, versionNotApproved } from './rulebook-governance.errors.js';
import { contains, instant, time, versionState } from './rulebook-governance.rows.js';
import { historyRole, RulebookHistoryRepository } from './rulebook-history.repository.js';
import { RulebookVersionRepository } from './rulebook-version.repository.js';

/** An activation to write: now (no `effectiveFrom`) or at a future instant; a rollback is always now. */
export interface ActivationRequest {
  principal: Principal;
  key: string;
  version: string;
  action: 'activate' | 'rollback';
  effectiveFrom?: Date;
  comment?: string;
}

/**
 * The activation timeline of a rulebook (`rulebook_activation`, the append-only log of activations, and
 * `rulebook_active_period`, the periods it results in): exactly one version is active at every instant, which an
 * exclusion constraint and triggers of the database enforce as a second line.
 *
 * An activation decides the timeline from its instant on: the period in effect then ends at that instant, activations
 * scheduled at or after it are superseded, and the version is active from it on, open-ended. The past is never
 * rewritten. The history reads (`fromStatus` -> `toStatus`, each the version's state as callers see it):
 * - activation now, or a rollback: `approved` -> `active` (`active` -> `active` when it re-activates the version active
 *   now, which cancels what was scheduled after it);
 * - activation at a future instant: `approved` -> `scheduled`, with `effectiveFrom`; the version stays `approved`
 *   until that instant and is `active` from it on, which the timeline decides (no entry is written then);
 * - a superseded scheduled activation: `scheduled` -> the version's state after the change (`approved`, or `active`
 *   when it is the version active now), with the `effectiveFrom` it had.
 */
@Injectable()
export class ActivationTimelineService {
  constructor(
    private readonly versions: RulebookVersionRepository,
    private readonly history: RulebookHistoryRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Writes an activation (or rollback) in the action's transaction `tx`, whose rulebook row is locked.
   * @throws DomainError 404 `RULEBOOK_VERSION_NOT_FOUND`; 409 `VERSION_NOT_APPROVED` (for a version in review, with
   *   the approvals it still lacks), `ALREADY_ACTIVE`, `ROLLBACK_TARGET_INVALID`; 422 `EFFECTIVE_FROM_NOT_IN_FUTURE`
   */
  async activate(tx: EntityManager, request: ActivationRequest): Promise<void> {
    const { principal, key, version, action, effectiveFrom, comment } = request;
    const row = await this.versions.findLocked(tx, key, version);
    if (row.status !== 'approved') {
      let missing: { approvals: number; safety: number } | undefined;
      if (row.status === 'in_review') {
        const kind = await this.versions.kindOf(key, tx);
        if (kind) missing = approvalNeeds(this.config, row, kind, await this.versions.approvalsOfVersion(row.id, tx));
      }
      throw versionNotApproved(key, version, row.status, missing);
    }
    // Taken after the lock: activations of one key get increasing instants in the order they commit.
    const [{ now }] = (await tx.query(`SELECT date_trunc('milliseconds', clock_timestamp()) AS now`)) as { now: Date }[];
    const nowMs = new Date(now).getTime();
    if (effectiveFrom && effectiveFrom.getTime() <= nowMs) throw effectiveFromNotInFuture(effectiveFrom, new Date(nowMs));
    const scheduled = effectiveFrom !== undefined;
    const at = effectiveFrom ?? new Date(nowMs);
    const atMs = at.getTime();
    const periods = await this.versions.periods(key, tx);
    const current = periods.find((p) => contains(p, nowMs));
    const inEffect = periods.find((p) => contains(p, atMs));
    const later = periods.filter((p) => time(p.valid_from) >= atMs);
    if (action === 'rollback') {
      const wasActive = periods.some((p) => p.version === version && time(p.valid_from) < nowMs);
      if (!wasActive || current?.version === version) throw rollbackTargetInvalid(key, version, current?.version === version);
    } else if (inEffect?.version === version && later.every((p) => p === inEffect)) {
      throw alreadyActive(key, version, at);
    }
    const role = historyRole(principal, 'rulebook:approve');
    // The version active now once this activation is written: itself when it takes effect now.
    const activeAfter = scheduled ? current?.version : version;
    for (const p of later) {
      await this.history.record(tx, { key, version: p.version, action: 'supersede', outcome: 'done', actor: principal.subject, role,
        fromStatus: 'scheduled', toStatus: p.version === activeAfter ? 'active' : 'approved', effectiveFrom: instant(p.valid_from),
        comment: `activation scheduled at ${instant(p.valid_from)} superseded by the ${action} of ${version} at ${at.toISOString()}` });
    }
    await tx.query(`DELETE FROM rulebook_active_period WHERE rulebook_key = $1 AND valid_from >= $2`, [key, at.toISOString()]);
    await tx.query(`UPDATE rulebook_active_period SET valid_until = $2 WHERE rulebook_key = $1 AND valid_from < $2 AND valid_until > $2`, [key, at.toISOString()]);
    const [activation] = (await tx.query(
      `INSERT INTO rulebook_activation (rulebook_key, version, effective_from, activated_by, comment) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [key, version, at.toISOString(), principal.subject, comment ?? null])) as { id: string }[];
    await tx.query(`INSERT INTO rulebook_active_period (rulebook_key, valid_from, valid_until, version, activation_id) VALUES ($1, $2, 'infinity', $3, $4)`,
      [key, at.toISOString(), version, activation.id]);
    await this.history.record(tx, { key, version, action, outcome: 'done', actor: principal.subject, role,
      fromStatus: versionState(row.status, current?.version === version), toStatus: scheduled ? 'scheduled' : 'active',
      contentHash: row.content_hash, effectiveFrom: at.toISOString(), comment: comment ?? null });
  }

  /**
   * Refuses to let go of a version the timeline still uses: active now, or scheduled to become active.
   * @throws DomainError 409 `VERSION_IN_USE`
   */
  async assertNotInUse(tx: EntityManager, key: string, version: string): Promise<void> {
    const [use] = (await tx.query(
      `SELECT valid_from FROM rulebook_active_period WHERE rulebook_key = $1 AND version = $2 AND valid_until > clock_timestamp() ORDER BY valid_from LIMIT 1`,
      [key, version])) as { valid_from: Date | number }[];
    if (!use) return;
    throw versionInUse(key, version, time(use.valid_from) <= Date.now() ? 'active now' : `scheduled to become active at ${instant(use.valid_from)}`);
  }
}
