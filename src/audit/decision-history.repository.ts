import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DecisionHistory, type RecordedDecision, type RecordedFact, type ReplayableDecision, type ReplaySelection, type ReplayWindow,
  type StoredIdempotencyKey,
} from './decision-history.js';
import {
  explainedFact, ignoredResource, missingFactDetail, type ExplainedFact, type IgnoredResource, type MissingFactDetail,
} from './decision-record.js';

const CONTEXT_COLUMNS = [
  ['workflowInstanceId', 'workflow_instance_id'],
  ['sourceEventId', 'source_event_id'],
  ['patientRef', 'patient_ref'],
  ['encounterRef', 'encounter_ref'],
] as const;

/** Decisions whose facts and rules one replay query reads. */
const REPLAY_BATCH = 500;

/**
 * Reads the normalized decision audit for the rest of Verdict (`DecisionHistory`): a decision rebuilt from `decision`,
 * `decision_rule` and `decision_fact` exactly as the API returned it, an idempotency key, and the past decisions of a
 * rulebook with their recorded input facts and fired rules for impact analysis. Read-only.
 */
@Injectable()
export class DecisionHistoryRepository implements DecisionHistory {
  constructor(private readonly dataSource: DataSource) {}

  /** See `DecisionHistory.findIdempotencyKey`. */
  async findIdempotencyKey(caller: string, key: string): Promise<StoredIdempotencyKey | undefined> {
    const rows = (await this.dataSource.query(`SELECT request_hash, decision_id FROM idempotency_key WHERE caller = $1 AND key = $2`, [caller, key])) as { request_hash: string; decision_id: string }[];
    return rows[0] ? { requestHash: rows[0].request_hash, decisionId: rows[0].decision_id } : undefined;
  }

  /** See `DecisionHistory.findById`. */
  async findById(id: string): Promise<RecordedDecision | undefined> {
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

  /**
   * See `DecisionHistory.recentForReplay`. Selects the decisions (at most `limit + 1`, to tell whether the window held
   * more) by the index `decision_rulebook_time`; then, per batch of 500 as they are iterated, their request and FHIR
   * facts and their rules, bounded by the batch's `evaluated_at` span so PostgreSQL reads only those months' partitions.
   */
  async recentForReplay(rulebookKey: string, window: ReplayWindow, limit: number): Promise<ReplaySelection> {
    const rows = (await this.dataSource.query(
      `SELECT id, evaluated_at, rulebook_version, as_of, outcome FROM decision
        WHERE rulebook_key = $1 AND ($2::timestamptz IS NULL OR evaluated_at >= $2) AND ($3::timestamptz IS NULL OR evaluated_at < $3)
        ORDER BY evaluated_at DESC, id DESC LIMIT $4`,
      [rulebookKey, window.from?.toISOString() ?? null, window.to?.toISOString() ?? null, limit + 1],
    )) as DecisionRow[];
    const chosen = rows.slice(0, limit);
    return { truncated: rows.length > limit, decisions: this.replayable(chosen) };
  }

  private async *replayable(chosen: DecisionRow[]): AsyncGenerator<ReplayableDecision> {
    for (let start = 0; start < chosen.length; start += REPLAY_BATCH) {
      const batch = chosen.slice(start, start + REPLAY_BATCH);
      const ids = batch.map((d) => d.id);
      const times = batch.map((d) => new Date(d.evaluated_at).getTime());
      const bounds = [new Date(Math.min(...times)), new Date(Math.max(...times))];
      const [facts, rules] = await Promise.all([
        this.dataSource.query(
          `SELECT decision_id, name, value, unit, source FROM decision_fact
            WHERE decision_id = ANY($1::uuid[]) AND evaluated_at BETWEEN $2 AND $3 AND source IN ('request', 'fhir') ORDER BY decision_id, ordinal`,
          [ids, ...bounds]) as Promise<({ decision_id: string } & RecordedFact)[]>,
        this.dataSource.query(`SELECT decision_id, name, fired FROM decision_rule WHERE decision_id = ANY($1::uuid[]) AND evaluated_at BETWEEN $2 AND $3`,
          [ids, ...bounds]) as Promise<{ decision_id: string; name: string; fired: boolean }[]>,
      ]);
      const factsBy = new Map<string, RecordedFact[]>();
      for (const f of facts) {
        if (!factsBy.has(f.decision_id)) factsBy.set(f.decision_id, []);
        factsBy.get(f.decision_id)!.push({ name: f.name, value: f.value, unit: f.unit, source: f.source });
      }
      const firedBy = new Map<string, Map<string, boolean>>();
      for (const r of rules) {
        if (!firedBy.has(r.decision_id)) firedBy.set(r.decision_id, new Map());
        firedBy.get(r.decision_id)!.set(r.name, r.fired);
      }
      for (const row of batch) {
        yield {
          id: row.id, version: row.rulebook_version, asOf: new Date(row.as_of), outcome: row.outcome,
          facts: factsBy.get(row.id) ?? [], fired: firedBy.get(row.id) ?? new Map(),
        };
      }
    }
  }
}

/** A `decision` row as the replay selection reads it. */
interface DecisionRow {
  id: string;
  evaluated_at: Date;
  rulebook_version: string;
  as_of: Date;
  outcome: Record<string, unknown>;
}
