import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hasRole, type Principal } from '../auth/principal.js';
import { contentHash } from '../common/canonical-json.js';
import { type ProblemPointer, validationFailed } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { validateRulebookDocument } from '../rulebooks/rulebook-schema.validator.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { ActivationTimelineService } from './activation-timeline.service.js';
import { approvalsRequired, safetyApprovalsRequired } from './approval-requirements.js';
import { GovernanceActionRunner } from './governance-action.runner.js';
import { RulebookGovernanceQueryService } from './rulebook-governance-query.service.js';
import {
  alreadyApproved, contentHashMismatch, invalidTransition, kindMismatch, qualityGateFailed, rulebookNotFound, separationOfDuties, versionExists,
  versionNotDraft, versionNotFound,
} from './rulebook-governance.errors.js';
import type { DraftSource, SubmittedVersionView, VersionDetailView } from './rulebook-governance.types.js';
import { historyRole, RulebookHistoryRepository } from './rulebook-history.repository.js';
import { runQualityGate } from './rulebook-quality-gate.js';
import { isRulebookKey, RulebookVersionRepository } from './rulebook-version.repository.js';

/**
 * The lifecycle of a rulebook version (rulebooks/GOVERNANCE.md): `draft` (content editable by authors) -> `in_review`
 * (submitted: content frozen, identified by its content hash, after the quality gate) -> `approved` (enough distinct
 * approvals of that content hash) or `rejected` (with a comment); an approved version becomes `active` through an
 * activation (now or at a future instant, `ActivationTimelineService`) and is `retired` when it may never be used
 * again.
 *
 * Rules enforced here and, as a second line, by the database: roles (`rulebook:author` drafts and submits;
 * `rulebook:approve` approves, rejects, activates, rolls back, retires; no role grants both); separation of duties:
 * nobody approves a version they created, edited or submitted, or whose origin (the version it was copied from,
 * transitively) they created or edited (403 `SEPARATION_OF_DUTIES`); approvals needed per kind (`APPROVALS_REQUIRED`) and, of those, approvals by a clinical safety officer
 * (`safety:approve`, `SAFETY_APPROVALS_REQUIRED`; DCB0129), both fixed at submission; an approval names the content
 * hash it saw; only approved versions activate. Each transition runs through `GovernanceActionRunner` (one locked
 * transaction, its history entry, NOTIFY; refusals recorded) and answers the version as it then is.
 */
