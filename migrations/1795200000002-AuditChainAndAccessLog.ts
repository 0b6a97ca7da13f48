import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Tamper evidence and the auditors' own audit trail (see `audit/README.md`):
 *
 * - `decision_chain_seal`: one row per commit batch ("seal") appended by the chain sealer: its number, when, the
 *   horizon (every decision evaluated before it is sealed, or is an alarm), the range of chain positions and the
 *   chain hash at its end.
 * - `decision_chain`: one row per sealed decision, in chain order (`seq` 1, 2, …): the decision, its record hash and
 *   `chain_hash = sha256(previous chain_hash | seq | decision id | record hash)`.
 * - `audit_access_log`: every search, read, export and integrity check by an auditor (ASTM E2147 access record).
 *
 * All three are append-only like the decision audit (trigger and privileges: the service may only SELECT and INSERT).
 */
export class AuditChainAndAccessLog1795200000002 implements MigrationInterface {
  name = 'AuditChainAndAccessLog1795200000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE decision_chain_seal (
        seal_no     bigint PRIMARY KEY CHECK (seal_no > 0),
        sealed_at   timestamptz NOT NULL DEFAULT now(),
        horizon     timestamptz NOT NULL,
        first_seq   bigint,
        last_seq    bigint,
        records     integer NOT NULL CHECK (records >= 0),
        head_hash   text NOT NULL CHECK (head_hash ~ '^sha256:[0-9a-f]{64}$'),
        sealed_by   text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE decision_chain (
        seq           bigint PRIMARY KEY CHECK (seq > 0),
        decision_id   uuid NOT NULL,
        evaluated_at  timestamptz NOT NULL,
        record_hash   text NOT NULL CHECK (record_hash ~ '^sha256:[0-9a-f]{64}$'),
        chain_hash    text NOT NULL CHECK (chain_hash ~ '^sha256:[0-9a-f]{64}$'),
        seal_no       bigint NOT NULL REFERENCES decision_chain_seal (seal_no),
        CONSTRAINT decision_chain_decision UNIQUE (decision_id)
      )`);
    await q.query(`CREATE INDEX decision_chain_evaluated ON decision_chain (evaluated_at)`);
    await q.query(`
      CREATE TABLE audit_access_log (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        recorded_at   timestamptz NOT NULL DEFAULT now(),
        accessor      text NOT NULL,
        action        text NOT NULL CHECK (action IN ('search', 'read', 'export', 'verify', 'access-log')),
        outcome       text NOT NULL CHECK (outcome IN ('success', 'not-found', 'incomplete', 'failed')),
        request_id    text NOT NULL,
        resource      text NOT NULL,
        query         jsonb NOT NULL,
        format        text,
        record_count  integer,
        patient_refs  jsonb
      )`);
    await q.query(`CREATE INDEX audit_access_log_accessor ON audit_access_log (accessor, id)`);
    await q.query(`CREATE INDEX audit_access_log_recorded ON audit_access_log (recorded_at, id)`);

    for (const table of ['decision_chain_seal', 'decision_chain', 'audit_access_log']) await makeAppendOnly(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_access_log, decision_chain, decision_chain_seal`);
  }
}
