import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/** The approval check of `1795100000000-RulebookGovernance`, restored by `down`. */
const APPROVAL_CHECK_V1 = `
  CREATE OR REPLACE FUNCTION verdict_check_approval() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    v rulebook_version%ROWTYPE;
  BEGIN
    SELECT * INTO v FROM rulebook_version WHERE id = NEW.version_id;
    IF v.status IS DISTINCT FROM 'in_review' THEN
      RAISE EXCEPTION 'rulebook version %@% is % and cannot be approved', v.rulebook_key, v.version, v.status USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.content_hash <> v.content_hash THEN
      RAISE EXCEPTION 'approval of %@% names content % but the version is %', v.rulebook_key, v.version, NEW.content_hash, v.content_hash
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.approver = v.created_by OR v.editors ? NEW.approver THEN
      RAISE EXCEPTION '% authored or edited %@% and cannot approve it', NEW.approver, v.rulebook_key, v.version
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END $$`;

/**
 * Separation of duties in the database (issue 9, item 4), so that the service's own database role cannot go around the
 * lifecycle the service enforces (rulebooks/GOVERNANCE.md "Separation of duties"):
 *
 * - **Approvals**: `verdict_check_approval()` also refuses an approval by the version's submitter, and by anyone who
 *   created or edited a version it was copied from (`based_on`, followed through copies of copies), besides its own
 *   creator and editors.
 * - **Creation**: a version is inserted only as a `draft` with no submission (`submitted_by`, `submitted_at`,
 *   `approvals_required` empty, `safety_approvals_required` 0) and no editor but its creator; so it cannot be inserted
 *   `approved` (nor, since only approved versions get activation periods, active). The one exception is the bootstrap
 *   of a fresh installation (below).
 * - **Authorship frozen**: `created_by`, `based_on` and `provenance` never change; a draft's `editors` only grow; after
 *   the draft, `editors`, `submitted_by` and `submitted_at` never change (the approvals needed were already fixed by
 *   `1795300000000-SafetyOfficerApproval`); a submission (draft -> in_review) names its submitter and the approvals
 *   needed.
 * - **Bootstrap**: `rulebook_bootstrap`, append-only, one row per installation at most, written by the bundle importer
 *   in the transaction that imports the bundled rulebooks into a database holding no rulebook version at all (a fresh
 *   installation). Only in that transaction (`txid`, forced to the inserting transaction's id) may a `bundled` version
 *   be inserted `approved`; the history records it as `bootstrap`. A database that already holds versions when this
 *   migration runs gets its row at once, so it never bootstraps. The history's actions gain `bootstrap`.
 */