@Injectable()
export class RulebookLifecycleService {
  constructor(
    private readonly runner: GovernanceActionRunner,
    private readonly versions: RulebookVersionRepository,
    private readonly history: RulebookHistoryRepository,
    private readonly timeline: ActivationTimelineService,
    private readonly queries: RulebookGovernanceQueryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates a draft from a full rulebook document or as a copy of a stored version (any status) under a new version
   * number. A document for a key that does not exist yet creates the rulebook.
   * @throws DomainError 400 `VALIDATION_FAILED` (schema, key or version not matching), 403, 404 (copy of an unknown
   *   version), 409 `VERSION_EXISTS`, 422 `KIND_MISMATCH`
   */
  async createDraft(principal: Principal, key: string, source: DraftSource): Promise<VersionDetailView> {
    if (!isRulebookKey(key)) throw validationFailed('The rulebook key in the path is not valid.', [{ pointer: '', message: 'the path key must be kebab-case' }]);
    const version = 'document' in source ? source.document.version : source.version;
    if (!('document' in source) && !(await this.versions.kindOf(key))) throw rulebookNotFound(key);
    await this.runner.run({ principal, key, version, action: 'create', role: 'rulebook:author', toStatus: 'draft' }, async (tx, kind) => {
      let document: RulebookDocument;
      let basedOn: string | null = null;
      if ('document' in source) {
        document = source.document;
      } else {
        const original = await this.versions.find(key, source.copyOf, tx);
        if (!original) throw versionNotFound(key, source.copyOf, '/copyOf');
        document = { ...original.content, version: source.version };
        basedOn = source.copyOf;
      }
      if (document.kind !== kind) throw kindMismatch(key, kind, document.kind);
      if (await this.versions.find(key, version, tx)) throw versionExists(key, version);
      const hash = contentHash(document);
      await tx.query(
        `INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by, based_on, editors)
         VALUES ($1, $2, $3, 'draft', $4, $5, 'api', $6, $7, $8)`,
        [randomUUID(), key, version, JSON.stringify(document), hash, principal.subject, basedOn, JSON.stringify([principal.subject])],
      );
      await this.history.record(tx, { key, version, action: 'create', outcome: 'done', actor: principal.subject, role: historyRole(principal, 'rulebook:author'),
        toStatus: 'draft', contentHash: hash, comment: basedOn ? `copy of ${basedOn}` : null });
    }, 'document' in source ? { validate: () => checkDocument(source.document, key), newDocument: source.document } : {});
    return this.queries.getVersion(key, version);
  }

  /**
   * Replaces the content of a draft. The editor joins the version's editors (who may not approve it).
   * @throws DomainError 400 (schema, key or version not matching the path), 403, 404, 409 `VERSION_NOT_DRAFT`, 422 `KIND_MISMATCH`
   */
  async updateDraft(principal: Principal, key: string, version: string, document: RulebookDocument): Promise<VersionDetailView> {
    await this.runner.run({ principal, key, version, action: 'update', role: 'rulebook:author', toStatus: 'draft' }, async (tx, kind) => {
      const row = await this.versions.findLocked(tx, key, version);
      if (row.status !== 'draft') throw versionNotDraft(key, version, row.status, row.content_hash);
      if (document.kind !== kind) throw kindMismatch(key, kind, document.kind);
      const hash = contentHash(document);
      await tx.query(
        `UPDATE rulebook_version SET content = $1, content_hash = $2, updated_at = now(),
                editors = CASE WHEN editors ? $3 THEN editors ELSE editors || to_jsonb($3::text) END
          WHERE id = $4`,
        [JSON.stringify(document), hash, principal.subject, row.id],
      );
      await this.history.record(tx, { key, version, action: 'update', outcome: 'done', actor: principal.subject, role: historyRole(principal, 'rulebook:author'),
        fromStatus: 'draft', toStatus: 'draft', contentHash: hash });
    }, { validate: () => checkDocument(document, key, version) });
    return this.queries.getVersion(key, version);
  }

  /**
   * Submits a draft for review after the quality gate; from now on its content is frozen and named by its hash.
   * @returns the version and the quality gate's scenario count
   * @throws DomainError 403, 404, 409 `INVALID_TRANSITION`, 422 `QUALITY_GATE_FAILED` listing every problem with a
   *   JSON Pointer into the rulebook document
   */
  async submit(principal: Principal, key: string, version: string, comment?: string): Promise<SubmittedVersionView> {
    let qualityGate = { scenarios: 0, passed: 0 };
    await this.runner.run({ principal, key, version, action: 'submit', role: 'rulebook:author', comment, toStatus: 'in_review' }, async (tx, kind) => {
      const row = await this.versions.findLocked(tx, key, version);
      if (row.status !== 'draft') throw invalidTransition(key, version, row.status, 'submitted', 'only a draft can be submitted');
      const gate = await runQualityGate(row.content);
      const problems: ProblemPointer[] = [...gate.problems];
      if (row.content.key !== key) problems.push({ pointer: '/key', message: `must be "${key}"` });
      if (row.content.version !== version) problems.push({ pointer: '/version', message: `must be "${version}"` });
      if (row.content.kind !== kind) problems.push({ pointer: '/kind', message: `must be "${kind}"` });
      if (problems.length > 0) throw qualityGateFailed(key, version, problems);
      qualityGate = { scenarios: gate.scenarios?.results.length ?? 0, passed: gate.scenarios?.results.filter((r) => r.passed).length ?? 0 };
      await tx.query(
        `UPDATE rulebook_version SET status = 'in_review', approvals_required = $1, safety_approvals_required = $4, submitted_by = $2,
                submitted_at = now(), updated_at = now() WHERE id = $3`,
        [approvalsRequired(this.config, kind), principal.subject, row.id, safetyApprovalsRequired(this.config, kind)],
      );
      await this.history.record(tx, { key, version, action: 'submit', outcome: 'done', actor: principal.subject, role: historyRole(principal, 'rulebook:author'),
        fromStatus: 'draft', toStatus: 'in_review', contentHash: row.content_hash, comment });
    });
    return { ...(await this.queries.getVersion(key, version)), qualityGate };
  }

  /**
   * Approves a version in review. The approval is bound to `seenContentHash`; an approver holding `safety:approve`
   * approves as clinical safety officer (it counts as one of the distinct approvals and as a safety-officer approval).
   * With enough distinct approvals and enough safety-officer approvals (both fixed at submission) the version becomes
   * `approved`; until then it stays `in_review` and its view says what is still needed.
   * @throws DomainError 403 `FORBIDDEN` / `SEPARATION_OF_DUTIES` (the approver created, edited or submitted it, or
   *   created or edited a version it was copied from), 404,
   *   409 `INVALID_TRANSITION` (not in review), `CONTENT_HASH_MISMATCH` (the content is not what the approver saw),
   *   `ALREADY_APPROVED`
   */
  async approve(principal: Principal, key: string, version: string, seenContentHash: string, comment?: string): Promise<VersionDetailView> {
    await this.runner.run({ principal, key, version, action: 'approve', role: 'rulebook:approve', comment, toStatus: 'approved' }, async (tx) => {
      const row = await this.versions.findLocked(tx, key, version);
      if (row.status !== 'in_review') throw invalidTransition(key, version, row.status, 'approved', 'only a version in review can be approved');
      const conflict = await this.versions.dutyConflict(tx, row, principal.subject);
      if (conflict) throw separationOfDuties(principal.subject, key, version, conflict);
      if (seenContentHash !== row.content_hash) throw contentHashMismatch(key, version, seenContentHash, row.content_hash);
      const already = (await tx.query(`SELECT 1 FROM rulebook_approval WHERE version_id = $1 AND approver = $2`, [row.id, principal.subject])) as unknown[];
      if (already.length > 0) throw alreadyApproved(principal.subject, key, version);
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
      await this.history.record(tx, { key, version, action: 'approve', outcome: 'done', actor: principal.subject,
        role: historyRole(principal, asSafetyOfficer ? 'safety:approve' : 'rulebook:approve'),
        fromStatus: 'in_review', toStatus: approved ? 'approved' : 'in_review', contentHash: row.content_hash,
        comment: [tally.join(', '), comment].filter(Boolean).join(': ') });
    });
    return this.queries.getVersion(key, version);
  }

  /**
   * Rejects a version in review, with the reason.
   * @throws DomainError 403, 404, 409 `INVALID_TRANSITION`
   */
  async reject(principal: Principal, key: string, version: string, comment: string): Promise<VersionDetailView> {
    await this.runner.run({ principal, key, version, action: 'reject', role: 'rulebook:approve', comment, toStatus: 'rejected' }, async (tx) => {
      const row = await this.versions.findLocked(tx, key, version);
      if (row.status !== 'in_review') throw invalidTransition(key, version, row.status, 'rejected', 'only a version in review can be rejected');
      await tx.query(`UPDATE rulebook_version SET status = 'rejected', updated_at = now() WHERE id = $1`, [row.id]);
      await this.history.record(tx, { key, version, action: 'reject', outcome: 'done', actor: principal.subject, role: historyRole(principal, 'rulebook:approve'),
        fromStatus: 'in_review', toStatus: 'rejected', contentHash: row.content_hash, comment });
    });
    return this.queries.getVersion(key, version);
  }

  /**
   * Activates an approved version now, or at a future `effectiveFrom` (recorded as `scheduled`; see
   * `ActivationTimelineService`). Activations scheduled at or after its instant are superseded.
   * @throws DomainError 403, 404, 409 `VERSION_NOT_APPROVED` / `ALREADY_ACTIVE`, 422 `EFFECTIVE_FROM_NOT_IN_FUTURE`
   */
  async activate(principal: Principal, key: string, version: string, effectiveFrom?: Date, comment?: string): Promise<VersionDetailView> {
    await this.runner.run({ principal, key, version, action: 'activate', role: 'rulebook:approve', comment, toStatus: effectiveFrom ? 'scheduled' : 'active' },
      (tx) => this.timeline.activate(tx, { principal, key, version, action: 'activate', effectiveFrom, comment }));
    return this.queries.getVersion(key, version);
  }

  /**
   * Rolls back: activates, now, an approved version that was active before (with the reason).
   * @throws DomainError 403, 404, 409 `VERSION_NOT_APPROVED` / `ROLLBACK_TARGET_INVALID`
   */
  async rollback(principal: Principal, key: string, version: string, comment: string): Promise<VersionDetailView> {
    await this.runner.run({ principal, key, version, action: 'rollback', role: 'rulebook:approve', comment, toStatus: 'active' },
      (tx) => this.timeline.activate(tx, { principal, key, version, action: 'rollback', comment }));
    return this.queries.getVersion(key, version);
  }

  /**
   * Retires an approved version that is neither active now nor scheduled: it can no longer evaluate (decisions
   * naming it, or whose `asOf` falls in one of its periods, answer 409).
   * @throws DomainError 403, 404, 409 `INVALID_TRANSITION` / `VERSION_IN_USE`
   */
  async retire(principal: Principal, key: string, version: string, comment?: string): Promise<VersionDetailView> {
    await this.runner.run({ principal, key, version, action: 'retire', role: 'rulebook:approve', comment, toStatus: 'retired' }, async (tx) => {
      const row = await this.versions.findLocked(tx, key, version);
      if (row.status !== 'approved') throw invalidTransition(key, version, row.status, 'retired', 'only an approved version can be retired');
      await this.timeline.assertNotInUse(tx, key, version);
      await tx.query(`UPDATE rulebook_version SET status = 'retired', updated_at = now() WHERE id = $1`, [row.id]);
      await this.history.record(tx, { key, version, action: 'retire', outcome: 'done', actor: principal.subject, role: historyRole(principal, 'rulebook:approve'),
        fromStatus: 'approved', toStatus: 'retired', contentHash: row.content_hash, comment: comment ?? null });
    });
    return this.queries.getVersion(key, version);
  }
}

/**
 * Validates a rulebook document sent by a caller: the rulebook schema, then key and version matching the path.
 * @throws DomainError 400 `VALIDATION_FAILED` with a pointer per problem
 */
function checkDocument(document: unknown, key: string, version?: string): asserts document is RulebookDocument {
  const problems = validateRulebookDocument(document);
  if (problems.length > 0) throw validationFailed(`The rulebook document breaks the rulebook schema in ${problems.length} place(s).`, problems);
  const doc = document as RulebookDocument;
  const mismatches: ProblemPointer[] = [];
  if (doc.key !== key) mismatches.push({ pointer: '/key', message: `must be "${key}" (the key in the path)` });
  if (version !== undefined && doc.version !== version) mismatches.push({ pointer: '/version', message: `must be "${version}" (the version in the path)` });
  if (mismatches.length > 0) throw validationFailed('The document does not match the path.', mismatches);
}
