import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

// Months of partitions created ahead of the current month; the service start and the chain sealer extend them later
// (a migration keeps its own frozen copy of the value in src/database/migrate-database.ts).
const PARTITION_MONTHS_AHEAD = 3;

/**
 * Partitions the decision audit by month of `evaluated_at` (range partitioning): `decision`, `decision_rule` and
 * `decision_fact` become partitioned tables with one partition per month (`decision_y2026m11`, …) and a DEFAULT
 * partition that catches an instant outside every monthly partition, so a decision is never refused for want of one.
 *
 * - `decision_rule` and `decision_fact` gain `evaluated_at` (the partition key, equal to their decision's), so that a
 *   decision and its rows live in partitions of the same month and every key includes the partition key.
 * - `decision` gains `rulebook_status` (the version's status when it decided) and `record_hash` (the RFC 8785
 *   content hash of the whole record, see `src/audit/audit-record-hash.ts`; NULL for decisions written before this
 *   migration: the chain sealer hashes those from their rows).
 * - Indexes are chosen for the audit search (rulebook or patient or encounter or workflow or source event, each with
 *   the keyset order `evaluated_at, id`; fired rule by name and time).
 * - Rows move from the old tables, which are then dropped (the append-only triggers forbid UPDATE, DELETE and
 *   TRUNCATE, not DROP by the owner). The append-only triggers are on the new tables: row triggers are cloned onto
 *   each partition by PostgreSQL, the TRUNCATE trigger is created on each partition by `verdict_create_audit_partitions`.
 * - `verdict_create_audit_partitions(from, months)` creates missing monthly partitions; SECURITY DEFINER so the
 *   service (role `verdict_service`, which cannot create tables) can extend them ahead of time.
 */
export class PartitionDecisionAudit1795200000001 implements MigrationInterface {
  name = 'PartitionDecisionAudit1795200000001';

