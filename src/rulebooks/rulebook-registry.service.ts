import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import semver from 'semver';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { contentHash } from '../common/canonical-json.js';
import { DomainError } from '../common/domain-error.js';
import { readRulebookDirectory } from './rulebook-file.loader.js';
import type { RulebookVersionStatus } from './rulebook-version.entity.js';
import type { RulebookDocument, RulebookKind } from './rulebook.types.js';

/** A stored rulebook version as the rest of Verdict sees it (the read model this module exports). */
export interface RulebookVersionView {
  key: string;
  version: string;
  kind: RulebookKind;
  status: RulebookVersionStatus;
  contentHash: string;
  provenance: string;
  document: RulebookDocument;
}

/** A period of the activation timeline in memory: `version` is active from `fromMs` (inclusive) to `untilMs` (exclusive). */
export interface TimelinePeriod {
  version: string;
  /** Epoch milliseconds; -Infinity for a bundled version active since always. */
  fromMs: number;
  /** Epoch milliseconds; Infinity for the last period. */
  untilMs: number;
}

/** The NOTIFY channel on which every committed rulebook change is announced (payload: `{"key": …}`). */
export const RULEBOOK_CHANGE_CHANNEL = 'verdict_rulebook_change';

/** Thrown at start when a bundled file differs from the stored version with the same key and version. */
export class ImmutableVersionError extends Error {
  constructor(file: string, key: string, version: string, stored: string, found: string) {
    super(`Rulebook ${key}@${version} in ${file} differs from the stored version (stored ${stored}, file ${found}). ` +
      'Versions are immutable: give the changed file a new version number.');
    this.name = 'ImmutableVersionError';
  }
}

const EVALUABLE: ReadonlySet<RulebookVersionStatus> = new Set(['approved']);

/**
 * The rulebook registry: imports the bundled rulebooks at start, keeps every stored version and the activation
 * timeline (`rulebook_active_period`) in memory, and answers "which version evaluates this request" without touching
 * the database: the decision hot path never reads the database to pick a version.
 *
 * Start-up import (one transaction, serialized across instances by an advisory lock): each `rulebooks/<key>/<semver>.json`
 * is validated, hashed (sha256 of RFC 8785 canonical JSON) and stored as an `approved` version with provenance
 * `bundled`; a file whose hash differs from the stored version with the same key and version stops the start; the
 * highest bundled version of a key with no activation becomes active (effective since always). Each step is written
 * to the governance history.
 *
 * Freshness: `refresh()` reloads everything and swaps it in at once (so a request sees one consistent snapshot). It
 * is called after every governance change on this instance, on every NOTIFY on `verdict_rulebook_change` from any
 * instance, and by the periodic check (`RulebookChangeListener`). A scheduled activation needs no refresh at its
 * instant: the whole timeline, future periods included, is in memory, so a request whose `asOf` is at or after
 * `effectiveFrom` gets the new version exactly from that millisecond on.
 */
@Injectable()
export class RulebookRegistry implements OnModuleInit {
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.importBundled();
    await this.refresh();
  }

  /** True once the versions and activations are loaded (readiness). */
  isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * Imports the bundled rulebook files into the database.
   * @throws RulebookFileError for an invalid file, ImmutableVersionError for a changed version
   */
  async importBundled(): Promise<void> {
    const files = readRulebookDirectory(this.config.rulebooksDir);
    const changed = new Set<string>();
    await this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('verdict:rulebook-import'))`);
      for (const file of files) {
        const doc = file.document;
        const hash = contentHash(doc);
        const stored = (await em.query(`SELECT content_hash FROM rulebook_version WHERE rulebook_key = $1 AND version = $2`, [doc.key, doc.version])) as { content_hash: string }[];
        if (stored.length > 0) {
          if (stored[0].content_hash !== hash) throw new ImmutableVersionError(file.path, doc.key, doc.version, stored[0].content_hash, hash);
          continue;
        }
        await em.query(`INSERT INTO rulebook (key, kind, title) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`, [doc.key, doc.kind, doc.title]);
        await em.query(
          `INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by)
           VALUES ($1, $2, $3, 'approved', $4, $5, 'bundled', 'bundled')`,
          [randomUUID(), doc.key, doc.version, JSON.stringify(doc), hash],
        );
        await em.query(
          `INSERT INTO rulebook_history (rulebook_key, version, action, outcome, actor, role, to_status, content_hash, comment)
           VALUES ($1, $2, 'import', 'done', 'bundled', 'system', 'approved', $3, $4)`,
          [doc.key, doc.version, hash, `bundled file ${file.path}`],
        );
        changed.add(doc.key);
        this.logger.log(`imported bundled rulebook ${doc.key}@${doc.version} (${hash})`);
      }
      const highest = new Map<string, string>();
      for (const file of files) {
        const current = highest.get(file.document.key);
        if (!current || semver.gt(file.document.version, current)) highest.set(file.document.key, file.document.version);
      }
      for (const [key, version] of highest) {
        const active = (await em.query(`SELECT 1 FROM rulebook_active_period WHERE rulebook_key = $1 LIMIT 1`, [key])) as unknown[];
        if (active.length > 0) continue;
        const [activation] = (await em.query(
          `INSERT INTO rulebook_activation (rulebook_key, version, effective_from, activated_by, comment)
           VALUES ($1, $2, '-infinity', 'bundled', 'highest bundled version of a rulebook with no active version') RETURNING id`,
          [key, version],
        )) as { id: string }[];
        await em.query(
          `INSERT INTO rulebook_active_period (rulebook_key, valid_from, valid_until, version, activation_id) VALUES ($1, '-infinity', 'infinity', $2, $3)`,
          [key, version, activation.id],
        );
        await em.query(
          `INSERT INTO rulebook_history (rulebook_key, version, action, outcome, actor, role, from_status, to_status, effective_from)
           VALUES ($1, $2, 'activate', 'done', 'bundled', 'system', 'approved', 'active', '-infinity')`,
          [key, version],
        );
        changed.add(key);
        this.logger.log(`activated bundled rulebook ${key}@${version}`);
      }
      for (const key of changed) await em.query(`SELECT pg_notify($1, $2)`, [RULEBOOK_CHANGE_CHANNEL, JSON.stringify({ key })]);
    });
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
