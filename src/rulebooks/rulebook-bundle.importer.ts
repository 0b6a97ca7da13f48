import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import semver from 'semver';
import { DataSource, type EntityManager } from 'typeorm';
import { contentHash } from '../common/canonical-json.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { RULEBOOK_CHANGE_CHANNEL } from './rulebook-change-channel.js';
import { readRulebookDirectory, type RulebookFile } from './rulebook-file.loader.js';
import type { RulebookDocument, RulebookKind } from './rulebook.types.js';

/** Thrown at start when a bundled file differs from the stored version with the same key and version. */
export class ImmutableVersionError extends Error {
  constructor(file: string, key: string, version: string, stored: string, found: string) {
    super(`Rulebook ${key}@${version} in ${file} differs from the stored version (stored ${stored}, file ${found}). ` +
      'Versions are immutable: give the changed file a new version number.');
    this.name = 'ImmutableVersionError';
  }
}

/** The subject recorded as creator, submitter and actor of what the importer writes. */
const BUNDLED = 'bundled';

/**
 * Imports the bundled rulebooks (`RULEBOOKS_DIR`, `rulebooks/<key>/<semver>.json`) into the database, in one
 * transaction serialized across instances by an advisory lock. Each file is validated against the rulebook schema and
 * hashed (sha256 of RFC 8785 canonical JSON); a file whose hash differs from the stored version with the same key and
 * version stops the start (versions are immutable). What happens to a new file depends on the installation
 * (rulebooks/GOVERNANCE.md "Bundled rulebooks"):
 *
 * - **a fresh installation** (the database holds no rulebook version at all, and never bootstrapped): the files are
 *   *bootstrapped*: stored `approved` with provenance `bundled` without review, and the highest version of each key
 *   becomes active since always (`-infinity`). The database allows this once, in the transaction that records the
 *   bootstrap in `rulebook_bootstrap`; the history says `bootstrap` for each version and names the activation as part of
 *   it.
 * - **an existing installation** (it already holds rulebook versions): a new file, of a new key or a new version of a
 *   known one, goes into review like any version: stored as a draft of `bundled` and submitted by `bundled` at once
 *   (`in_review`, the approvals its kind needs fixed from `APPROVALS_REQUIRED` / `SAFETY_APPROVALS_REQUIRED`), never
 *   activated. Approvers approve and activate it through the governance API; `bundled` is its author and submitter.
 *
 * Each step is written to the governance history (actor `bundled`, role `system`) and announced on
 * `RULEBOOK_CHANGE_CHANNEL`.
 */
