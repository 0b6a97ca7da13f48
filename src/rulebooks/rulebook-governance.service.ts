import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import { hasRole } from '../auth/principal.js';
import { contentHash } from '../common/canonical-json.js';
import { DomainError, type ProblemPointer, validationFailed } from '../common/domain-error.js';
import { isConstraintRefusal } from '../common/postgres-errors.js';
import { isSemVer } from '../common/semver.js';
import { APP_CONFIG, type AppConfig, type Role } from '../config/app.config.js';
import { ImpactSimulationService, type SimulationWindow } from '../decisions/impact-simulation.service.js';
import type { ImpactReport } from '../decisions/impact-simulation.js';
import { diffRulebooks, type RulebookDiff } from './rulebook-diff.js';
import type {
  ActivePeriodView,
  ApprovalView,
  HistoryEntryView,
  RulebookHistoryAction,
  RulebookSummaryView,
  RulebookVersionState,
  VersionDetailView,
  VersionSummaryView,
} from './rulebook-governance.types.js';
import { checkRulebookStructure, runQualityGate } from './rulebook-quality-gate.js';
import { RULEBOOK_CHANGE_CHANNEL, RulebookRegistry } from './rulebook-registry.service.js';
import { validateRulebookDocument } from './rulebook-schema.validator.js';
import type { RulebookVersionStatus } from './rulebook-version.entity.js';
import type { RulebookDocument, RulebookKind } from './rulebook.types.js';

const KEY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

interface VersionRow {
  id: string;
  rulebook_key: string;
  version: string;
  status: RulebookVersionStatus;
  content: RulebookDocument;
  content_hash: string;
  provenance: string;
  created_by: string;
  created_at: Date;
  based_on: string | null;
  editors: string[];
  approvals_required: number | null;
  safety_approvals_required: number;
  submitted_by: string | null;
  submitted_at: Date | null;
  updated_at: Date;
}

/** A timestamptz as node-postgres returns it: a Date, or the number ±Infinity for ±infinity. */
type Timestamp = Date | number;

interface PeriodRow {
  version: string;
  valid_from: Timestamp;
  valid_until: Timestamp;
}

interface ApprovalRow {
  version_id: string;
  approver: string;
  content_hash: string;
  comment: string | null;
  approved_at: Date;
  as_safety_officer: boolean;
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
  from_status: string | null;
  to_status: string | null;
  comment: string | null;
  content_hash: string | null;
  effective_from: Timestamp | null;
  problem: HistoryEntryView['problem'];
}

/** What one governance action is, for the history (a refusal is recorded with it too). */
interface ActionContext {
  principal: Principal;
  key: string;
  version?: string;
  action: RulebookHistoryAction;
  role: Role;
  comment?: string | null;
  toStatus?: string;
}

/** A history entry to write. */
interface HistoryInsert {
  key: string;
  version?: string | null;
  action: RulebookHistoryAction;
  outcome: 'done' | 'refused';
  actor: string;
  role: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  comment?: string | null;
  contentHash?: string | null;
  effectiveFrom?: string | null;
  problem?: HistoryEntryView['problem'];
}

/** A new draft: a full rulebook document, or a copy of a stored version under a new version number. */
export type DraftSource = { document: RulebookDocument } | { copyOf: string; version: string };

/**
 * Rulebook governance: the lifecycle of a rulebook version and its rules (rulebooks/GOVERNANCE.md), on the database that several
 * instances share.
 *
 * Lifecycle: `draft` (content editable by authors) -> `in_review` (submitted: content frozen, identified by its
 * content hash, after the quality gate) -> `approved` (enough distinct approvals of that content hash) or `rejected`
 * (with a comment); an approved version becomes `active` through an activation (now or at a future instant) and is
 * `retired` when it may never be used again. Rules enforced here and, as a second line, by the database: roles
 * (`rulebook:author` drafts and submits; `rulebook:approve` approves, rejects, activates, rolls back, retires); nobody
 * approves a version they created or edited (403); approvals needed per kind (`APPROVALS_REQUIRED`) and, of those,
 * approvals by a clinical safety officer (`safety:approve`, `SAFETY_APPROVALS_REQUIRED`; DCB0129), both fixed at
 * submission; an approval names the content hash it saw; only approved versions activate; exactly one active version
 * per key at every instant (the `rulebook_active_period` timeline, see the migration).
 *
 * Every action runs in one transaction that first locks the rulebook's row (`FOR NO KEY UPDATE`: actions on one key
 * are serialized across instances, while decisions, whose foreign keys only take key-share locks, never wait for
 * them), writes its history entry, and announces itself with `pg_notify` (delivered at commit). Every
 * refused attempt on an existing rulebook (403, 409, 422) is recorded in the history in a transaction of its own.
 */
