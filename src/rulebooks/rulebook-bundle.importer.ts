import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import semver from 'semver';
import { DataSource } from 'typeorm';
import { contentHash } from '../common/canonical-json.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { RULEBOOK_CHANGE_CHANNEL } from './rulebook-change-channel.js';
import { readRulebookDirectory } from './rulebook-file.loader.js';

/** Thrown at start when a bundled file differs from the stored version with the same key and version. */
export class ImmutableVersionError extends Error {
  constructor(file: string, key: string, version: string, stored: string, found: string) {
    super(`Rulebook ${key}@${version} in ${file} differs from the stored version (stored ${stored}, file ${found}). ` +
      'Versions are immutable: give the changed file a new version number.');
    this.name = 'ImmutableVersionError';
  }
}

/**
 * Imports the bundled rulebooks (`RULEBOOKS_DIR`, `rulebooks/<key>/<semver>.json`) into the database, in one
 * transaction serialized across instances by an advisory lock. Each file is validated against the rulebook schema,
 * hashed (sha256 of RFC 8785 canonical JSON) and stored as an `approved` version with provenance `bundled`; a file
 * whose hash differs from the stored version with the same key and version stops the start (versions are
 * immutable); the highest bundled version of a key with no activation becomes active, effective since always
 * (`-infinity`). Each step is written to the governance history (actor `bundled`, role `system`) and announced on
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
}
