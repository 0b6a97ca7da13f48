import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import { DataSource } from 'typeorm';
import { searchSql, type DecisionSearch } from './audit-search.query.js';

/** A row stream from a dedicated connection, and how to give the connection back. */
export interface RowStream {
  rows: Readable;
  release(error?: Error): void;
}

/** One access to the audit, as recorded (ASTM E2147 access record). */
export interface AccessRecord {
  accessor: string;
  action: 'search' | 'read' | 'export' | 'verify' | 'access-log';
  outcome: 'success' | 'not-found' | 'incomplete' | 'failed';
  requestId: string;
  resource: string;
  query: Record<string, unknown>;
  format?: string;
  recordCount?: number;
  patientRefs?: string[];
}

/** Columns of a search row: the decision and the names of the rules that fired, in evaluation order. */
const SUMMARY_COLUMNS = `d.id, d.evaluated_at, d.as_of, d.caller, d.request_id, d.rulebook_key, d.rulebook_version, d.content_hash,
  d.rulebook_status, d.outcome, d.workflow_instance_id, d.source_event_id, d.patient_ref, d.encounter_ref, d.idempotency_key, d.record_hash,
  d.verdict_version, d.verdict_commit,
  ARRAY(SELECT r.name FROM decision_rule r WHERE r.decision_id = d.id AND r.evaluated_at = d.evaluated_at AND r.fired ORDER BY r.ordinal) AS fired_rules`;

/** The explanation of a decision: its rows aggregated as JSON (instants as RFC 3339 UTC with milliseconds), the facts' patient, the resources left out. */
const EXPLANATION_COLUMNS = `
  d.fact_patient_ref, d.ignored_resources,
  (SELECT jsonb_agg(jsonb_build_object('name', r.name, 'stage', r.stage, 'fired', r.fired, 'priority', r.priority, 'event', r.event,
                                       'conditions', r.conditions) ORDER BY r.ordinal)
     FROM decision_rule r WHERE r.decision_id = d.id AND r.evaluated_at = d.evaluated_at) AS rules,
  (SELECT jsonb_agg(jsonb_build_object('name', f.name, 'value', f.value, 'unit', f.unit, 'source', f.source, 'reference', f.reference,
                                       'code', f.code, 'effective', to_char(f.effective AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                       'rawValue', f.raw_value, 'rawUnit', f.raw_unit, 'status', f.status,
                                       'missingReason', f.missing_reason, 'missingDetail', f.missing_detail) ORDER BY f.ordinal)
     FROM decision_fact f WHERE f.decision_id = d.id AND f.evaluated_at = d.evaluated_at) AS facts`;

/**
 * Reads the audit for auditors: search pages, export streams (a pg cursor on a dedicated pooled connection, read in
 * batches, so a month of decisions never sits in memory), chain positions, and the access log (written here too).
 */
@Injectable()
export class AuditQueryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One page of a search: at most `limit + 1` rows (the extra one tells that a next page exists). */
  async searchPage(search: DecisionSearch): Promise<Record<string, unknown>[]> {
    const { where, params, orderBy } = searchSql(search);
    params.push(search.limit + 1);
    return this.dataSource.query(`SELECT ${SUMMARY_COLUMNS} FROM decision d WHERE ${where} ORDER BY ${orderBy} LIMIT $${params.length}`, params);
  }

  /**
   * Opens a stream of every row of a search, in the search's order.
   * @param withExplanation also aggregate each decision's rules and facts (NDJSON)
   * @throws the driver error when no connection can be had
   */
  async streamSearch(search: DecisionSearch, withExplanation: boolean): Promise<RowStream> {
    const { where, params, orderBy } = searchSql(search);
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    const client = await pool.connect();
    const rows = client.query(new QueryStream(
      `SELECT ${SUMMARY_COLUMNS}${withExplanation ? `, ${EXPLANATION_COLUMNS}` : ''} FROM decision d WHERE ${where} ORDER BY ${orderBy}`,
      params, { batchSize: 250 }));
    let released = false;
    return {
      rows,
      release: (error?: Error) => {
        if (released) return;
        released = true;
        client.release(error);
      },
    };
  }

  /** The chain position of a decision, or undefined while it waits for the next batch. */
  async chainEntry(id: string): Promise<Record<string, unknown> | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT c.seq, c.record_hash, c.chain_hash, c.seal_no, s.sealed_at FROM decision_chain c JOIN decision_chain_seal s USING (seal_no)
        WHERE c.decision_id = $1`, [id])) as Record<string, unknown>[];
    return rows[0];
  }

  /** The stored columns of a decision that its rebuilt record does not show (hashes, status then, idempotency). */
  async decisionColumns(id: string): Promise<Record<string, unknown> | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT caller, request_id, input_hash, idempotency_key, rulebook_status, record_hash FROM decision WHERE id = $1`, [id])) as Record<string, unknown>[];
    return rows[0];
  }

  /** Appends one access record. @throws the driver error (the access is then refused: no access without its record) */
  async recordAccess(access: AccessRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO audit_access_log (accessor, action, outcome, request_id, resource, query, format, record_count, patient_refs)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [access.accessor, access.action, access.outcome, access.requestId, access.resource, JSON.stringify(access.query), access.format ?? null,
        access.recordCount ?? null, access.patientRefs ? JSON.stringify(access.patientRefs) : null]);
  }

  /** A page of the access log, newest first. */
  async accessLogPage(filter: { accessor?: string; action?: string; from?: Date; to?: Date; beforeId?: string; limit: number }): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT * FROM audit_access_log
        WHERE ($1::text IS NULL OR accessor = $1) AND ($2::text IS NULL OR action = $2)
          AND ($3::timestamptz IS NULL OR recorded_at >= $3) AND ($4::timestamptz IS NULL OR recorded_at < $4)
          AND ($5::bigint IS NULL OR id < $5)
        ORDER BY id DESC LIMIT $6`,
      [filter.accessor ?? null, filter.action ?? null, filter.from ?? null, filter.to ?? null, filter.beforeId ?? null, filter.limit + 1]);
  }
}
