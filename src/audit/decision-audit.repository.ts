import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditRecordHash, factsDigest, instant, rulesDigest, type DecisionRowContent, type FactRowContent, type RuleRowContent } from './audit-record-hash.js';
import type { DecisionProvenance, DecisionRecord, MissingFactDetail } from './decision-record.js';
import type { DecisionRecorder } from './decision-recorder.js';

/**
 * Writes the normalized decision audit record (the `DecisionRecorder`; `DecisionHistoryRepository` reads it back):
 * `decision` (with the Verdict build, the facts' patient and the FHIR resources left out), one `decision_rule` row per
 * evaluated rule, one `decision_fact` row per fact (including derived and missing ones; a missing one with why it is
 * missing and the reading not used) and the `idempotency_key`.
 *
 * The write is ONE SQL statement (data-modifying CTEs over `jsonb_to_recordset`), so the decision and all its rows
 * commit atomically or not at all, in one round trip (measured 5.5 times faster than one INSERT per row). The decision
 * carries its record hash (RFC 8785 content hash, `audit-record-hash.ts`), computed here from exactly the values sent;
 * chaining happens later, per commit batch, in `AuditChainSealer`, so no write waits for another.
 */
@Injectable()
export class DecisionAuditRepository implements DecisionRecorder {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Commits a decision before it is answered (see `DecisionRecorder.record`).
   * @throws the driver error when the write fails (503 when the database is unavailable, see `DecisionsService`); a unique violation on the
   *   idempotency key (SQLSTATE 23505) means another request with the same key committed first
   */
  async record(record: DecisionRecord, provenance: DecisionProvenance): Promise<void> {
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
