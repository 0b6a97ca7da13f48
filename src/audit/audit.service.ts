import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import { DomainError } from '../common/domain-error.js';
import { QueryParams } from '../common/query-params.js';
import { RulebookReadModel } from '../rulebooks/rulebook-read-model.js';
import { verifyChain, type IntegrityReport } from './chain/chain-verification.js';
import type { SqlRunner } from './chain/stored-record-hashes.js';
import { DecisionHistory } from './decision-history.js';
import type { DecisionRecord } from './decision-record.js';
import {
  csvHeader, csvLine, csvOutcomeColumns, decisionExport, decisionSummary, fhirBundleEntry, fhirBundleOpening, FHIR_BUNDLE_CLOSING, type DecisionSummary,
} from './search/audit-export.formats.js';
import { AuditQueryRepository } from './search/audit-query.repository.js';
import { encodeCursor, parseDecisionSearch, type DecisionSearch, type ExportFormat } from './search/audit-search.query.js';

/** A page of the audit search. */
export interface DecisionSearchPage {
  data: DecisionSummary[];
  page: { limit: number; sort: string; nextCursor: string | null };
}

/** `GET /v1/audit/decisions/{id}`: the decision, its explanation and everything an auditor asks about it. */
export interface DecisionAuditDetail extends DecisionRecord {
  caller: string;
  requestId: string;
  inputHash: string;
  idempotencyKey: string | null;
  rulebookVersion: {
    key: string;
    version: string;
    contentHash: string;
    /** Lifecycle status when it decided (null: not recorded, decisions before this was kept) and now. */
    status: { atDecision: string | null; now: string | null };
    /** Whether it was the version active at the decision's `evaluatedAt`, and whether it is active now. */
    active: { atDecision: boolean; now: boolean };
  };
  integrity: {
    recordHash: string | null;
    /** The decision's link in the chain, or null while it waits for the next batch (seconds). */
    chain: { seq: number; chainHash: string; sealNo: number; sealedAt: string } | null;
  };
}

