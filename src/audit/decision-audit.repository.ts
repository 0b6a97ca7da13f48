import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditRecordHash, factsDigest, instant, rulesDigest, type DecisionRowContent, type FactRowContent, type RuleRowContent } from './audit-record-hash.js';
import {
  explainedFact, ignoredResource, missingFactDetail, type DecisionProvenance, type DecisionRecord, type ExplainedFact, type IgnoredResource,
  type MissingFactDetail,
} from './decision-record.js';

/** A stored idempotency key: the hash of the request that used it and the decision it produced. */
export interface StoredIdempotencyKey {
  requestHash: string;
  decisionId: string;
}

const CONTEXT_COLUMNS = [
  ['workflowInstanceId', 'workflow_instance_id'],
  ['sourceEventId', 'source_event_id'],
  ['patientRef', 'patient_ref'],
  ['encounterRef', 'encounter_ref'],
] as const;

/**
 * Writes and reads the normalized decision audit record: `decision` (with the Verdict build, the facts' patient and the
 * FHIR resources left out), one `decision_rule` row per evaluated rule, one `decision_fact` row per fact (including
 * derived and missing ones; a missing one with why it is missing and the reading not used) and the `idempotency_key`.
 *
 * The write is ONE SQL statement (data-modifying CTEs over `jsonb_to_recordset`), so the decision and all its rows
 * commit atomically or not at all, in one round trip (measured 5.5 times faster than one INSERT per row). The decision
 * carries its record hash (RFC 8785 content hash, `audit-record-hash.ts`), computed here from exactly the values sent;
 * chaining happens later, per commit batch, in `AuditChainSealer`, so no write waits for another.
 */
