import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { ImpactSimulationService, type SimulationWindow } from './impact-simulation.service.js';
import type { ImpactReport } from './impact-simulation.js';
import { RulebookReadModel } from '../rulebooks/rulebook-read-model.js';
import type { RulebookKind } from '../rulebooks/rulebook.types.js';
import { approvalNeeds, approvalsRequired, safetyApprovalsRequired } from './approval-requirements.js';
import { diffRulebooks, type RulebookDiff } from './rulebook-diff.js';
import { noBaseVersion, rulebookNotEvaluable, rulebookNotFound, versionNotFound } from './rulebook-governance.errors.js';
import { type ApprovalRow, contains, instant, type PeriodRow, periodView, time, type VersionRow, versionState } from './rulebook-governance.rows.js';
import type { ApprovalView, HistoryPageView, RulebookSummaryView, VersionDetailView, VersionSummaryView } from './rulebook-governance.types.js';
import { RulebookHistoryRepository } from './rulebook-history.repository.js';
import { checkRulebookStructure } from './rulebook-quality-gate.js';
import { RulebookVersionRepository } from './rulebook-version.repository.js';

/**
 * What the governance API reads (`GET /v1/rulebooks…`, diff, simulate): rulebooks, versions with their approvals,
 * what they still need and their activation periods, the history, and the analyses that write nothing. Read from the
 * database, as committed; `active` is the state of the approved version whose period contains the present instant.
 */
@Injectable()
export class RulebookGovernanceQueryService {
  constructor(
    private readonly versions: RulebookVersionRepository,
    private readonly history: RulebookHistoryRepository,
    private readonly rulebooks: RulebookReadModel,
    private readonly simulator: ImpactSimulationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Every rulebook with its active version, scheduled activations, versions and the approvals its kind needs. */
  async listRulebooks(): Promise<RulebookSummaryView[]> {
    const rulebooks = await this.versions.rulebooks();
    const versions = await this.versions.versionStatuses();
    const periods = await this.versions.allPeriods();
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
          .map((v) => ({ version: v.version, status: versionState(v.status, current?.version === v.version) })),
        approvalsRequired: approvalsRequired(this.config, r.kind),
        safetyApprovalsRequired: safetyApprovalsRequired(this.config, r.kind),
      };
    });
  }

  /**
   * The versions of a rulebook, oldest first, with their status, approvals and activation periods.
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND`
   */
  async listVersions(key: string): Promise<VersionSummaryView[]> {
    const kind = await this.versions.kindOf(key);
    if (!kind) throw rulebookNotFound(key);
    const rows = await this.versions.versions(key);
    const periods = await this.versions.periods(key);
    const approvals = await this.versions.approvalsOfRulebook(key);
    return rows.map((row) => this.summary(row, kind, periods, approvals));
  }

  /**
   * One version with its document and its history.
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND` / `RULEBOOK_VERSION_NOT_FOUND`
   */
  async getVersion(key: string, version: string): Promise<VersionDetailView> {
    const kind = await this.versions.kindOf(key);
    if (!kind) throw rulebookNotFound(key);
    const row = await this.versions.find(key, version);
    if (!row) throw versionNotFound(key, version);
    const periods = await this.versions.periods(key);
    const approvals = await this.versions.approvalsOfRulebook(key);
    return { ...this.summary(row, kind, periods, approvals), document: row.content, history: await this.history.ofVersion(key, version) };
  }

  /**
   * The governance history of a rulebook, oldest first: every transition and every refused attempt.
   * @param options `version` (only that version's entries), `after` (entries with a larger id), `limit` (1-1000)
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND`
   */
  async historyOf(key: string, options: { version?: string; after?: number; limit: number }): Promise<HistoryPageView> {
    if (!(await this.versions.kindOf(key))) throw rulebookNotFound(key);
    return this.history.page(key, { version: options.version, after: options.after ?? 0, limit: options.limit });
  }

  /**
   * The differences between a version and a base version: `from`, else the version it was copied from, else the
   * version active now.
   * @throws DomainError 404 for an unknown rulebook or version; 409 `NO_BASE_VERSION` when there is nothing to compare with
   */
  async diff(key: string, version: string, from?: string): Promise<RulebookDiff> {
    if (!(await this.versions.kindOf(key))) throw rulebookNotFound(key);
    const target = await this.versions.find(key, version);
    if (!target) throw versionNotFound(key, version);
    const baseVersion = from ?? target.based_on ?? this.rulebooks.activeVersionAt(key, new Date());
    if (!baseVersion || (baseVersion === version && from === undefined)) throw noBaseVersion(key, version);
    const base = await this.versions.find(key, baseVersion);
    if (!base) throw versionNotFound(key, baseVersion);
    return diffRulebooks(base.content, target.content);
  }

  /**
   * Impact analysis of a version on past decisions of its rulebook (see `ImpactSimulationService`). Writes nothing.
   * @throws DomainError 404; 422 `RULEBOOK_INVALID` (with pointers) when the version does not pass the structural checks
   */
  async simulate(key: string, version: string, window: SimulationWindow): Promise<ImpactReport> {
    if (!(await this.versions.kindOf(key))) throw rulebookNotFound(key);
    const row = await this.versions.find(key, version);
    if (!row) throw versionNotFound(key, version);
    const problems = checkRulebookStructure(row.content);
    if (problems.length > 0) throw rulebookNotEvaluable(key, version, problems);
    return this.simulator.simulate(row.content, row.content_hash, window);
  }

  private summary(row: VersionRow, kind: RulebookKind, periods: readonly PeriodRow[], approvals: readonly ApprovalRow[]): VersionSummaryView {
    const now = Date.now();
    const own = periods.filter((p) => p.version === row.version);
    const mine = approvals.filter((a) => a.version_id === row.id);
    const needs = approvalNeeds(this.config, row, kind, mine);
    return {
      rulebook: row.rulebook_key,
      version: row.version,
      kind,
      status: versionState(row.status, own.some((p) => contains(p, now))),
      contentHash: row.content_hash,
      provenance: row.provenance,
      basedOn: row.based_on,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      editors: row.editors,
      submittedBy: row.submitted_by,
      submittedAt: row.submitted_at ? new Date(row.submitted_at).toISOString() : null,
      approvalsRequired: needs.required,
      safetyApprovalsRequired: needs.safetyRequired,
      approvalsNeeded: needs.approvals,
      safetyApprovalsNeeded: needs.safety,
      approvals: mine.map((a): ApprovalView => ({
        approver: a.approver, contentHash: a.content_hash, comment: a.comment, approvedAt: new Date(a.approved_at).toISOString(),
        asSafetyOfficer: a.as_safety_officer,
      })),
      activePeriods: own.map(periodView),
    };
  }
}