@Injectable()
export class RulebookBundleImporter {
  private readonly logger = new Logger(RulebookBundleImporter.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Imports the bundled rulebook files into the database: bootstraps them on a fresh installation, else puts each new
   * one in review.
   * @throws RulebookFileError for an invalid file, ImmutableVersionError for a changed version
   */
  async importBundled(): Promise<void> {
    const files = readRulebookDirectory(this.config.rulebooksDir);
    const changed = new Set<string>();
    await this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('verdict:rulebook-import'))`);
      const [{ fresh }] = (await em.query(
        `SELECT NOT EXISTS (SELECT 1 FROM rulebook_version) AND NOT EXISTS (SELECT 1 FROM rulebook_bootstrap) AS fresh`)) as { fresh: boolean }[];
      const bootstrap = fresh && files.length > 0;
      // Its trigger records this transaction's id (whatever txid says): only this transaction may then store versions approved.
      if (bootstrap) await em.query(`INSERT INTO rulebook_bootstrap (txid, how) VALUES (0, 'bootstrap')`);
      for (const file of files) {
        const doc = file.document;
        const hash = contentHash(doc);
        const stored = (await em.query(`SELECT content_hash FROM rulebook_version WHERE rulebook_key = $1 AND version = $2`, [doc.key, doc.version])) as { content_hash: string }[];
        if (stored.length > 0) {
          if (stored[0].content_hash !== hash) throw new ImmutableVersionError(file.path, doc.key, doc.version, stored[0].content_hash, hash);
          continue;
        }
        await em.query(`INSERT INTO rulebook (key, kind, title) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`, [doc.key, doc.kind, doc.title]);
        if (bootstrap) await this.bootstrapVersion(em, file.path, doc, hash);
        else await this.importForReview(em, file.path, doc, hash);
        changed.add(doc.key);
      }
      if (bootstrap) for (const key of await this.activateHighest(em, files)) changed.add(key);
      for (const key of changed) await em.query(`SELECT pg_notify($1, $2)`, [RULEBOOK_CHANGE_CHANNEL, JSON.stringify({ key })]);
    });
  }

  /** Stores a bundled version `approved` without review: only in the bootstrap transaction of a fresh installation. */
  private async bootstrapVersion(em: EntityManager, path: string, doc: RulebookDocument, hash: string): Promise<void> {
    await em.query(
      `INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by)
       VALUES ($1, $2, $3, 'approved', $4, $5, 'bundled', $6)`,
      [randomUUID(), doc.key, doc.version, JSON.stringify(doc), hash, BUNDLED],
    );
    await em.query(
      `INSERT INTO rulebook_history (rulebook_key, version, action, outcome, actor, role, to_status, content_hash, comment)
       VALUES ($1, $2, 'bootstrap', 'done', $3, 'system', 'approved', $4, $5)`,
      [doc.key, doc.version, BUNDLED, hash, `bundled file ${path}, approved without review: bootstrap of a fresh installation`],
    );
    this.logger.log(`bootstrapped bundled rulebook ${doc.key}@${doc.version} (${hash})`);
  }

  /** Stores a bundled version as a draft of `bundled` and submits it for review at once (an existing installation). */
  private async importForReview(em: EntityManager, path: string, doc: RulebookDocument, hash: string): Promise<void> {
    const id = randomUUID();
    await em.query(
      `INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by, editors)
       VALUES ($1, $2, $3, 'draft', $4, $5, 'bundled', $6, $7)`,
      [id, doc.key, doc.version, JSON.stringify(doc), hash, BUNDLED, JSON.stringify([BUNDLED])],
    );
    const [{ kind }] = (await em.query(`SELECT kind FROM rulebook WHERE key = $1`, [doc.key])) as { kind: RulebookKind }[];
    const approvals = this.config.approvalsRequired[kind] ?? 1;
    const safety = this.config.safetyApprovalsRequired[kind] ?? 0;
    await em.query(
      `UPDATE rulebook_version SET status = 'in_review', approvals_required = $2, safety_approvals_required = $3, submitted_by = $4,
              submitted_at = now(), updated_at = now() WHERE id = $1`,
      [id, approvals, safety, BUNDLED],
    );
    await em.query(
      `INSERT INTO rulebook_history (rulebook_key, version, action, outcome, actor, role, from_status, to_status, content_hash, comment)
       VALUES ($1, $2, 'import', 'done', $3, 'system', 'draft', 'in_review', $4, $5)`,
      [doc.key, doc.version, BUNDLED, hash,
        `bundled file ${path}, submitted for review: needs ${approvals} approval(s), ${safety} of them by a clinical safety officer, then an activation`],
    );
    this.logger.warn(`bundled rulebook ${doc.key}@${doc.version} (${hash}) is new on this installation: imported for review, not active until approved and activated`);
  }

  /**
   * Activates, since always, the highest bundled version of each key that has no activation yet (the bootstrap).
   * @returns the keys activated
   */
  private async activateHighest(em: EntityManager, files: readonly RulebookFile[]): Promise<string[]> {
    const highest = new Map<string, string>();
    for (const file of files) {
      const current = highest.get(file.document.key);
      if (!current || semver.gt(file.document.version, current)) highest.set(file.document.key, file.document.version);
    }
    const activated: string[] = [];
    for (const [key, version] of highest) {
      const active = (await em.query(`SELECT 1 FROM rulebook_active_period WHERE rulebook_key = $1 LIMIT 1`, [key])) as unknown[];
      if (active.length > 0) continue;
      const [activation] = (await em.query(
        `INSERT INTO rulebook_activation (rulebook_key, version, effective_from, activated_by, comment)
         VALUES ($1, $2, '-infinity', $3, 'bootstrap: the highest bundled version') RETURNING id`,
        [key, version, BUNDLED],
      )) as { id: string }[];
      await em.query(
        `INSERT INTO rulebook_active_period (rulebook_key, valid_from, valid_until, version, activation_id) VALUES ($1, '-infinity', 'infinity', $2, $3)`,
        [key, version, activation.id],
      );
      await em.query(
        `INSERT INTO rulebook_history (rulebook_key, version, action, outcome, actor, role, from_status, to_status, effective_from, comment)
         VALUES ($1, $2, 'activate', 'done', $3, 'system', 'approved', 'active', '-infinity', 'bootstrap of a fresh installation: the highest bundled version')`,
        [key, version, BUNDLED],
      );
      activated.push(key);
      this.logger.log(`activated bundled rulebook ${key}@${version} (bootstrap)`);
    }
    return activated;
  }
}
