import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rulebook governance (issue 3): the lifecycle columns of a version, the approvals, the governance history and the
 * activation timeline as non-overlapping, gap-free periods.
 *
 * - `rulebook_version` gains `based_on` (the version a draft was copied from), `editors` (every subject who created or
 *   changed the draft: none of them may approve it), `approvals_required` (fixed at submission from the per-kind
 *   policy), `submitted_by`/`submitted_at` and `updated_at`. A trigger allows only the lifecycle's transitions
 *   (draft -> in_review -> approved | rejected, approved -> retired), moves to `approved` only with enough approvals of
 *   the current content hash, and refuses to retire a version that is active now or scheduled.
 * - `rulebook_approval`: one row per (version, approver), bound to the content hash the approver saw; a trigger refuses
 *   an approval of a version not in review, of another content hash, or by its author or an editor. Append-only.
 * - `rulebook_history`: every transition and every refused attempt (actor, role, from and to state, comment, content
 *   hash, time). Append-only.
 * - `rulebook_active_period`: the timeline materialised from `rulebook_activation` (which stays the append-only log of
 *   activation acts): one row per period `[valid_from, valid_until)` during which `version` is the active version of
 *   `rulebook_key`. **Exactly one active version at every instant** is enforced here: an exclusion constraint (GiST,
 *   `btree_gist` for the key's equality) forbids two periods of a key from overlapping, and a deferred constraint
 *   trigger checks at commit that the periods of a key leave no gap from the first one on and that the last one is
 *   open-ended. A period may name only an `approved` version.
 */
export class RulebookGovernance1795100000000 implements MigrationInterface {
  name = 'RulebookGovernance1795100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    await q.query(`
      ALTER TABLE rulebook_version
        ADD COLUMN based_on            text,
        ADD COLUMN editors             jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(editors) = 'array'),
        ADD COLUMN approvals_required  integer CHECK (approvals_required BETWEEN 1 AND 10),
        ADD COLUMN submitted_by        text,
        ADD COLUMN submitted_at        timestamptz,
        ADD COLUMN updated_at          timestamptz NOT NULL DEFAULT now(),
        ADD CONSTRAINT rulebook_version_based_on FOREIGN KEY (rulebook_key, based_on) REFERENCES rulebook_version (rulebook_key, version)`);

    await q.query(`
      CREATE TABLE rulebook_approval (
        version_id    uuid NOT NULL REFERENCES rulebook_version (id),
        approver      text NOT NULL,
        content_hash  text NOT NULL CHECK (content_hash ~ '^sha256:[0-9a-f]{64}$'),
        comment       text,
        approved_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (version_id, approver)
      )`);

    await q.query(`
      CREATE TABLE rulebook_history (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at              timestamptz NOT NULL DEFAULT clock_timestamp(),
        rulebook_key    text NOT NULL REFERENCES rulebook (key),
        version         text,
        action          text NOT NULL CHECK (action IN ('import', 'create', 'update', 'submit', 'approve', 'reject',
                                                        'activate', 'rollback', 'retire', 'supersede')),
        outcome         text NOT NULL CHECK (outcome IN ('done', 'refused')),
        actor           text NOT NULL,
        role            text NOT NULL,
        from_status     text,
        to_status       text,
        comment         text,
        content_hash    text,
        effective_from  timestamptz,
        problem         jsonb
      )`);
    await q.query(`CREATE INDEX rulebook_history_key_id ON rulebook_history (rulebook_key, id)`);

    await q.query(`ALTER TABLE rulebook_activation ADD COLUMN comment text`);

    await q.query(`
      CREATE TABLE rulebook_active_period (
        rulebook_key   text NOT NULL REFERENCES rulebook (key),
        valid_from     timestamptz NOT NULL,
        valid_until    timestamptz NOT NULL DEFAULT 'infinity',
        version        text NOT NULL,
        activation_id  bigint NOT NULL REFERENCES rulebook_activation (id),
        PRIMARY KEY (rulebook_key, valid_from),
        FOREIGN KEY (rulebook_key, version) REFERENCES rulebook_version (rulebook_key, version),
        CONSTRAINT rulebook_active_period_not_empty CHECK (valid_from < valid_until),
        CONSTRAINT rulebook_active_period_one_version_at_a_time
          EXCLUDE USING gist (rulebook_key WITH =, tstzrange(valid_from, valid_until) WITH &&)
      )`);

    // Existing timelines (bundled activations since -infinity): one period per activation instant, the latest
    // activation of an instant winning, as the registry read them before.
    await q.query(`
      INSERT INTO rulebook_active_period (rulebook_key, valid_from, valid_until, version, activation_id)
      SELECT rulebook_key, effective_from,
             COALESCE(lead(effective_from) OVER (PARTITION BY rulebook_key ORDER BY effective_from), 'infinity'),
             version, id
        FROM (SELECT DISTINCT ON (rulebook_key, effective_from) *
                FROM rulebook_activation ORDER BY rulebook_key, effective_from, id DESC) latest`);
    await q.query(`
      INSERT INTO rulebook_history (at, rulebook_key, version, action, outcome, actor, role, to_status, content_hash)
      SELECT created_at, rulebook_key, version, 'import', 'done', created_by, 'system', status, content_hash
        FROM rulebook_version ORDER BY created_at`);
    await q.query(`
      INSERT INTO rulebook_history (at, rulebook_key, version, action, outcome, actor, role, from_status, to_status, effective_from)
      SELECT created_at, rulebook_key, version, 'activate', 'done', activated_by, 'system', 'approved', 'active', effective_from
        FROM rulebook_activation ORDER BY id`);

    await q.query(`
      CREATE FUNCTION verdict_check_active_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        k text := COALESCE(NEW.rulebook_key, OLD.rulebook_key);
      BEGIN
        IF EXISTS (
          SELECT 1
            FROM (SELECT valid_until, lead(valid_from) OVER (ORDER BY valid_from) AS next_from
                    FROM rulebook_active_period WHERE rulebook_key = k) t
           WHERE (next_from IS NULL AND valid_until <> 'infinity') OR (next_from IS NOT NULL AND next_from <> valid_until)) THEN
          RAISE EXCEPTION 'the activation timeline of rulebook % has a gap: exactly one version must be active at every instant from its first activation on', k
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER rulebook_active_period_gap_free AFTER INSERT OR UPDATE OR DELETE ON rulebook_active_period
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION verdict_check_active_timeline()`);

    await q.query(`
      CREATE FUNCTION verdict_check_period_version() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        s text;
      BEGIN
        SELECT status INTO s FROM rulebook_version WHERE rulebook_key = NEW.rulebook_key AND version = NEW.version;
        IF s IS DISTINCT FROM 'approved' THEN
          RAISE EXCEPTION 'rulebook version %@% is % and cannot be activated: only approved versions can', NEW.rulebook_key, NEW.version, s
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER rulebook_active_period_approved_only BEFORE INSERT OR UPDATE OF version ON rulebook_active_period
        FOR EACH ROW EXECUTE FUNCTION verdict_check_period_version()`);

    await q.query(`
      CREATE FUNCTION verdict_check_approval() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$`);
    await q.query(`
      CREATE TRIGGER rulebook_approval_checked BEFORE INSERT ON rulebook_approval
        FOR EACH ROW EXECUTE FUNCTION verdict_check_approval()`);

    await q.query(`
      CREATE FUNCTION verdict_check_version_status() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = OLD.status THEN
          RETURN NEW;
        END IF;
        IF (OLD.status, NEW.status) NOT IN (('draft', 'in_review'), ('in_review', 'approved'), ('in_review', 'rejected'), ('approved', 'retired')) THEN
          RAISE EXCEPTION 'rulebook version %@%: % -> % is not a lifecycle transition', OLD.rulebook_key, OLD.version, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status = 'approved' AND (SELECT count(*) FROM rulebook_approval a WHERE a.version_id = NEW.id AND a.content_hash = NEW.content_hash)
            < COALESCE(NEW.approvals_required, 1) THEN
          RAISE EXCEPTION 'rulebook version %@% needs % approval(s) of its content', OLD.rulebook_key, OLD.version, COALESCE(NEW.approvals_required, 1)
            USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status = 'retired' AND EXISTS (SELECT 1 FROM rulebook_active_period p
            WHERE p.rulebook_key = NEW.rulebook_key AND p.version = NEW.version AND p.valid_until > now()) THEN
          RAISE EXCEPTION 'rulebook version %@% is active or scheduled and cannot be retired', OLD.rulebook_key, OLD.version
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER rulebook_version_lifecycle BEFORE UPDATE OF status ON rulebook_version
        FOR EACH ROW EXECUTE FUNCTION verdict_check_version_status()`);

    for (const table of ['rulebook_approval', 'rulebook_history']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
                     FOR EACH ROW EXECUTE FUNCTION verdict_reject_audit_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_audit_change()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER rulebook_version_lifecycle ON rulebook_version`);
    await q.query(`DROP TABLE rulebook_active_period, rulebook_history, rulebook_approval`);
    await q.query(`DROP FUNCTION verdict_check_version_status(), verdict_check_approval(), verdict_check_period_version(), verdict_check_active_timeline()`);
    await q.query(`ALTER TABLE rulebook_activation DROP COLUMN comment`);
    await q.query(`
      ALTER TABLE rulebook_version DROP CONSTRAINT rulebook_version_based_on, DROP COLUMN based_on, DROP COLUMN editors,
        DROP COLUMN approvals_required, DROP COLUMN submitted_by, DROP COLUMN submitted_at, DROP COLUMN updated_at`);
  }
}
