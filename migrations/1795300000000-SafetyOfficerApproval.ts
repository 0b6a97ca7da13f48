import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The lifecycle check of `1795100000000-RulebookGovernance`, restored by `down`. */
const LIFECYCLE_CHECK_V1 = `
  CREATE OR REPLACE FUNCTION verdict_check_version_status() RETURNS trigger LANGUAGE plpgsql AS $$
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
  END $$`;

/**
 * The clinical safety officer's approval (issue 7, item 8; DCB0129 asks that a clinical safety officer sign off a
 * change to a clinical system, here a triage rulebook).
 *
 * - `rulebook_version.safety_approvals_required` (0-10): how many of its approvals must come from a clinical safety
 *   officer (role `safety:approve`), fixed from `SAFETY_APPROVALS_REQUIRED` when the version is submitted, as
 *   `approvals_required` is. Versions submitted before this migration need none (0): what was fixed at their
 *   submission stays fixed.
 * - `rulebook_approval.as_safety_officer`: the approval was given by a caller holding `safety:approve`; it counts as one
 *   of the distinct approvals too. Existing approvals: false. The table stays append-only (adding a column with a
 *   constant default rewrites no row and fires no trigger).
 * - The lifecycle trigger now also refuses `approved` without enough safety-officer approvals of the current content.
 * - A new trigger refuses to change either number once the version has left `draft`, so the database, not only the
 *   service, keeps them "fixed at submission" (the submission itself sets them in the same UPDATE as the status).
 */
export class SafetyOfficerApproval1795300000000 implements MigrationInterface {
  name = 'SafetyOfficerApproval1795300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE rulebook_version
        ADD COLUMN safety_approvals_required integer NOT NULL DEFAULT 0 CHECK (safety_approvals_required BETWEEN 0 AND 10)`);
    await q.query(`ALTER TABLE rulebook_approval ADD COLUMN as_safety_officer boolean NOT NULL DEFAULT false`);

    await q.query(`
      CREATE OR REPLACE FUNCTION verdict_check_version_status() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        approvals integer;
        safety integer;
      BEGIN
        IF NEW.status = OLD.status THEN
          RETURN NEW;
        END IF;
        IF (OLD.status, NEW.status) NOT IN (('draft', 'in_review'), ('in_review', 'approved'), ('in_review', 'rejected'), ('approved', 'retired')) THEN
          RAISE EXCEPTION 'rulebook version %@%: % -> % is not a lifecycle transition', OLD.rulebook_key, OLD.version, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status = 'approved' THEN
          SELECT count(*), count(*) FILTER (WHERE a.as_safety_officer) INTO approvals, safety
            FROM rulebook_approval a WHERE a.version_id = NEW.id AND a.content_hash = NEW.content_hash;
          IF approvals < COALESCE(NEW.approvals_required, 1) THEN
            RAISE EXCEPTION 'rulebook version %@% needs % approval(s) of its content', OLD.rulebook_key, OLD.version, COALESCE(NEW.approvals_required, 1)
              USING ERRCODE = 'check_violation';
          END IF;
          IF safety < NEW.safety_approvals_required THEN
            RAISE EXCEPTION 'rulebook version %@% needs % clinical safety officer approval(s) of its content', OLD.rulebook_key, OLD.version,
              NEW.safety_approvals_required USING ERRCODE = 'check_violation';
          END IF;
        END IF;
        IF NEW.status = 'retired' AND EXISTS (SELECT 1 FROM rulebook_active_period p
            WHERE p.rulebook_key = NEW.rulebook_key AND p.version = NEW.version AND p.valid_until > now()) THEN
          RAISE EXCEPTION 'rulebook version %@% is active or scheduled and cannot be retired', OLD.rulebook_key, OLD.version
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);

    await q.query(`
      CREATE FUNCTION verdict_fix_approval_policy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status <> 'draft' AND (NEW.approvals_required IS DISTINCT FROM OLD.approvals_required
            OR NEW.safety_approvals_required IS DISTINCT FROM OLD.safety_approvals_required) THEN
          RAISE EXCEPTION 'rulebook version %@% is %: the approvals it needs were fixed when it was submitted', OLD.rulebook_key, OLD.version, OLD.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER rulebook_version_approval_policy_fixed BEFORE UPDATE OF approvals_required, safety_approvals_required ON rulebook_version
        FOR EACH ROW EXECUTE FUNCTION verdict_fix_approval_policy()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER rulebook_version_approval_policy_fixed ON rulebook_version`);
    await q.query(`DROP FUNCTION verdict_fix_approval_policy()`);
    await q.query(LIFECYCLE_CHECK_V1);
    await q.query(`ALTER TABLE rulebook_approval DROP COLUMN as_safety_officer`);
    await q.query(`ALTER TABLE rulebook_version DROP COLUMN safety_approvals_required`);
  }
}
