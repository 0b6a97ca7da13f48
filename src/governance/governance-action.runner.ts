import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { hasRole, type Principal } from '../auth/principal.js';
import type { DomainError } from '../common/domain-error.js';
import type { Role } from '../config/app.config.js';
import { RULEBOOK_CHANGE_CHANNEL } from '../rulebooks/rulebook-change-channel.js';
import type { RulebookHistoryAction } from '../rulebooks/rulebook-history.entity.js';
import { RulebookRegistry } from '../rulebooks/rulebook-registry.service.js';
import type { RulebookDocument, RulebookKind } from '../rulebooks/rulebook.types.js';
import { asRefusal, roleRequired, rulebookNotFound } from './rulebook-governance.errors.js';
import { versionState } from './rulebook-governance.rows.js';
import type { RulebookHistoryStatus } from './rulebook-governance.types.js';
import { historyRole, RulebookHistoryRepository } from './rulebook-history.repository.js';
import { RulebookVersionRepository } from './rulebook-version.repository.js';

/** What one governance action is, for its checks and its history (a refusal is recorded with it too). */
export interface GovernanceAction {
  principal: Principal;
  key: string;
  version?: string;
  action: RulebookHistoryAction;
  /** The role the action needs (held by the principal itself: no role implies another). */
  role: Role;
  comment?: string | null;
  /** The state the action leads to, recorded with a refusal as what was asked for. */
  toStatus?: RulebookHistoryStatus;
}

/** Options of `GovernanceActionRunner.run`. */
export interface GovernanceActionOptions {
  /** Checks the caller's input before the transaction; what it throws is a refusal (recorded). */
  validate?: () => void;
  /** For a draft of a key that does not exist yet: the document whose kind and title create the rulebook. */
  newDocument?: RulebookDocument;
}

/**
 * Runs governance actions the same way, on the database several instances share (rulebooks/GOVERNANCE.md):
 *
 * 1. the rulebook must exist (404, not recorded) unless the action creates it; the caller must hold the role (403);
 * 2. one transaction first locks the rulebook's row (`FOR NO KEY UPDATE`: actions on one key are serialized across
 *    instances, while decisions, whose foreign keys only take key-share locks, never wait for them), runs the work
 *    (which writes its own history entry) and announces the change with `pg_notify` (delivered at commit);
 * 3. after the commit this instance's registry is refreshed (the others refresh on the notification);
 * 4. a refusal (403, 409, 422, or a database rule that caught a race, as 409 `GOVERNANCE_CONFLICT`) of an action on an
 *    existing rulebook is recorded in the history in a transaction of its own, with the version's state at that
 *    moment as `fromStatus` (`active` when it is the version active now), then thrown.
 */
@Injectable()
export class GovernanceActionRunner {
  private readonly logger = new Logger(GovernanceActionRunner.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly versions: RulebookVersionRepository,
    private readonly history: RulebookHistoryRepository,
    private readonly registry: RulebookRegistry,
  ) {}

  /**
   * Runs `work` as the governance action `action`.
   * @param work the action's reads and writes, in the transaction `tx`, given the rulebook's kind
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND`, 403 `FORBIDDEN`, and whatever refusal `validate` or `work` throws
   *   (403, 409, 422); other errors (an outage, a bug) as they are, unrecorded
   */
  async run(action: GovernanceAction, work: (tx: EntityManager, kind: RulebookKind) => Promise<void>, options: GovernanceActionOptions = {}): Promise<void> {
    const existingKind = await this.versions.kindOf(action.key);
    if (!existingKind && action.action !== 'create') throw rulebookNotFound(action.key);
    const newDocument = options.newDocument;
    try {
      if (!hasRole(action.principal, action.role)) throw roleRequired(action.action, action.role);
      options.validate?.();
      await this.dataSource.transaction(async (tx) => {
        if (!existingKind && newDocument) {
          await tx.query(`INSERT INTO rulebook (key, kind, title) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`, [action.key, newDocument.kind, newDocument.title]);
        }
        const [locked] = (await tx.query(`SELECT kind FROM rulebook WHERE key = $1 FOR NO KEY UPDATE`, [action.key])) as { kind: RulebookKind }[];
        await work(tx, locked.kind);
        await tx.query(`SELECT pg_notify($1, $2)`, [RULEBOOK_CHANGE_CHANNEL, JSON.stringify({ key: action.key, version: action.version ?? null, action: action.action })]);
      });
    } catch (error) {
      const refusal = asRefusal(error);
      if (!refusal) throw error;
      if (existingKind) await this.recordRefusal(action, refusal);
      throw refusal;
    }
    await this.registry.refresh().catch((error: Error) => this.logger.warn(`registry refresh after ${action.action} failed: ${error.message}`));
  }

  private async recordRefusal(action: GovernanceAction, refusal: DomainError): Promise<void> {
    try {
      const row = action.version ? await this.versions.find(action.key, action.version) : undefined;
      // The version's real state when refused: its stored status, or `active` when it is the version active now.
      const fromStatus = row ? versionState(row.status, await this.versions.isActiveNow(action.key, row.version)) : null;
      await this.history.record(this.dataSource.manager, {
        key: action.key, version: row ? action.version : null, action: action.action, outcome: 'refused',
        actor: action.principal.subject, role: historyRole(action.principal, action.role),
        fromStatus, toStatus: action.toStatus ?? null, comment: action.comment ?? null, contentHash: row?.content_hash ?? null,
        problem: { status: refusal.status, code: refusal.code, detail: refusal.detail, ...(refusal.errors ? { errors: refusal.errors } : {}) },
      });
    } catch (error) {
      // The refusal still reaches the caller; losing its history entry is logged loudly.
      this.logger.error(`could not record the refused ${action.action} of ${action.key}@${action.version ?? ''}: ${(error as Error).message}`);
    }
  }
}