export class SeparationOfDuties1795400000010 implements MigrationInterface {
  name = 'SeparationOfDuties1795400000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rulebook_bootstrap (
        txid  bigint PRIMARY KEY,
        at    timestamptz NOT NULL DEFAULT clock_timestamp(),
        how   text NOT NULL CHECK (how IN ('bootstrap', 'installed-before'))
      )`);
    await q.query(`
      INSERT INTO rulebook_bootstrap (txid, how)
      SELECT txid_current(), 'installed-before' WHERE EXISTS (SELECT 1 FROM rulebook_version)`);
    await q.query(`
      CREATE FUNCTION verdict_check_bootstrap() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.txid := txid_current();
        NEW.at := clock_timestamp();
        IF NEW.how <> 'bootstrap' THEN
          RAISE EXCEPTION 'only a bootstrap is recorded in rulebook_bootstrap' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF EXISTS (SELECT 1 FROM rulebook_bootstrap) OR EXISTS (SELECT 1 FROM rulebook_version) THEN
          RAISE EXCEPTION 'this installation already holds rulebook versions: bundled rulebooks are no longer bootstrapped, they go through review'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER rulebook_bootstrap_once BEFORE INSERT ON rulebook_bootstrap
        FOR EACH ROW EXECUTE FUNCTION verdict_check_bootstrap()`);
    await makeAppendOnly(q, 'rulebook_bootstrap');

    await q.query(`
      ALTER TABLE rulebook_history DROP CONSTRAINT rulebook_history_action_check,
        ADD CONSTRAINT rulebook_history_action_check CHECK (action IN ('import', 'bootstrap', 'create', 'update', 'submit', 'approve', 'reject',
                                                                       'activate', 'rollback', 'retire', 'supersede'))`);

    await q.query(`
      CREATE FUNCTION verdict_check_version_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'approved' AND NEW.provenance = 'bundled'
            AND EXISTS (SELECT 1 FROM rulebook_bootstrap WHERE how = 'bootstrap' AND txid = txid_current()) THEN
          RETURN NEW; -- the bootstrap of a fresh installation
        END IF;
        IF NEW.status <> 'draft' THEN
          RAISE EXCEPTION 'rulebook version %@% cannot be created %: a version is created as a draft and reaches % only through the lifecycle',
            NEW.rulebook_key, NEW.version, NEW.status, NEW.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.submitted_by IS NOT NULL OR NEW.submitted_at IS NOT NULL OR NEW.approvals_required IS NOT NULL OR NEW.safety_approvals_required <> 0 THEN
          RAISE EXCEPTION 'rulebook version %@% cannot be created submitted: a draft has no submitter and no approvals fixed yet', NEW.rulebook_key, NEW.version
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT (NEW.editors <@ jsonb_build_array(NEW.created_by)) THEN
          RAISE EXCEPTION 'rulebook version %@% cannot be created with editors other than its creator %', NEW.rulebook_key, NEW.version, NEW.created_by
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.based_on = NEW.version THEN
          RAISE EXCEPTION 'rulebook version %@% cannot be a copy of itself', NEW.rulebook_key, NEW.version USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER rulebook_version_created_as_draft BEFORE INSERT ON rulebook_version
        FOR EACH ROW EXECUTE FUNCTION verdict_check_version_insert()`);

    await q.query(`
      CREATE FUNCTION verdict_freeze_authorship() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id <> OLD.id OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.based_on IS DISTINCT FROM OLD.based_on
            OR NEW.provenance IS DISTINCT FROM OLD.provenance THEN
          RAISE EXCEPTION 'rulebook version %@%: who created it, what it was copied from and its provenance never change', OLD.rulebook_key, OLD.version
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.status = 'draft' THEN
          IF NOT (NEW.editors @> OLD.editors) THEN
            RAISE EXCEPTION 'rulebook version %@%: the editors of a draft are only ever added to', OLD.rulebook_key, OLD.version
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF NEW.status = 'draft' AND (NEW.submitted_by IS NOT NULL OR NEW.submitted_at IS NOT NULL) THEN
            RAISE EXCEPTION 'rulebook version %@%: a draft has no submitter', OLD.rulebook_key, OLD.version USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF NEW.status = 'in_review' AND (NEW.submitted_by IS NULL OR NEW.submitted_at IS NULL OR NEW.approvals_required IS NULL) THEN
            RAISE EXCEPTION 'rulebook version %@%: a submission names its submitter, its time and the approvals needed', OLD.rulebook_key, OLD.version
              USING ERRCODE = 'check_violation';
          END IF;
        ELSIF NEW.editors IS DISTINCT FROM OLD.editors OR NEW.submitted_by IS DISTINCT FROM OLD.submitted_by
            OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at THEN
          RAISE EXCEPTION 'rulebook version %@% is %: its editors and submitter are frozen', OLD.rulebook_key, OLD.version, OLD.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER rulebook_version_authorship_frozen BEFORE UPDATE ON rulebook_version
        FOR EACH ROW EXECUTE FUNCTION verdict_freeze_authorship()`);

    await q.query(`
      CREATE OR REPLACE FUNCTION verdict_check_approval() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v rulebook_version%ROWTYPE;
        origin text;
      BEGIN
        SELECT * INTO v FROM rulebook_version WHERE id = NEW.version_id;
        IF v.status IS DISTINCT FROM 'in_review' THEN
          RAISE EXCEPTION 'rulebook version %@% is % and cannot be approved', v.rulebook_key, v.version, v.status USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.content_hash <> v.content_hash THEN
          RAISE EXCEPTION 'approval of %@% names content % but the version is %', v.rulebook_key, v.version, NEW.content_hash, v.content_hash
            USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.approver = v.created_by OR v.editors ? NEW.approver THEN
          RAISE EXCEPTION '% authored or edited %@% and cannot approve it (separation of duties)', NEW.approver, v.rulebook_key, v.version
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.approver = v.submitted_by THEN
          RAISE EXCEPTION '% submitted %@% and cannot approve it (separation of duties)', NEW.approver, v.rulebook_key, v.version
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        WITH RECURSIVE lineage AS (
          SELECT p.version, p.created_by, p.editors, p.based_on, 1 AS depth
            FROM rulebook_version p WHERE p.rulebook_key = v.rulebook_key AND p.version = v.based_on
          UNION ALL
          SELECT p.version, p.created_by, p.editors, p.based_on, l.depth + 1
            FROM rulebook_version p JOIN lineage l ON p.rulebook_key = v.rulebook_key AND p.version = l.based_on
           WHERE l.depth < 1000
        )
        SELECT l.version INTO origin FROM lineage l WHERE l.created_by = NEW.approver OR l.editors ? NEW.approver ORDER BY l.depth LIMIT 1;
        IF origin IS NOT NULL THEN
          RAISE EXCEPTION '% authored or edited %@%, which %@% was copied from, and cannot approve it (separation of duties)',
            NEW.approver, v.rulebook_key, origin, v.rulebook_key, v.version USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPROVAL_CHECK_V1);
    await q.query(`DROP TRIGGER rulebook_version_authorship_frozen ON rulebook_version`);
    await q.query(`DROP TRIGGER rulebook_version_created_as_draft ON rulebook_version`);
    await q.query(`DROP FUNCTION verdict_freeze_authorship(), verdict_check_version_insert()`);
    await q.query(`
      ALTER TABLE rulebook_history DROP CONSTRAINT rulebook_history_action_check,
        ADD CONSTRAINT rulebook_history_action_check CHECK (action IN ('import', 'create', 'update', 'submit', 'approve', 'reject',
                                                                       'activate', 'rollback', 'retire', 'supersede')) NOT VALID`);
    await q.query(`DROP TABLE rulebook_bootstrap`);
    await q.query(`DROP FUNCTION verdict_check_bootstrap()`);
  }
}
