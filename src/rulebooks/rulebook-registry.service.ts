import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { RulebookBundleImporter } from './rulebook-bundle.importer.js';
import { RulebookReadModel, type RulebookVersionView } from './rulebook-read-model.js';
import type { RulebookVersionStatus } from './rulebook-version.entity.js';
import type { RulebookDocument, RulebookKind } from './rulebook.types.js';

/** A period of the activation timeline in memory: `version` is active from `fromMs` (inclusive) to `untilMs` (exclusive). */
export interface TimelinePeriod {
  version: string;
  /** Epoch milliseconds; -Infinity for a bundled version active since always. */
  fromMs: number;
  /** Epoch milliseconds; Infinity for the last period. */
  untilMs: number;
}

const EVALUABLE: ReadonlySet<RulebookVersionStatus> = new Set(['approved']);

/**
 * The rulebook registry: loads every stored version and the activation timeline (`rulebook_active_period`) into
 * memory and answers, as the `RulebookReadModel` it implements, "which version evaluates this request" without
 * touching the database. At start it first has the bundled rulebooks imported (`RulebookBundleImporter`).
 *
 * Freshness: `refresh()` reloads everything and swaps it in at once (so a request sees one consistent snapshot). It
 * is called after every governance change on this instance, on every NOTIFY on `verdict_rulebook_change` from any
 * instance, and by the periodic check (`RulebookChangeListener`). A scheduled activation needs no refresh at its
 * instant: the whole timeline, future periods included, is in memory, so a request whose `asOf` is at or after
 * `effectiveFrom` gets the new version exactly from that millisecond on.
 *
 * Only `rulebooks/` and governance (which refreshes it after a change) use this class; every other module injects
 * `RulebookReadModel`.
 */
@Injectable()
export class RulebookRegistry implements RulebookReadModel, OnModuleInit {
  private readonly logger = new Logger(RulebookRegistry.name);
  private versions = new Map<string, Map<string, RulebookVersionView>>();
  /** Per key, the periods of the timeline, latest first. */
  private timelines = new Map<string, TimelinePeriod[]>();
  private loaded = false;
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly importer: RulebookBundleImporter,
  ) {}

  /** Imports the bundled rulebooks, then loads the registry: the application starts with every version in memory. */
  async onModuleInit(): Promise<void> {
    await this.importer.importBundled();
    await this.refresh();
  }

  /** True once the versions and activations are loaded (readiness). */
  isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * Reloads every stored version and the activation timeline from the database and swaps them in at once. Calls are
   * coalesced: while a reload runs, at most one more is queued, and every caller's promise resolves after a reload
   * that started after the call (so a change committed before the call is visible when it resolves).
   * @throws the database error when the reload fails (the previous snapshot stays in place)
   */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.load().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  /** Same as `refresh()` (kept for callers of the earlier name). */
  reload(): Promise<void> {
    return this.refresh();
  }

  /** Registers a function called after each successful reload (for example to warm a cache). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private async load(): Promise<void> {
    const rows = (await this.dataSource.query(
      `SELECT v.rulebook_key, v.version, r.kind, v.status, v.content_hash, v.provenance, v.content
         FROM rulebook_version v JOIN rulebook r ON r.key = v.rulebook_key`,
    )) as { rulebook_key: string; version: string; kind: RulebookKind; status: RulebookVersionStatus; content_hash: string; provenance: string; content: RulebookDocument }[];
    const versions = new Map<string, Map<string, RulebookVersionView>>();
    for (const row of rows) {
      if (!versions.has(row.rulebook_key)) versions.set(row.rulebook_key, new Map());
      versions.get(row.rulebook_key)!.set(row.version, {
        key: row.rulebook_key, version: row.version, kind: row.kind, status: row.status,
        contentHash: row.content_hash, provenance: row.provenance, document: row.content,
      });
    }
    const periodRows = (await this.dataSource.query(
      `SELECT rulebook_key, version, extract(epoch FROM valid_from) * 1000 AS from_ms, extract(epoch FROM valid_until) * 1000 AS until_ms
         FROM rulebook_active_period ORDER BY rulebook_key, valid_from DESC`,
    )) as { rulebook_key: string; version: string; from_ms: string | number; until_ms: string | number }[];
    const timelines = new Map<string, TimelinePeriod[]>();
    for (const row of periodRows) {
      if (!timelines.has(row.rulebook_key)) timelines.set(row.rulebook_key, []);
      timelines.get(row.rulebook_key)!.push({ version: row.version, fromMs: Number(row.from_ms), untilMs: Number(row.until_ms) });
    }
    this.versions = versions;
    this.timelines = timelines;
    this.loaded = true;
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`rulebook change listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Every stored version (for warming caches). */
  allVersions(): RulebookVersionView[] {
    return [...this.versions.values()].flatMap((byVersion) => [...byVersion.values()]);
  }

  /** Whether any version of the rulebook `key` is stored (constant time; for the decision hot path). */
  hasRulebook(key: string): boolean {
    return this.versions.has(key);
  }

  /** A stored version, or undefined. */
  find(key: string, version: string): RulebookVersionView | undefined {
    return this.versions.get(key)?.get(version);
  }

  /** The activation timeline of `key` as loaded, latest period first (empty when it was never activated). */
  timeline(key: string): readonly TimelinePeriod[] {
    return this.timelines.get(key) ?? [];
  }

  /** The version of `key` active at `asOf` (the period with from <= asOf < until), or undefined. */
  activeVersionAt(key: string, asOf: Date): string | undefined {
    const t = asOf.getTime();
    const period = this.timelines.get(key)?.find((p) => p.fromMs <= t);
    return period && t < period.untilMs ? period.version : undefined;
  }

  /**
   * The version that evaluates a request: `version` when given, else the version active at `asOf`.
   * @throws DomainError 404 `RULEBOOK_NOT_FOUND` / `RULEBOOK_VERSION_NOT_FOUND`; 409 `RULEBOOK_VERSION_NOT_EVALUABLE`
   *   for a draft, in-review, rejected or retired version, or `NO_ACTIVE_VERSION` when none is active at `asOf`
   */
  resolveEvaluable(key: string, version: string | undefined, asOf: Date): RulebookVersionView {
    const byVersion = this.versions.get(key);
    if (!byVersion) {
      throw new DomainError(404, 'RULEBOOK_NOT_FOUND', 'Rulebook not found', `No rulebook has the key "${key}".`, [{ pointer: '/rulebook', message: 'unknown rulebook' }]);
    }
    const chosen = version ?? this.activeVersionAt(key, asOf);
    if (!chosen) {
      throw new DomainError(409, 'NO_ACTIVE_VERSION', 'No active rulebook version',
        `No version of "${key}" is active at ${asOf.toISOString()}.`, [{ pointer: '/asOf', message: 'no version active at this instant' }]);
    }
    const view = byVersion.get(chosen);
    if (!view) {
      throw new DomainError(404, 'RULEBOOK_VERSION_NOT_FOUND', 'Rulebook version not found', `"${key}" has no version ${chosen}.`, [{ pointer: '/version', message: 'unknown version' }]);
    }
    if (!EVALUABLE.has(view.status)) {
      throw new DomainError(409, 'RULEBOOK_VERSION_NOT_EVALUABLE', 'Rulebook version not evaluable',
        `${key}@${chosen} is ${view.status}; only approved (or active) versions evaluate.`, [{ pointer: '/version', message: `version is ${view.status}` }]);
    }
    return view;
  }
}