@Injectable()
export class DecisionAuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Commits a decision before it is answered.
   * @throws the driver error when the write fails (mapped to 503 by the problem filter); a unique violation on the
   *   idempotency key (SQLSTATE 23505) means another request with the same key committed first
   */
  async insert(record: DecisionRecord, provenance: DecisionProvenance): Promise<void> {
    const rules = record.explanation.rules.map((r, ordinal) => ({ ordinal, name: r.name, stage: r.stage, priority: r.priority, fired: r.fired, event: r.event, conditions: r.conditions }));
    const facts: Record<string, unknown>[] = Object.entries(record.explanation.facts).map(([name, f], ordinal) => ({
      ordinal, name, value: f.value, unit: f.unit, source: f.source, reference: f.reference, code: f.code,
      effective: instant(f.effective), raw_value: f.rawValue, raw_unit: f.rawUnit, status: f.status,
    }));
    for (const name of record.explanation.missingFacts) {
      // Why it is missing, and the reading not used, in the row's own provenance columns.
      const why: Partial<MissingFactDetail> = record.explanation.missingFactDetails[name] ?? {};
      facts.push({ ordinal: facts.length, name, source: 'missing', missing_reason: why.reason, missing_detail: why.detail, reference: why.reference,
        code: why.code, effective: instant(why.effective), raw_value: why.rawValue, raw_unit: why.rawUnit, status: why.status });
    }
    const ctx = record.context;
    const rulesJson = JSON.stringify(rules);
    const factsJson = JSON.stringify(facts);
    const outcomeJson = JSON.stringify(record.outcome);
    const ignored = record.explanation.ignoredResources;
    const ignoredJson = ignored.length > 0 ? JSON.stringify(ignored) : null;
    const row: DecisionRowContent = {
      id: record.decisionId, evaluatedAt: record.evaluatedAt, caller: provenance.caller, requestId: provenance.requestId,
      rulebookKey: record.rulebook.key, rulebookVersion: record.rulebook.version, contentHash: record.rulebook.contentHash,
      rulebookStatus: provenance.rulebookStatus ?? null, asOf: record.asOf, workflowInstanceId: ctx.workflowInstanceId ?? null,
      sourceEventId: ctx.sourceEventId ?? null, patientRef: ctx.patientRef ?? null, encounterRef: ctx.encounterRef ?? null,
      outcome: JSON.parse(outcomeJson) as unknown, inputHash: provenance.inputHash, idempotencyKey: provenance.idempotencyKey ?? null,
      verdictVersion: record.verdict?.version ?? null, verdictCommit: record.verdict?.commit ?? null,
      factPatientRef: record.explanation.patient, ignoredResources: ignoredJson === null ? null : JSON.parse(ignoredJson) as unknown,
    };
    // Hashed after the JSON round trip the database sees, so that verification from the stored rows agrees.
    const recordHash = auditRecordHash(row,
      rulesDigest((JSON.parse(rulesJson) as Record<string, unknown>[]).map(sentRule)),
      factsDigest((JSON.parse(factsJson) as Record<string, unknown>[]).map(sentFact)));
    await this.dataSource.query(
      `WITH d AS (
         INSERT INTO decision (id, evaluated_at, caller, request_id, rulebook_key, rulebook_version, content_hash, as_of,
                               workflow_instance_id, source_event_id, patient_ref, encounter_ref, outcome, input_hash, idempotency_key,
                               rulebook_status, record_hash, verdict_version, verdict_commit, fact_patient_ref, ignored_resources)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $18, $19, $20, $21, $22, $23)
       ), r AS (
         INSERT INTO decision_rule (decision_id, evaluated_at, ordinal, name, stage, priority, fired, event, conditions)
         SELECT $1, $2, x.ordinal, x.name, x.stage, x.priority, x.fired, x.event, x.conditions
           FROM jsonb_to_recordset($16::jsonb) AS x(ordinal int, name text, stage int, priority int, fired boolean, event jsonb, conditions jsonb)
       ), f AS (
         INSERT INTO decision_fact (decision_id, evaluated_at, ordinal, name, value, unit, source, reference, code, effective, raw_value, raw_unit,
                                    status, missing_reason, missing_detail)
         SELECT $1, $2, x.ordinal, x.name, x.value, x.unit, x.source, x.reference, x.code, x.effective, x.raw_value, x.raw_unit,
                x.status, x.missing_reason, x.missing_detail
           FROM jsonb_to_recordset($17::jsonb) AS x(ordinal int, name text, value jsonb, unit text, source text, reference text,
                                                   code text, effective timestamptz, raw_value jsonb, raw_unit text,
                                                   status text, missing_reason text, missing_detail text)
       )
       INSERT INTO idempotency_key (caller, key, request_hash, decision_id, created_at)
       SELECT $3, $15, $14, $1, $2 WHERE $15::text IS NOT NULL`,
      [
        record.decisionId, record.evaluatedAt, provenance.caller, provenance.requestId, record.rulebook.key, record.rulebook.version,
        record.rulebook.contentHash, record.asOf, ctx.workflowInstanceId ?? null, ctx.sourceEventId ?? null, ctx.patientRef ?? null,
        ctx.encounterRef ?? null, outcomeJson, provenance.inputHash, provenance.idempotencyKey ?? null,
        rulesJson, factsJson, provenance.rulebookStatus ?? null, recordHash,
        record.verdict?.version ?? null, record.verdict?.commit ?? null, record.explanation.patient, ignoredJson,
      ],
    );
  }

  /** The idempotency key `key` of `caller`, if stored. */
  async findIdempotencyKey(caller: string, key: string): Promise<StoredIdempotencyKey | undefined> {
    const rows = (await this.dataSource.query(`SELECT request_hash, decision_id FROM idempotency_key WHERE caller = $1 AND key = $2`, [caller, key])) as { request_hash: string; decision_id: string }[];
    return rows[0] ? { requestHash: rows[0].request_hash, decisionId: rows[0].decision_id } : undefined;
  }

  /**
   * Rebuilds a decision from its audit rows, in the shape the API returned it.
   * @returns the record and its caller, or undefined when no decision has this id
   */
  async findById(id: string): Promise<{ record: DecisionRecord; caller: string } | undefined> {
    const decisions = (await this.dataSource.query(`SELECT * FROM decision WHERE id = $1`, [id])) as Record<string, unknown>[];
    const d = decisions[0];
    if (!d) return undefined;
    const [rules, facts] = await Promise.all([
      this.dataSource.query(`SELECT name, stage, priority, fired, event, conditions FROM decision_rule WHERE decision_id = $1 ORDER BY ordinal`, [id]) as Promise<Record<string, unknown>[]>,
      this.dataSource.query(`SELECT name, value, unit, source, reference, code, effective, raw_value, raw_unit, status, missing_reason, missing_detail
                               FROM decision_fact WHERE decision_id = $1 ORDER BY ordinal`, [id]) as Promise<Record<string, unknown>[]>,
    ]);
    const explainedFacts: Record<string, ExplainedFact> = {};
    const missingFacts: string[] = [];
    const missingFactDetails: Record<string, MissingFactDetail> = {};
    for (const f of facts) {
      const effective = f.effective ? (f.effective as Date).toISOString() : undefined;
      if (f.source === 'missing') {
        missingFacts.push(f.name as string);
        if (f.missing_reason !== null) {
          missingFactDetails[f.name as string] = missingFactDetail({ reason: f.missing_reason as string, detail: f.missing_detail as string,
            reference: f.reference as string, effective, code: f.code as string, rawValue: f.raw_value, rawUnit: f.raw_unit as string, status: f.status as string });
        }
        continue;
      }
      // A derived fact keeps its value even when null (for example a NEWS2 total that is unknown).
      explainedFacts[f.name as string] = explainedFact({ value: f.value ?? null, unit: f.unit as string, source: f.source as ExplainedFact['source'],
        reference: f.reference as string, code: f.code as string, effective, status: f.status as string, rawValue: f.raw_value, rawUnit: f.raw_unit as string });
    }
    const context: Record<string, string> = {};
    for (const [field, column] of CONTEXT_COLUMNS) if (d[column] !== null) context[field] = d[column] as string;
    return {
      caller: d.caller as string,
      record: {
        decisionId: d.id as string,
        rulebook: { key: d.rulebook_key as string, version: d.rulebook_version as string, contentHash: d.content_hash as string },
        verdict: d.verdict_version === null ? null : { version: d.verdict_version as string, commit: d.verdict_commit as string },
        outcome: d.outcome as Record<string, unknown>,
        explanation: {
          rules: rules.map((r) => ({ name: r.name as string, stage: r.stage as number, fired: r.fired as boolean, priority: r.priority as number,
            event: r.event as Record<string, unknown>, conditions: r.conditions as Record<string, unknown> })),
          facts: explainedFacts,
          missingFacts,
          missingFactDetails,
          ignoredResources: ((d.ignored_resources as IgnoredResource[] | null) ?? []).map(ignoredResource),
          patient: (d.fact_patient_ref as string | null) ?? null,
        },
        asOf: (d.as_of as Date).toISOString(),
        evaluatedAt: (d.evaluated_at as Date).toISOString(),
        context,
      },
    };
  }
}

/** A rule row as sent to `jsonb_to_recordset` (absent members read as NULL). */
function sentRule(x: Record<string, unknown>): RuleRowContent {
  return { ordinal: x.ordinal as number, name: x.name as string, stage: x.stage as number, priority: x.priority as number,
    fired: x.fired as boolean, event: x.event ?? null, conditions: x.conditions ?? null };
}

/** A fact row as sent to `jsonb_to_recordset` (absent members read as NULL). */
function sentFact(x: Record<string, unknown>): FactRowContent {
  return { ordinal: x.ordinal as number, name: x.name as string, value: x.value ?? null, unit: (x.unit as string) ?? null, source: x.source as string,
    reference: (x.reference as string) ?? null, code: (x.code as string) ?? null, effective: (x.effective as string) ?? null,
    rawValue: x.raw_value ?? null, rawUnit: (x.raw_unit as string) ?? null, status: (x.status as string) ?? null,
    missingReason: (x.missing_reason as string) ?? null, missingDetail: (x.missing_detail as string) ?? null };
}