  async up(q: QueryRunner): Promise<void> {
    // The old tables step aside under *_v1 names (with their indexes and keys) until their rows have moved.
    await q.query(`ALTER TABLE decision RENAME TO decision_v1`);
    await q.query(`ALTER TABLE decision_rule RENAME TO decision_rule_v1`);
    await q.query(`ALTER TABLE decision_fact RENAME TO decision_fact_v1`);
    await q.query(`ALTER INDEX decision_pkey RENAME TO decision_v1_pkey`);
    await q.query(`ALTER INDEX decision_rule_pkey RENAME TO decision_rule_v1_pkey`);
    await q.query(`ALTER INDEX decision_fact_pkey RENAME TO decision_fact_v1_pkey`);
    await q.query(`ALTER INDEX decision_rulebook_evaluated RENAME TO decision_v1_rulebook_evaluated`);
    await q.query(`ALTER INDEX decision_patient_ref RENAME TO decision_v1_patient_ref`);

    await q.query(`
      CREATE TABLE decision (
        id                    uuid NOT NULL,
        evaluated_at          timestamptz NOT NULL,
        caller                text NOT NULL,
        request_id            text NOT NULL,
        rulebook_key          text NOT NULL,
        rulebook_version      text NOT NULL,
        content_hash          text NOT NULL,
        rulebook_status       text,
        as_of                 timestamptz NOT NULL,
        workflow_instance_id  text,
        source_event_id       text,
        patient_ref           text,
        encounter_ref         text,
        outcome               jsonb NOT NULL,
        input_hash            text NOT NULL,
        idempotency_key       text,
        record_hash           text CHECK (record_hash ~ '^sha256:[0-9a-f]{64}$'),
        CONSTRAINT decision_pkey PRIMARY KEY (id, evaluated_at),
        FOREIGN KEY (rulebook_key, rulebook_version) REFERENCES rulebook_version (rulebook_key, version)
      ) PARTITION BY RANGE (evaluated_at)`);
    await q.query(`
      CREATE TABLE decision_rule (
        decision_id   uuid NOT NULL,
        evaluated_at  timestamptz NOT NULL,
        ordinal       integer NOT NULL,
        name          text NOT NULL,
        stage         integer NOT NULL,
        priority      integer NOT NULL,
        fired         boolean NOT NULL,
        event         jsonb NOT NULL,
        conditions    jsonb NOT NULL,
        CONSTRAINT decision_rule_pkey PRIMARY KEY (decision_id, evaluated_at, ordinal),
        FOREIGN KEY (decision_id, evaluated_at) REFERENCES decision (id, evaluated_at)
      ) PARTITION BY RANGE (evaluated_at)`);
    await q.query(`
      CREATE TABLE decision_fact (
        decision_id   uuid NOT NULL,
        evaluated_at  timestamptz NOT NULL,
        ordinal       integer NOT NULL,
        name          text NOT NULL,
        value         jsonb,
        unit          text,
        source        text NOT NULL CHECK (source IN ('request', 'fhir', 'default', 'derived', 'missing')),
        reference     text,
        code          text,
        effective     timestamptz,
        raw_value     jsonb,
        raw_unit      text,
        CONSTRAINT decision_fact_pkey PRIMARY KEY (decision_id, evaluated_at, ordinal),
        FOREIGN KEY (decision_id, evaluated_at) REFERENCES decision (id, evaluated_at)
      ) PARTITION BY RANGE (evaluated_at)`);

    await q.query(`
      CREATE FUNCTION verdict_create_audit_partitions(from_month timestamptz, months integer) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        first_day timestamptz := date_trunc('month', from_month AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
        lower_bound timestamptz;
        upper_bound timestamptz;
        partition_name text;
        parent text;
        created integer := 0;
      BEGIN
        FOR i IN 0 .. months - 1 LOOP
          lower_bound := ((first_day AT TIME ZONE 'UTC') + make_interval(months => i)) AT TIME ZONE 'UTC';
          upper_bound := ((first_day AT TIME ZONE 'UTC') + make_interval(months => i + 1)) AT TIME ZONE 'UTC';
          FOREACH parent IN ARRAY ARRAY['decision', 'decision_rule', 'decision_fact'] LOOP
            partition_name := parent || to_char(lower_bound AT TIME ZONE 'UTC', '"_y"YYYY"m"MM');
            CONTINUE WHEN to_regclass(partition_name) IS NOT NULL;
            BEGIN
              EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition_name, parent, lower_bound, upper_bound);
            EXCEPTION WHEN check_violation THEN
              -- The DEFAULT partition already holds rows of this month: they stay there (still searched and verified).
              RAISE WARNING 'partition % not created: the default partition of % holds rows of that month', partition_name, parent;
              CONTINUE;
            END;
            EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_audit_change()',
                           partition_name || '_no_truncate', partition_name);
            -- The service reaches rows only through the partitioned parent, whose privileges apply.
            EXECUTE format('REVOKE ALL ON %I FROM verdict_service', partition_name);
            created := created + 1;
          END LOOP;
        END LOOP;
        RETURN created;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION verdict_create_audit_partitions(timestamptz, integer) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION verdict_create_audit_partitions(timestamptz, integer) TO verdict_service`);

    for (const parent of ['decision', 'decision_rule', 'decision_fact']) {
      await q.query(`CREATE TABLE ${parent}_default PARTITION OF ${parent} DEFAULT`);
      await q.query(`CREATE TRIGGER ${parent}_default_no_truncate BEFORE TRUNCATE ON ${parent}_default
                     FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_audit_change()`);
      await q.query(`REVOKE ALL ON ${parent}_default FROM verdict_service`);
    }
    // Monthly partitions from the oldest stored decision (or this month) to PARTITION_MONTHS_AHEAD months ahead.
    await q.query(`
      SELECT verdict_create_audit_partitions(start,
               ((extract(year FROM age(date_trunc('month', now()), date_trunc('month', start))) * 12
                + extract(month FROM age(date_trunc('month', now()), date_trunc('month', start))))::integer + 1 + ${PARTITION_MONTHS_AHEAD}))
        FROM (SELECT LEAST(coalesce(min(evaluated_at), now()), now()) AS start FROM decision_v1) s`);

    await q.query(`
      INSERT INTO decision (id, evaluated_at, caller, request_id, rulebook_key, rulebook_version, content_hash, as_of,
                            workflow_instance_id, source_event_id, patient_ref, encounter_ref, outcome, input_hash, idempotency_key)
      SELECT id, evaluated_at, caller, request_id, rulebook_key, rulebook_version, content_hash, as_of,
             workflow_instance_id, source_event_id, patient_ref, encounter_ref, outcome, input_hash, idempotency_key
        FROM decision_v1`);
    await q.query(`
      INSERT INTO decision_rule (decision_id, evaluated_at, ordinal, name, stage, priority, fired, event, conditions)
      SELECT r.decision_id, d.evaluated_at, r.ordinal, r.name, r.stage, r.priority, r.fired, r.event, r.conditions
        FROM decision_rule_v1 r JOIN decision_v1 d ON d.id = r.decision_id`);
    await q.query(`
      INSERT INTO decision_fact (decision_id, evaluated_at, ordinal, name, value, unit, source, reference, code, effective, raw_value, raw_unit)
      SELECT f.decision_id, d.evaluated_at, f.ordinal, f.name, f.value, f.unit, f.source, f.reference, f.code, f.effective, f.raw_value, f.raw_unit
        FROM decision_fact_v1 f JOIN decision_v1 d ON d.id = f.decision_id`);
    // CASCADE drops idempotency_key's foreign key to the old table; it is recreated against the new one below.
    await q.query(`DROP TABLE decision_fact_v1, decision_rule_v1, decision_v1 CASCADE`);
    // An idempotency key is written in the decision's statement with created_at = the decision's evaluated_at.
    await q.query(`ALTER TABLE idempotency_key ADD CONSTRAINT idempotency_key_decision_fkey
                   FOREIGN KEY (decision_id, created_at) REFERENCES decision (id, evaluated_at)`);

    // Audit search: each filter with the keyset order (evaluated_at, id); btree indexes serve both directions.
    await q.query(`CREATE INDEX decision_time ON decision (evaluated_at, id)`);
    await q.query(`CREATE INDEX decision_rulebook_time ON decision (rulebook_key, evaluated_at, id)`);
    await q.query(`CREATE INDEX decision_patient_time ON decision (patient_ref, evaluated_at, id) WHERE patient_ref IS NOT NULL`);
    await q.query(`CREATE INDEX decision_encounter_time ON decision (encounter_ref, evaluated_at, id) WHERE encounter_ref IS NOT NULL`);
    await q.query(`CREATE INDEX decision_workflow_time ON decision (workflow_instance_id, evaluated_at, id) WHERE workflow_instance_id IS NOT NULL`);
    await q.query(`CREATE INDEX decision_source_event_time ON decision (source_event_id, evaluated_at, id) WHERE source_event_id IS NOT NULL`);
    await q.query(`CREATE INDEX decision_rule_fired_name_time ON decision_rule (name, evaluated_at) WHERE fired`);

    for (const table of ['decision', 'decision_rule', 'decision_fact']) await makeAppendOnly(q, table);
  }

  async down(): Promise<void> {
    throw new Error('PartitionDecisionAudit1795200000001 cannot be reverted: the audit record is append-only (restore a backup instead)');
  }
}