/** Actions the access log records. */
const ACCESS_ACTIONS = ['search', 'read', 'export', 'verify', 'access-log'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Concurrent exports per instance (each holds one database connection while it streams). */
const MAX_CONCURRENT_EXPORTS = 2;
/** Links one HTTP integrity check verifies at most (continue from `head.seq + 1`); `audit/verify` has no such cap. */
const MAX_HTTP_LINKS = 20_000;

const EXPORT_TYPES: Record<ExportFormat, { contentType: string; extension: string }> = {
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  csv: { contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv' },
  fhir: { contentType: 'application/fhir+json; charset=utf-8', extension: 'json' },
};

/**
 * The auditors' use of the audit: search, detail, streaming export, integrity check and the access log. Every one of
 * them is itself recorded in `audit_access_log` (who, what, filters, how many records, which patients) before its
 * answer leaves (exports: when the stream ends, with the number of records sent); if that record cannot be written,
 * the access is refused (503).
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private exportsRunning = 0;

  constructor(
    private readonly queries: AuditQueryRepository,
    private readonly decisions: DecisionHistory,
    private readonly registry: RulebookReadModel,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Searches decisions (see `parseDecisionSearch` for the parameters).
   * @throws DomainError 400 `VALIDATION_FAILED` with `/query/<parameter>` pointers
   */
  async search(principal: Principal, query: Record<string, unknown>, requestId: string, path: string): Promise<DecisionSearchPage> {
    const { search } = parseDecisionSearch(query, 'search');
    const rows = await this.queries.searchPage(search);
    const more = rows.length > search.limit;
    const data = rows.slice(0, search.limit).map(decisionSummary);
    const lastRow = rows[search.limit - 1];
    const nextCursor = more && lastRow
      ? encodeCursor(search.sort, (search.sort.field === 'asOf' ? lastRow.as_of : lastRow.evaluated_at) as Date, lastRow.id as string)
      : null;
    await this.queries.recordAccess({ accessor: principal.subject, action: 'search', outcome: 'success', requestId, resource: path, query,
      recordCount: data.length, patientRefs: distinctPatients(data) });
    return { data, page: { limit: search.limit, sort: `${search.sort.descending ? '-' : ''}${search.sort.field}`, nextCursor } };
  }

  /**
   * One decision with its explanation (facts with their FHIR provenance: reference, code, effective time), the
   * rulebook version's status then and now, the caller, request and idempotency identifiers and its chain link.
   * @throws DomainError 404 `DECISION_NOT_FOUND`
   */
  async detail(principal: Principal, id: string, requestId: string, path: string): Promise<DecisionAuditDetail> {
    const found = UUID.test(id) ? await this.decisions.findById(id.toLowerCase()) : undefined;
    const columns = found ? await this.queries.decisionColumns(found.record.decisionId) : undefined;
    if (!found || !columns) {
      await this.queries.recordAccess({ accessor: principal.subject, action: 'read', outcome: 'not-found', requestId, resource: path, query: { id }, recordCount: 0 });
      throw new DomainError(404, 'DECISION_NOT_FOUND', 'Decision not found', `No decision ${id} is recorded.`);
    }
    const { record } = found;
    const entry = await this.queries.chainEntry(record.decisionId);
    const { key, version } = record.rulebook;
    const now = this.registry.allVersions().find((v) => v.key === key && v.version === version);
    const detail: DecisionAuditDetail = {
      ...record,
      caller: columns.caller as string,
      requestId: columns.request_id as string,
      inputHash: columns.input_hash as string,
      idempotencyKey: (columns.idempotency_key as string | null) ?? null,
      rulebookVersion: {
        key, version, contentHash: record.rulebook.contentHash,
        status: { atDecision: (columns.rulebook_status as string | null) ?? null, now: now?.status ?? null },
        active: {
          atDecision: this.registry.activeVersionAt(key, new Date(record.evaluatedAt)) === version,
          now: this.registry.activeVersionAt(key, new Date()) === version,
        },
      },
      integrity: {
        recordHash: (columns.record_hash as string | null) ?? (entry?.record_hash as string | undefined) ?? null,
        chain: entry ? { seq: Number(entry.seq), chainHash: entry.chain_hash as string, sealNo: Number(entry.seal_no), sealedAt: (entry.sealed_at as Date).toISOString() } : null,
      },
    };
    await this.queries.recordAccess({ accessor: principal.subject, action: 'read', outcome: 'success', requestId, resource: path, query: { id },
      recordCount: 1, patientRefs: record.context.patientRef ? [record.context.patientRef] : [] });
    return detail;
  }

  /**
   * Streams every decision of a search in the requested format to `reply` (a pg cursor read in batches of 250, with
   * back-pressure: memory stays flat however many decisions match). NDJSON carries each full decision with its
   * explanation; CSV one summary line each (formula cells neutralized), the outcome both as one JSON cell and flattened
   * into one `outcome.<path>` column per outcome path the searched rulebook versions declare; `fhir` a Bundle of
   * AuditEvents.
   * @throws DomainError 400 for bad parameters, 429 `EXPORTS_BUSY` when two exports already run on this instance
   */
  async export(principal: Principal, query: Record<string, unknown>, requestId: string, path: string, reply: FastifyReply): Promise<void> {
    const { search, format } = parseDecisionSearch(query, 'export');
    if (this.exportsRunning >= MAX_CONCURRENT_EXPORTS) {
      throw new DomainError(429, 'EXPORTS_BUSY', 'Too many exports', `At most ${MAX_CONCURRENT_EXPORTS} exports run at once on an instance; retry shortly.`,
        undefined, { 'Retry-After': '10' });
    }
    this.exportsRunning += 1;
    let finished = false;
    const done = () => {
      if (!finished) {
        finished = true;
        this.exportsRunning -= 1;
      }
    };
    try {
      const kind = format!;
      const outcomeColumns = kind === 'csv' ? csvOutcomeColumns(this.versionsSearched(search).map((v) => v.document)) : [];
      const stream = await this.queries.streamSearch(search, kind === 'ndjson');
      // Wait for the first rows (or the end, or an error) before the status line, so a failing query is still a problem+json.
      await new Promise<void>((resolve, reject) => {
        const onReadable = () => { cleanup(); resolve(); };
        const onError = (error: Error) => { cleanup(); reject(error); };
        const cleanup = () => { stream.rows.off('readable', onReadable); stream.rows.off('error', onError); };
        stream.rows.once('readable', onReadable);
        stream.rows.once('error', onError);
      }).catch((error: unknown) => {
        stream.release(error as Error);
        throw error;
      });
      let count = 0;
      let first = true;
      const bundleId = randomUUID();
      const encoder = new Transform({
        writableObjectMode: true,
        transform(row: Record<string, unknown>, _encoding, callback) {
          count += 1;
          if (kind === 'ndjson') return callback(null, JSON.stringify(decisionExport(row)) + '\n');
          const summary = decisionSummary(row);
          if (kind === 'csv') return callback(null, csvLine(summary, outcomeColumns));
          const entry = fhirBundleEntry(summary, first);
          first = false;
          callback(null, entry);
        },
        flush(callback) {
          callback(null, kind === 'fhir' ? FHIR_BUNDLE_CLOSING : undefined);
        },
      });
      if (kind === 'csv') encoder.push(csvHeader(outcomeColumns));
      if (kind === 'fhir') encoder.push(fhirBundleOpening(bundleId, new Date().toISOString()));
      pipeline(stream.rows, encoder, (error) => {
        stream.release(error && !/premature close/i.test(error.message) ? error : undefined);
        done();
        const outcome = !error ? 'success' : reply.raw.destroyed || /premature close|aborted/i.test(error.message) ? 'incomplete' : 'failed';
        if (error && outcome === 'failed') this.logger.error({ err: error, requestId }, 'audit export failed mid-stream');
        this.queries.recordAccess({ accessor: principal.subject, action: 'export', outcome, requestId, resource: path, query, format: kind, recordCount: count })
          .catch((e: unknown) => this.logger.error({ err: e, requestId }, 'audit access record of an export could not be written'));
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      void reply
        .header('Content-Type', EXPORT_TYPES[kind].contentType)
        .header('Content-Disposition', `attachment; filename="verdict-decisions-${stamp}.${EXPORT_TYPES[kind].extension}"`)
        .header('Cache-Control', 'no-store')
        .send(encoder);
    } catch (error) {
      done();
      throw error;
    }
  }

  /** The stored rulebook versions a search can match (its `rulebook` and `version` filters; none: every version). */
  private versionsSearched(search: DecisionSearch) {
    return this.registry.allVersions()
      .filter((v) => (search.rulebook === undefined || v.key === search.rulebook) && (search.version === undefined || v.version === search.version));
  }

  /**
   * Verifies the tamper-evident chain over a range and names the first broken link.
   * Parameters: `fromSeq`, `toSeq` (chain positions) and/or `from`, `to` (RFC 3339, on `evaluatedAt`); none: the
   * latest 20,000 links. At most 20,000 links per call (`truncated`: continue from `head.seq + 1`); `audit/verify`
   * checks any range in one run.
   * @throws DomainError 400 `VALIDATION_FAILED` with `/query/<parameter>` pointers
   */
  async integrity(principal: Principal, query: Record<string, unknown>, requestId: string, path: string): Promise<IntegrityReport> {
    const params = new QueryParams(query, ['fromSeq', 'toSeq', 'from', 'to']);
    const fromSeq = params.integer('fromSeq', 1);
    const toSeq = params.integer('toSeq', 1);
    const from = params.instant('from');
    const to = params.instant('to');
    if (fromSeq !== undefined && toSeq !== undefined && fromSeq > toSeq) params.problem('toSeq', 'must not be below fromSeq');
    if (from && to && from >= to) params.problem('to', 'must be after from');
    params.throwIfInvalid();
    const run: SqlRunner = (sql, params) => this.dataSource.query(sql, params) as Promise<Record<string, unknown>[]>;
    let start = fromSeq;
    if (fromSeq === undefined && toSeq === undefined && !from && !to) {
      const [head] = await run(`SELECT max(seq) AS seq FROM decision_chain`);
      start = Math.max(1, Number(head?.seq ?? 0) - MAX_HTTP_LINKS + 1);
    }
    const report = await verifyChain(run, { fromSeq: start, toSeq, from, to, maxLinks: MAX_HTTP_LINKS });
    await this.queries.recordAccess({ accessor: principal.subject, action: 'verify', outcome: 'success', requestId, resource: path, query,
      recordCount: report.checked.links });
    return report;
  }

  /**
   * The access log, newest first: `accessor`, `action`, `from`, `to`, `limit` (1–1000, default 100), `cursor`.
   * @throws DomainError 400 `VALIDATION_FAILED` with `/query/<parameter>` pointers
   */
  async accessLog(principal: Principal, query: Record<string, unknown>, requestId: string, path: string): Promise<{ data: Record<string, unknown>[]; page: { limit: number; nextCursor: string | null } }> {
    const params = new QueryParams(query, ['accessor', 'action', 'from', 'to', 'limit', 'cursor']);
    const accessor = params.text('accessor');
    const action = params.oneOf('action', ACCESS_ACTIONS);
    const from = params.instant('from');
    const to = params.instant('to');
    const limit = params.integer('limit', 1, 1000) ?? 100;
    const cursor = params.text('cursor');
    let beforeId: string | undefined;
    if (cursor !== undefined) {
      const decoded = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
      if (/^[1-9]\d{0,17}$/.test(decoded)) beforeId = decoded;
      else params.problem('cursor', 'is not a cursor of the access log (use page.nextCursor)');
    }
    params.throwIfInvalid();
    const rows = await this.queries.accessLogPage({ accessor, action, from, to, beforeId, limit });
    const more = rows.length > limit;
    const data = rows.slice(0, limit).map((r) => ({
      id: String(r.id), recordedAt: (r.recorded_at as Date).toISOString(), accessor: r.accessor, action: r.action, outcome: r.outcome,
      requestId: r.request_id, resource: r.resource, query: r.query, format: r.format, recordCount: r.record_count, patientRefs: r.patient_refs,
    }));
    await this.queries.recordAccess({ accessor: principal.subject, action: 'access-log', outcome: 'success', requestId, resource: path, query, recordCount: data.length });
    return { data, page: { limit, nextCursor: more ? Buffer.from(String(data[data.length - 1].id), 'utf8').toString('base64url') : null } };
  }
}

function distinctPatients(data: DecisionSummary[]): string[] {
  return [...new Set(data.map((d) => d.context.patientRef).filter((p): p is string => p !== undefined))];
}
