import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: rulebooks and their versions and activations, and the normalized decision audit record
 * (decision, one row per evaluated rule, one row per fact, idempotency keys). Audit tables are append-only: a trigger
 * rejects UPDATE, DELETE and TRUNCATE. A submitted rulebook version's content can never change.
 */
export class InitialSchema1795017600000 implements MigrationInterface {
  name = 'InitialSchema1795017600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rulebook (
        key         text PRIMARY KEY CHECK (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
        kind        text NOT NULL CHECK (kind IN ('triage', 'scheduling-eligibility')),
        title       text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE rulebook_version (
        id            uuid PRIMARY KEY,
        rulebook_key  text NOT NULL REFERENCES rulebook (key),
        version       text NOT NULL CHECK (version ~ '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$'),
        status        text NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'rejected', 'retired')),
        content       jsonb NOT NULL,
        content_hash  text NOT NULL CHECK (content_hash ~ '^sha256:[0-9a-f]{64}$'),
        provenance    text NOT NULL,
        created_by    text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT rulebook_version_key_version UNIQUE (rulebook_key, version)
      )`);
    await q.query(`
      CREATE TABLE rulebook_activation (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rulebook_key    text NOT NULL,
        version         text NOT NULL,
        effective_from  timestamptz NOT NULL,
        activated_by    text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (rulebook_key, version) REFERENCES rulebook_version (rulebook_key, version)
      )`);
    await q.query(`CREATE INDEX rulebook_activation_key_effective ON rulebook_activation (rulebook_key, effective_from DESC, id DESC)`);

    await q.query(`
      CREATE TABLE decision (
        id                    uuid PRIMARY KEY,
        evaluated_at          timestamptz NOT NULL,
        caller                text NOT NULL,
        request_id            text NOT NULL,
        rulebook_key          text NOT NULL,
        rulebook_version      text NOT NULL,
        content_hash          text NOT NULL,
        as_of                 timestamptz NOT NULL,
        workflow_instance_id  text,
        source_event_id       text,
        patient_ref           text,
        encounter_ref         text,
        outcome               jsonb NOT NULL,
        input_hash            text NOT NULL,
        idempotency_key       text,
        FOREIGN KEY (rulebook_key, rulebook_version) REFERENCES rulebook_version (rulebook_key, version)
      )`);
    await q.query(`CREATE INDEX decision_rulebook_evaluated ON decision (rulebook_key, evaluated_at DESC)`);
    await q.query(`CREATE INDEX decision_patient_ref ON decision (patient_ref, evaluated_at DESC) WHERE patient_ref IS NOT NULL`);

    await q.query(`
      CREATE TABLE decision_rule (
        decision_id  uuid NOT NULL REFERENCES decision (id),
        ordinal      integer NOT NULL,
        name         text NOT NULL,
        stage        integer NOT NULL,
        priority     integer NOT NULL,
        fired        boolean NOT NULL,
        event        jsonb NOT NULL,
        conditions   jsonb NOT NULL,
        PRIMARY KEY (decision_id, ordinal)
      )`);
    await q.query(`
      CREATE TABLE decision_fact (
        decision_id  uuid NOT NULL REFERENCES decision (id),
        ordinal      integer NOT NULL,
        name         text NOT NULL,
        value        jsonb,
        unit         text,
        source       text NOT NULL CHECK (source IN ('request', 'fhir', 'default', 'derived', 'missing')),
        reference    text,
        code         text,
        effective    timestamptz,
        raw_value    jsonb,
        raw_unit     text,
        PRIMARY KEY (decision_id, ordinal)
      )`);
    await q.query(`
      CREATE TABLE idempotency_key (
        caller        text NOT NULL,
        key           text NOT NULL,
        request_hash  text NOT NULL,
        decision_id   uuid NOT NULL REFERENCES decision (id),
        created_at    timestamptz NOT NULL,
        PRIMARY KEY (caller, key)
      )`);

    await q.query(`
      CREATE FUNCTION verdict_reject_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['decision', 'decision_rule', 'decision_fact', 'idempotency_key', 'rulebook_activation']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
                     FOR EACH ROW EXECUTE FUNCTION verdict_reject_audit_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_audit_change()`);
    }

    await q.query(`
      CREATE FUNCTION verdict_freeze_rulebook_content() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'rulebook version %@% is % and cannot be deleted', OLD.rulebook_key, OLD.version, OLD.status
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN OLD;
        END IF;
        IF OLD.status <> 'draft' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
            OR NEW.version IS DISTINCT FROM OLD.version OR NEW.rulebook_key IS DISTINCT FROM OLD.rulebook_key) THEN
          RAISE EXCEPTION 'rulebook version %@% is % and its content is frozen', OLD.rulebook_key, OLD.version, OLD.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER rulebook_version_frozen BEFORE UPDATE OR DELETE ON rulebook_version
                   FOR EACH ROW EXECUTE FUNCTION verdict_freeze_rulebook_content()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_key, decision_fact, decision_rule, decision, rulebook_activation, rulebook_version, rulebook`);
    await q.query(`DROP FUNCTION verdict_reject_audit_change(), verdict_freeze_rulebook_content()`);
  }
}