@Injectable()
export class RulebookGovernanceService {
  private readonly logger = new Logger(RulebookGovernanceService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: RulebookRegistry,
    private readonly simulator: ImpactSimulationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ---------------------------------------------------------------- reads

  /** Every rulebook with its active version, scheduled activations and versions. */
  async listRulebooks(): Promise<RulebookSummaryView[]> {
    const rulebooks = (await this.dataSource.query(`SELECT key, kind, title FROM rulebook ORDER BY key`)) as { key: string; kind: RulebookKind; title: string }[];
    const versions = (await this.dataSource.query(
      `SELECT rulebook_key, version, status, content_hash FROM rulebook_version ORDER BY rulebook_key, created_at, version`,
    )) as { rulebook_key: string; version: string; status: RulebookVersionStatus; content_hash: string }[];
    const periods = (await this.dataSource.query(
      `SELECT rulebook_key, version, valid_from, valid_until FROM rulebook_active_period ORDER BY rulebook_key, valid_from`,
    )) as (PeriodRow & { rulebook_key: string })[];
    const now = Date.now();
    return rulebooks.map((r) => {
      const own = periods.filter((p) => p.rulebook_key === r.key);
      const current = own.find((p) => contains(p, now));
      const activeHash = current ? versions.find((v) => v.rulebook_key === r.key && v.version === current.version)?.content_hash : undefined;
      return {
        key: r.key,
        kind: r.kind,
        title: r.title,
        activeVersion: current ? { version: current.version, contentHash: activeHash ?? '', since: instant(current.valid_from) } : null,
        scheduled: own.filter((p) => time(p.valid_from) > now).map(periodView),
        versions: versions.filter((v) => v.rulebook_key === r.key)
          .map((v) => ({ version: v.version, status: state(v.status, current?.version === v.version) })),
        approvalsRequired: this.approvalsRequired(r.kind),
        safetyApprovalsRequired: this.safetyApprovalsRequired(r.kind),
      };
    });
  }

  /**
   * The versions of a rulebook with their status, approvals and activation periods.
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND`
   */
  async listVersions(key: string): Promise<VersionSummaryView[]> {
    const kind = await this.kindOf(key);
    if (!kind) throw rulebookNotFound(key);
    const rows = (await this.dataSource.query(`SELECT * FROM rulebook_version WHERE rulebook_key = $1 ORDER BY created_at, version`, [key])) as VersionRow[];
    const [periods, approvals] = await this.periodsAndApprovals(key);
    return rows.map((row) => this.summary(row, kind, periods, approvals));
  }

  /**
   * One version with its document and its history.
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND` / `RULEBOOK_VERSION_NOT_FOUND`
   */
  async getVersion(key: string, version: string): Promise<VersionDetailView> {
    const kind = await this.kindOf(key);
    if (!kind) throw rulebookNotFound(key);
    const row = await this.versionRow(this.dataSource.manager, key, version);
    if (!row) throw versionNotFound(key, version);
    const [periods, approvals] = await this.periodsAndApprovals(key);
    const history = (await this.dataSource.query(
      `SELECT * FROM rulebook_history WHERE rulebook_key = $1 AND version = $2 ORDER BY id`, [key, version])) as HistoryRow[];
    return { ...this.summary(row, kind, periods, approvals), document: row.content, history: history.map(historyView) };
  }

  /**
   * The governance history of a rulebook, oldest first: every transition and every refused attempt.
   * @param options `version` (only that version's entries), `after` (entries with a larger id), `limit` (1-1000)
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND`
   */
  async history(key: string, options: { version?: string; after?: number; limit: number }): Promise<{ rulebook: string; entries: HistoryEntryView[]; next: string | null }> {
    if (!(await this.kindOf(key))) throw rulebookNotFound(key);
    const rows = (await this.dataSource.query(
      `SELECT * FROM rulebook_history
        WHERE rulebook_key = $1 AND ($2::text IS NULL OR version = $2) AND id > $3
        ORDER BY id LIMIT $4`,
      [key, options.version ?? null, options.after ?? 0, options.limit + 1],
    )) as HistoryRow[];
    const entries = rows.slice(0, options.limit).map(historyView);
    const more = rows.length > options.limit;
    const query = new URLSearchParams({ ...(options.version ? { version: options.version } : {}), after: String(entries.at(-1)?.id ?? 0), limit: String(options.limit) });
    return { rulebook: key, entries, next: more ? `/v1/rulebooks/${key}/history?${query.toString()}` : null };
  }

  /**
   * The differences between a version and a base version: `from`, else the version it was copied from, else the
   * version active now.
   * @throws DomainError 404 for an unknown rulebook or version; 409 `NO_BASE_VERSION` when there is nothing to compare with
   */
  async diff(key: string, version: string, from?: string): Promise<RulebookDiff> {
    if (!(await this.kindOf(key))) throw rulebookNotFound(key);
    const target = await this.versionRow(this.dataSource.manager, key, version);
    if (!target) throw versionNotFound(key, version);
    const baseVersion = from ?? target.based_on ?? this.registry.activeVersionAt(key, new Date());
    if (!baseVersion || (baseVersion === version && from === undefined)) {
      throw new DomainError(409, 'NO_BASE_VERSION', 'No version to compare with',
        `${key}@${version} was not copied from another version and no other version is active; name one with ?from=<version>.`);
    }
    const base = await this.versionRow(this.dataSource.manager, key, baseVersion);
    if (!base) throw versionNotFound(key, baseVersion);
    return diffRulebooks(base.content, target.content);
  }

  /**
   * Impact analysis of a version on past decisions of its rulebook (see `ImpactSimulationService`). Writes nothing.
   * @throws DomainError 404; 422 `RULEBOOK_INVALID` (with pointers) when the version does not compile
   */
  async simulate(key: string, version: string, window: SimulationWindow): Promise<ImpactReport> {
    if (!(await this.kindOf(key))) throw rulebookNotFound(key);
    const row = await this.versionRow(this.dataSource.manager, key, version);
    if (!row) throw versionNotFound(key, version);
    const problems = checkRulebookStructure(row.content);
    if (problems.length > 0) {
      throw new DomainError(422, 'RULEBOOK_INVALID', 'Rulebook version cannot be evaluated',
        `${key}@${version} does not pass the quality gate's structural checks, so it cannot be simulated.`, problems);
    }
    return this.simulator.simulate(row.content, row.content_hash, window);
  }

  // ---------------------------------------------------------------- transitions

  /**
   * Creates a draft from a full rulebook document or as a copy of a stored version (any status) under a new version
   * number. A document for a key that does not exist yet creates the rulebook.
   * @throws DomainError 400 `VALIDATION_FAILED` (schema, key or version not matching), 403, 404 (copy of an unknown
   *   version), 409 `VERSION_EXISTS`, 422 `KIND_MISMATCH`
   */
  async createDraft(principal: Principal, key: string, source: DraftSource): Promise<VersionDetailView> {
    if (!KEY.test(key)) throw validationFailed('The rulebook key in the path is not valid.', [{ pointer: '', message: 'the path key must be kebab-case' }]);
    const version = 'document' in source ? source.document.version : source.version;
    if (!('document' in source) && !(await this.kindOf(key))) throw rulebookNotFound(key);
    await this.act({ principal, key, version, action: 'create', role: 'rulebook:author', toStatus: 'draft' }, async (tx, kind) => {
      let document: RulebookDocument;
      let basedOn: string | null = null;
      if ('document' in source) {
        document = source.document;
      } else {
        const original = await this.versionRow(tx, key, source.copyOf);
        if (!original) throw versionNotFound(key, source.copyOf, '/copyOf');
        document = { ...original.content, version: source.version };
        basedOn = source.copyOf;
      }
      if (document.kind !== kind) {
        throw new DomainError(422, 'KIND_MISMATCH', 'Rulebook kind cannot change',
          `${key} is a ${kind} rulebook; a version cannot make it a ${document.kind} one.`, [{ pointer: '/kind', message: `must be "${kind}"` }]);
      }
      if (await this.versionRow(tx, key, version)) {
        throw new DomainError(409, 'VERSION_EXISTS', 'Version exists', `${key}@${version} exists; versions are immutable, choose a new version number.`,
          [{ pointer: '/version', message: 'already exists' }]);
      }
      const hash = contentHash(document);
      await tx.query(
        `INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by, based_on, editors)
         VALUES ($1, $2, $3, 'draft', $4, $5, 'api', $6, $7, $8)`,
        [randomUUID(), key, version, JSON.stringify(document), hash, principal.subject, basedOn, JSON.stringify([principal.subject])],
      );
      await this.record(tx, { key, version, action: 'create', outcome: 'done', actor: principal.subject, role: roleOf(principal, 'rulebook:author'),
        toStatus: 'draft', contentHash: hash, comment: basedOn ? `copy of ${basedOn}` : null });
    }, 'document' in source ? { validate: () => checkDocument(source.document, key), newDocument: source.document } : {});
    return this.getVersion(key, version);
  }

  /**
   * Replaces the content of a draft. The editor joins the version's editors (who may not approve it).
   * @throws DomainError 400 (schema, key or version not matching the path), 403, 404, 409 `VERSION_NOT_DRAFT`, 422 `KIND_MISMATCH`
   */
  async updateDraft(principal: Principal, key: string, version: string, document: RulebookDocument): Promise<VersionDetailView> {
    await this.act({ principal, key, version, action: 'update', role: 'rulebook:author', toStatus: 'draft' }, async (tx, kind) => {
      const row = await this.lockedVersion(tx, key, version);
      if (row.status !== 'draft') {
        throw new DomainError(409, 'VERSION_NOT_DRAFT', 'Version is not a draft',
          `${key}@${version} is ${row.status}: its content is frozen (${row.content_hash}). Create a new draft to change it.`);
      }
      if (document.kind !== kind) {
        throw new DomainError(422, 'KIND_MISMATCH', 'Rulebook kind cannot change', `${key} is a ${kind} rulebook.`, [{ pointer: '/kind', message: `must be "${kind}"` }]);
      }
      const hash = contentHash(document);
      await tx.query(
        `UPDATE rulebook_version SET content = $1, content_hash = $2, updated_at = now(),
                editors = CASE WHEN editors ? $3 THEN editors ELSE editors || to_jsonb($3::text) END
          WHERE id = $4`,
        [JSON.stringify(document), hash, principal.subject, row.id],
      );
      await this.record(tx, { key, version, action: 'update', outcome: 'done', actor: principal.subject, role: roleOf(principal, 'rulebook:author'),
        fromStatus: 'draft', toStatus: 'draft', contentHash: hash });
    }, { validate: () => checkDocument(document, key, version) });
    return this.getVersion(key, version);
  }

  /**
   * Submits a draft for review after the quality gate; from now on its content is frozen and named by its hash.
   * @throws DomainError 403, 404, 409 `INVALID_TRANSITION`, 422 `QUALITY_GATE_FAILED` listing every problem with a
   *   JSON Pointer into the rulebook document
   */
  async submit(principal: Principal, key: string, version: string, comment?: string): Promise<VersionDetailView & { qualityGate: { scenarios: number; passed: number } }> {
    let scenarios = { scenarios: 0, passed: 0 };
    await this.act({ principal, key, version, action: 'submit', role: 'rulebook:author', comment, toStatus: 'in_review' }, async (tx, kind) => {
      const row = await this.lockedVersion(tx, key, version);
      if (row.status !== 'draft') throw invalidTransition(key, version, row.status, 'submitted', 'only a draft can be submitted');
      const gate = await runQualityGate(row.content);
      const problems: ProblemPointer[] = [...gate.problems];
      if (row.content.key !== key) problems.push({ pointer: '/key', message: `must be "${key}"` });
      if (row.content.version !== version) problems.push({ pointer: '/version', message: `must be "${version}"` });
      if (row.content.kind !== kind) problems.push({ pointer: '/kind', message: `must be "${kind}"` });
      if (problems.length > 0) {
        throw new DomainError(422, 'QUALITY_GATE_FAILED', 'Quality gate failed',
          `${key}@${version} does not pass the quality gate: ${problems.length} problem(s). Fix them in the draft and submit again.`, problems);
      }
      scenarios = { scenarios: gate.scenarios?.results.length ?? 0, passed: gate.scenarios?.results.filter((r) => r.passed).length ?? 0 };
      await tx.query(
        `UPDATE rulebook_version SET status = 'in_review', approvals_required = $1, safety_approvals_required = $4, submitted_by = $2,
                submitted_at = now(), updated_at = now() WHERE id = $3`,
        [this.approvalsRequired(kind), principal.subject, row.id, this.safetyApprovalsRequired(kind)],
      );
      await this.record(tx, { key, version, action: 'submit', outcome: 'done', actor: principal.subject, role: roleOf(principal, 'rulebook:author'),
        fromStatus: 'draft', toStatus: 'in_review', contentHash: row.content_hash, comment });
    });
    return { ...(await this.getVersion(key, version)), qualityGate: scenarios };
  }

  /**
   * Approves a version in review. The approval is bound to `seenContentHash`; an approver holding `safety:approve`
   * approves as clinical safety officer (it counts as one of the distinct approvals and as a safety-officer approval).
   * With enough distinct approvals and enough safety-officer approvals (both fixed at submission) the version becomes
   * `approved`; until then it stays `in_review` and its view says what is still needed.
   * @throws DomainError 403 `FORBIDDEN` / `SELF_APPROVAL_FORBIDDEN` (the approver created or edited it), 404,
   *   409 `INVALID_TRANSITION` (not in review), `CONTENT_HASH_MISMATCH` (the content is not what the approver saw),
   *   `ALREADY_APPROVED`
   */
  async approve(principal: Principal, key: string, version: string, seenContentHash: string, comment?: string): Promise<VersionDetailView> {
    await this.act({ principal, key, version, action: 'approve', role: 'rulebook:approve', comment, toStatus: 'approved' }, async (tx) => {
      const row = await this.lockedVersion(tx, key, version);
      if (row.status !== 'in_review') throw invalidTransition(key, version, row.status, 'approved', 'only a version in review can be approved');
      if (row.created_by === principal.subject || row.editors.includes(principal.subject)) {
        throw new DomainError(403, 'SELF_APPROVAL_FORBIDDEN', 'Self-approval forbidden',
          `${principal.subject} created or edited ${key}@${version} and cannot approve it: another approver must (four-eyes principle).`);
      }
      if (seenContentHash !== row.content_hash) {
        throw new DomainError(409, 'CONTENT_HASH_MISMATCH', 'Content differs from what was reviewed',
          `The approval names ${seenContentHash}, but ${key}@${version} is ${row.content_hash}: review the current content and approve that.`,
          [{ pointer: '/contentHash', message: `must be the version's content hash ${row.content_hash}` }]);
      }
      const already = (await tx.query(`SELECT 1 FROM rulebook_approval WHERE version_id = $1 AND approver = $2`, [row.id, principal.subject])) as unknown[];
      if (already.length > 0) {
        throw new DomainError(409, 'ALREADY_APPROVED', 'Already approved', `${principal.subject} has already approved ${key}@${version}; a second approval must come from someone else.`);
      }
      const asSafetyOfficer = hasRole(principal, 'safety:approve');
      await tx.query(`INSERT INTO rulebook_approval (version_id, approver, content_hash, comment, as_safety_officer) VALUES ($1, $2, $3, $4, $5)`,
        [row.id, principal.subject, seenContentHash, comment ?? null, asSafetyOfficer]);
      const [{ n, safety }] = (await tx.query(
        `SELECT count(*)::int AS n, (count(*) FILTER (WHERE as_safety_officer))::int AS safety FROM rulebook_approval WHERE version_id = $1 AND content_hash = $2`,
        [row.id, row.content_hash])) as { n: number; safety: number }[];
      const required = row.approvals_required ?? 1;
      const safetyRequired = row.safety_approvals_required;
      const approved = n >= required && safety >= safetyRequired;
      if (approved) await tx.query(`UPDATE rulebook_version SET status = 'approved', updated_at = now() WHERE id = $1`, [row.id]);
      const tally = [`approval ${n} of ${required}`];
      if (safetyRequired > 0 || asSafetyOfficer) tally.push(`clinical safety officer approval ${safety} of ${safetyRequired}`);
      await this.record(tx, { key, version, action: 'approve', outcome: 'done', actor: principal.subject,
        role: roleOf(principal, asSafetyOfficer ? 'safety:approve' : 'rulebook:approve'),
        fromStatus: 'in_review', toStatus: approved ? 'approved' : 'in_review', contentHash: row.content_hash,
        comment: [tally.join(', '), comment].filter(Boolean).join(': ') });
    });
    return this.getVersion(key, version);
  }

  /**
   * Rejects a version in review, with the reason.
   * @throws DomainError 403, 404, 409 `INVALID_TRANSITION`
   */
  async reject(principal: Principal, key: string, version: string, comment: string): Promise<VersionDetailView> {
    await this.act({ principal, key, version, action: 'reject', role: 'rulebook:approve', comment, toStatus: 'rejected' }, async (tx) => {
      const row = await this.lockedVersion(tx, key, version);
      if (row.status !== 'in_review') throw invalidTransition(key, version, row.status, 'rejected', 'only a version in review can be rejected');
      await tx.query(`UPDATE rulebook_version SET status = 'rejected', updated_at = now() WHERE id = $1`, [row.id]);
      await this.record(tx, { key, version, action: 'reject', outcome: 'done', actor: principal.subject, role: roleOf(principal, 'rulebook:approve'),
        fromStatus: 'in_review', toStatus: 'rejected', contentHash: row.content_hash, comment });
    });
    return this.getVersion(key, version);
  }

  /**
   * Activates an approved version now, or at a future `effectiveFrom`. The activation decides the timeline from its
   * instant on: the period in effect then ends at that instant, and activations scheduled at or after it are
   * superseded (recorded in the history).
   * @throws DomainError 403, 404, 409 `VERSION_NOT_APPROVED` / `ALREADY_ACTIVE`, 422 `EFFECTIVE_FROM_NOT_IN_FUTURE`
   */
  async activate(principal: Principal, key: string, version: string, effectiveFrom?: Date, comment?: string): Promise<VersionDetailView> {
    await this.act({ principal, key, version, action: 'activate', role: 'rulebook:approve', comment, toStatus: 'active' },
      (tx) => this.activateIn(tx, principal, key, version, 'activate', effectiveFrom, comment));
    return this.getVersion(key, version);
  }

  /**
   * Rolls back: activates, now, an approved version that was active before (with the reason).
   * @throws DomainError 403, 404, 409 `VERSION_NOT_APPROVED` / `ROLLBACK_TARGET_INVALID`
   */
  async rollback(principal: Principal, key: string, version: string, comment: string): Promise<VersionDetailView> {
    await this.act({ principal, key, version, action: 'rollback', role: 'rulebook:approve', comment, toStatus: 'active' },
      (tx) => this.activateIn(tx, principal, key, version, 'rollback', undefined, comment));
    return this.getVersion(key, version);
  }

  /**
   * Retires an approved version that is neither active now nor scheduled: it can no longer evaluate (decisions
   * naming it, or whose `asOf` falls in one of its periods, answer 409).
   * @throws DomainError 403, 404, 409 `INVALID_TRANSITION` / `VERSION_IN_USE`
   */
  async retire(principal: Principal, key: string, version: string, comment?: string): Promise<VersionDetailView> {
    await this.act({ principal, key, version, action: 'retire', role: 'rulebook:approve', comment, toStatus: 'retired' }, async (tx) => {
      const row = await this.lockedVersion(tx, key, version);
      if (row.status !== 'approved') throw invalidTransition(key, version, row.status, 'retired', 'only an approved version can be retired');
      const inUse = (await tx.query(
        `SELECT valid_from, valid_until FROM rulebook_active_period WHERE rulebook_key = $1 AND version = $2 AND valid_until > clock_timestamp() ORDER BY valid_from LIMIT 1`,
        [key, version])) as PeriodRow[];
      if (inUse.length > 0) {
        const when = time(inUse[0].valid_from) <= Date.now() ? 'active now' : `scheduled to become active at ${instant(inUse[0].valid_from)}`;
        throw new DomainError(409, 'VERSION_IN_USE', 'Version in use', `${key}@${version} is ${when}; activate another version first.`);
      }
      await tx.query(`UPDATE rulebook_version SET status = 'retired', updated_at = now() WHERE id = $1`, [row.id]);
      await this.record(tx, { key, version, action: 'retire', outcome: 'done', actor: principal.subject, role: roleOf(principal, 'rulebook:approve'),
        fromStatus: 'approved', toStatus: 'retired', contentHash: row.content_hash, comment: comment ?? null });
    });
    return this.getVersion(key, version);
  }

  // ---------------------------------------------------------------- internals

  private async activateIn(tx: EntityManager, principal: Principal, key: string, version: string, action: 'activate' | 'rollback',
    effectiveFrom: Date | undefined, comment: string | undefined): Promise<void> {
    const row = await this.lockedVersion(tx, key, version);
    if (row.status !== 'approved') {
      let missing = '';
      if (row.status === 'in_review') {
        const approvals = (await tx.query(`SELECT * FROM rulebook_approval WHERE version_id = $1`, [row.id])) as ApprovalRow[];
        const [{ kind }] = (await tx.query(`SELECT kind FROM rulebook WHERE key = $1`, [key])) as { kind: RulebookKind }[];
        const needed = this.needed(row, kind, approvals);
        missing = ` It still needs ${needed.approvals} more approval(s) and ${needed.safety} more by a clinical safety officer (a safety officer's approval counts toward both).`;
      }
      throw new DomainError(409, 'VERSION_NOT_APPROVED', 'Version not approved',
        `${key}@${version} is ${row.status}; only an approved version can be activated.${missing}`);
    }
    // Taken after the lock: activations of one key get increasing instants in the order they commit.
    const [{ now }] = (await tx.query(`SELECT date_trunc('milliseconds', clock_timestamp()) AS now`)) as { now: Date }[];
    const nowMs = new Date(now).getTime();
    if (effectiveFrom && effectiveFrom.getTime() <= nowMs) {
      throw new DomainError(422, 'EFFECTIVE_FROM_NOT_IN_FUTURE', 'effectiveFrom is not in the future',
        `effectiveFrom ${effectiveFrom.toISOString()} is not after now (${new Date(nowMs).toISOString()}); omit it to activate now. The past is never rewritten.`,
        [{ pointer: '/effectiveFrom', message: 'must be in the future' }]);
    }
    const at = effectiveFrom ?? new Date(nowMs);
    const atMs = at.getTime();
    const periods = (await tx.query(
      `SELECT version, valid_from, valid_until FROM rulebook_active_period WHERE rulebook_key = $1 ORDER BY valid_from`, [key])) as PeriodRow[];
    const inEffect = periods.find((p) => contains(p, atMs));
    const later = periods.filter((p) => time(p.valid_from) >= atMs);
    if (action === 'rollback') {
      const current = periods.find((p) => contains(p, nowMs));
      const wasActive = periods.some((p) => p.version === version && time(p.valid_from) < nowMs);
      if (!wasActive || current?.version === version) {
        throw new DomainError(409, 'ROLLBACK_TARGET_INVALID', 'Not a rollback target',
          current?.version === version ? `${key}@${version} is the active version.` : `${key}@${version} was never active; activate it instead of rolling back to it.`);
      }
    } else if (inEffect?.version === version && later.every((p) => p === inEffect)) {
      throw new DomainError(409, 'ALREADY_ACTIVE', 'Already active', `${key}@${version} is already the active version at ${at.toISOString()}.`);
    }
    for (const p of later) {
      await this.record(tx, { key, version: p.version, action: 'supersede', outcome: 'done', actor: principal.subject, role: roleOf(principal, 'rulebook:approve'),
        fromStatus: 'approved', toStatus: 'approved', effectiveFrom: instant(p.valid_from),
        comment: `activation scheduled at ${instant(p.valid_from)} superseded by the ${action} of ${version} at ${at.toISOString()}` });
    }
    await tx.query(`DELETE FROM rulebook_active_period WHERE rulebook_key = $1 AND valid_from >= $2`, [key, at.toISOString()]);
    await tx.query(`UPDATE rulebook_active_period SET valid_until = $2 WHERE rulebook_key = $1 AND valid_from < $2 AND valid_until > $2`, [key, at.toISOString()]);
    const [activation] = (await tx.query(
      `INSERT INTO rulebook_activation (rulebook_key, version, effective_from, activated_by, comment) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [key, version, at.toISOString(), principal.subject, comment ?? null])) as { id: string }[];
    await tx.query(`INSERT INTO rulebook_active_period (rulebook_key, valid_from, valid_until, version, activation_id) VALUES ($1, $2, 'infinity', $3, $4)`,
      [key, at.toISOString(), version, activation.id]);
    await this.record(tx, { key, version, action, outcome: 'done', actor: principal.subject, role: roleOf(principal, 'rulebook:approve'),
      fromStatus: 'approved', toStatus: 'active', contentHash: row.content_hash, effectiveFrom: at.toISOString(), comment: comment ?? null });
  }

  /**
   * Runs one governance action: checks the role, locks the rulebook row, runs `work` in the transaction, announces the
   * change (NOTIFY at commit) and refreshes this instance's registry. A refusal (403, 409, 422, or a database rule
   * that caught a race) is recorded in the history, then thrown.
   */
  private async act(context: ActionContext, work: (tx: EntityManager, kind: RulebookKind) => Promise<void>,
    options: { validate?: () => void; newDocument?: RulebookDocument } = {}): Promise<void> {
    const existingKind = await this.kindOf(context.key);
    if (!existingKind && context.action !== 'create') throw rulebookNotFound(context.key);
    const newDocument = options.newDocument;
    try {
      if (!hasRole(context.principal, context.role)) {
        throw new DomainError(403, 'FORBIDDEN', 'Forbidden', `To ${context.action} a rulebook version you need the role ${context.role}.`);
      }
      options.validate?.();
      await this.dataSource.transaction(async (tx) => {
        if (!existingKind && newDocument) {
          await tx.query(`INSERT INTO rulebook (key, kind, title) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`, [context.key, newDocument.kind, newDocument.title]);
        }
        const [locked] = (await tx.query(`SELECT kind FROM rulebook WHERE key = $1 FOR NO KEY UPDATE`, [context.key])) as { kind: RulebookKind }[];
        await work(tx, locked.kind);
        await tx.query(`SELECT pg_notify($1, $2)`, [RULEBOOK_CHANGE_CHANNEL, JSON.stringify({ key: context.key, version: context.version ?? null, action: context.action })]);
      });
    } catch (error) {
      const refusal = asRefusal(error);
      if (!refusal) throw error;
      if (existingKind) await this.recordRefusal(context, refusal);
      throw refusal;
    }
    await this.registry.refresh().catch((error: Error) => this.logger.warn(`registry refresh after ${context.action} failed: ${error.message}`));
  }

  private async recordRefusal(context: ActionContext, refusal: DomainError): Promise<void> {
    try {
      const row = context.version ? await this.versionRow(this.dataSource.manager, context.key, context.version) : undefined;
      await this.record(this.dataSource.manager, {
        key: context.key, version: row ? context.version : null, action: context.action, outcome: 'refused',
        actor: context.principal.subject, role: roleOf(context.principal, context.role),
        fromStatus: row?.status ?? null, toStatus: context.toStatus ?? null, comment: context.comment ?? null, contentHash: row?.content_hash ?? null,
        problem: { status: refusal.status, code: refusal.code, detail: refusal.detail, ...(refusal.errors ? { errors: refusal.errors } : {}) },
      });
    } catch (error) {
      // The refusal still reaches the caller; losing its history entry is logged loudly.
      this.logger.error(`could not record the refused ${context.action} of ${context.key}@${context.version ?? ''}: ${(error as Error).message}`);
    }
  }

  private async record(q: Pick<EntityManager, 'query'>, e: HistoryInsert): Promise<void> {
    await q.query(
      `INSERT INTO rulebook_history (rulebook_key, version, action, outcome, actor, role, from_status, to_status, comment, content_hash, effective_from, problem)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [e.key, e.version ?? null, e.action, e.outcome, e.actor, e.role, e.fromStatus ?? null, e.toStatus ?? null, e.comment ?? null,
        e.contentHash ?? null, e.effectiveFrom ?? null, e.problem ? JSON.stringify(e.problem) : null],
    );
  }

  private async kindOf(key: string): Promise<RulebookKind | undefined> {
    if (!KEY.test(key)) return undefined;
    const rows = (await this.dataSource.query(`SELECT kind FROM rulebook WHERE key = $1`, [key])) as { kind: RulebookKind }[];
    return rows[0]?.kind;
  }

  private async versionRow(q: Pick<EntityManager, 'query'>, key: string, version: string, lock = false): Promise<VersionRow | undefined> {
    if (!isSemVer(version)) return undefined;
    const rows = (await q.query(`SELECT * FROM rulebook_version WHERE rulebook_key = $1 AND version = $2${lock ? ' FOR NO KEY UPDATE' : ''}`, [key, version])) as VersionRow[];
    return rows[0];
  }

  private async lockedVersion(tx: EntityManager, key: string, version: string): Promise<VersionRow> {
    const row = await this.versionRow(tx, key, version, true);
    if (!row) throw versionNotFound(key, version);
    return row;
  }

  private async periodsAndApprovals(key: string): Promise<[PeriodRow[], ApprovalRow[]]> {
    const periods = (await this.dataSource.query(
      `SELECT version, valid_from, valid_until FROM rulebook_active_period WHERE rulebook_key = $1 ORDER BY valid_from`, [key])) as PeriodRow[];
    const approvals = (await this.dataSource.query(
      `SELECT a.* FROM rulebook_approval a JOIN rulebook_version v ON v.id = a.version_id WHERE v.rulebook_key = $1 ORDER BY a.approved_at`, [key])) as ApprovalRow[];
    return [periods, approvals];
  }

  private summary(row: VersionRow, kind: RulebookKind, periods: PeriodRow[], approvals: ApprovalRow[]): VersionSummaryView {
    const now = Date.now();
    const own = periods.filter((p) => p.version === row.version);
    const mine = approvals.filter((a) => a.version_id === row.id);
    const needed = this.needed(row, kind, mine);
    return {
      rulebook: row.rulebook_key,
      version: row.version,
      kind,
      status: state(row.status, own.some((p) => contains(p, now))),
      contentHash: row.content_hash,
      provenance: row.provenance,
      basedOn: row.based_on,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      editors: row.editors,
      submittedBy: row.submitted_by,
      submittedAt: row.submitted_at ? new Date(row.submitted_at).toISOString() : null,
      approvalsRequired: needed.required,
      safetyApprovalsRequired: needed.safetyRequired,
      approvalsNeeded: needed.approvals,
      safetyApprovalsNeeded: needed.safety,
      approvals: mine.map((a): ApprovalView => ({
        approver: a.approver, contentHash: a.content_hash, comment: a.comment, approvedAt: new Date(a.approved_at).toISOString(),
        asSafetyOfficer: a.as_safety_officer,
      })),
      activePeriods: own.map(periodView),
    };
  }

  private approvalsRequired(kind: RulebookKind): number {
    return this.config.approvalsRequired[kind] ?? 1;
  }

  private safetyApprovalsRequired(kind: RulebookKind): number {
    return this.config.safetyApprovalsRequired[kind] ?? 0;
  }

  /**
   * What a version needs (fixed at submission; a draft: what submitting would fix now) and what is still missing of
   * it: approvals of the current content hash, distinct and by a clinical safety officer. Nothing is missing once the
   * version is neither a draft nor in review.
   */
  private needed(row: VersionRow, kind: RulebookKind, approvals: ApprovalRow[]): { required: number; safetyRequired: number; approvals: number; safety: number } {
    const draft = row.status === 'draft';
    const required = draft ? this.approvalsRequired(kind) : row.approvals_required ?? this.approvalsRequired(kind);
    const safetyRequired = draft ? this.safetyApprovalsRequired(kind) : row.safety_approvals_required;
    if (row.status !== 'draft' && row.status !== 'in_review') return { required, safetyRequired, approvals: 0, safety: 0 };
    const current = approvals.filter((a) => a.content_hash === row.content_hash);
    return {
      required,
      safetyRequired,
      approvals: Math.max(0, required - current.length),
      safety: Math.max(0, safetyRequired - current.filter((a) => a.as_safety_officer).length),
    };
  }
}

/** Validates a rulebook document sent by a caller (schema, and key/version matching the path). */
function checkDocument(document: unknown, key: string, version?: string): asserts document is RulebookDocument {
  const problems = validateRulebookDocument(document);
  if (problems.length > 0) throw validationFailed(`The rulebook document breaks the rulebook schema in ${problems.length} place(s).`, problems);
  const doc = document as RulebookDocument;
  const mismatches: ProblemPointer[] = [];
  if (doc.key !== key) mismatches.push({ pointer: '/key', message: `must be "${key}" (the key in the path)` });
  if (version !== undefined && doc.version !== version) mismatches.push({ pointer: '/version', message: `must be "${version}" (the version in the path)` });
  if (mismatches.length > 0) throw validationFailed('The document does not match the path.', mismatches);
}

/** The role a history entry names: the one required when held, else `admin` when that grants it, else every role held. */
function roleOf(principal: Principal, required: Role): string {
  if (principal.roles.includes(required)) return required;
  if (principal.roles.includes('admin')) return 'admin';
  return principal.roles.join(' ') || 'none';
}

/** Turns what an action threw into the refusal the caller gets, or undefined when it is not a refusal (a bug, an outage). */
function asRefusal(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return [403, 409, 422].includes(error.status) ? error : undefined;
  // The database's own governance rules (triggers, the exclusion constraint) caught what the checks above did not,
  // for example a concurrent change: refuse with the database's reason, never a 500.
  if (isConstraintRefusal(error)) {
    return new DomainError(409, 'GOVERNANCE_CONFLICT', 'Conflicting governance change',
      `The database refused the change: ${(error.driverError as { message?: string }).message ?? 'constraint violated'}. Read the version again and retry.`);
  }
  return undefined;
}

function rulebookNotFound(key: string): DomainError {
  return new DomainError(404, 'RULEBOOK_NOT_FOUND', 'Rulebook not found', `No rulebook has the key "${key}".`);
}

function versionNotFound(key: string, version: string, pointer?: string): DomainError {
  return new DomainError(404, 'RULEBOOK_VERSION_NOT_FOUND', 'Rulebook version not found', `"${key}" has no version ${version}.`,
    pointer ? [{ pointer, message: 'unknown version' }] : undefined);
}

function invalidTransition(key: string, version: string, status: string, to: string, why: string): DomainError {
  return new DomainError(409, 'INVALID_TRANSITION', 'Not allowed in this state', `${key}@${version} is ${status} and cannot be ${to}: ${why}.`);
}

function state(status: RulebookVersionStatus, activeNow: boolean): RulebookVersionState {
  return status === 'approved' && activeNow ? 'active' : status;
}

/** Epoch ms of a timestamptz as node-postgres returns it. */
function time(value: Timestamp): number {
  return typeof value === 'number' ? value : value.getTime();
}

/** RFC 3339 UTC, or null for an infinite instant. */
function instant(value: Timestamp | null): string | null {
  if (value === null) return null;
  const t = time(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

function contains(period: PeriodRow, t: number): boolean {
  return time(period.valid_from) <= t && t < time(period.valid_until);
}

function periodView(period: PeriodRow): ActivePeriodView {
  return { version: period.version, from: instant(period.valid_from), until: instant(period.valid_until) };
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
