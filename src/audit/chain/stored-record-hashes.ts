import { auditRecordHash, decisionRowContent, factRowContent, factsDigest, ruleRowContent, rulesDigest } from '../audit-record-hash.js';

/**
 * The record hashes of stored decisions, recomputed from their rows: what both sealing (`chain-sealing.ts`, for
 * decisions written before record hashes were kept) and verification (`chain-verification.ts`) compare with.
 *
 * These functions take a `SqlRunner`, so the service (TypeORM), the `audit/verify` command and the seed generator
 * (node-postgres) share them.
 */

/** Runs one SQL statement with bind parameters and returns its rows (node-postgres types). */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** A decision's key: its id and its partition key. */
export interface DecisionKey {
  id: string;
  evaluatedAt: Date;
}

/**
 * Recomputes the record hash of each decision from its stored rows (`decision`, `decision_rule`, `decision_fact`).
 * @returns decision id -> { recomputed hash, hash stored in the row }; a decision not found is absent
 */
export async function recomputeRecordHashes(run: SqlRunner, keys: DecisionKey[]): Promise<Map<string, { recomputed: string; stored: string | null }>> {
  const result = new Map<string, { recomputed: string; stored: string | null }>();
  if (keys.length === 0) return result;
  const ids = keys.map((k) => k.id);
  const times = keys.map((k) => k.evaluatedAt.getTime());
  // The time bounds let PostgreSQL skip the partitions of other months.
  const bounds = [new Date(Math.min(...times)), new Date(Math.max(...times))];
  // One after the other: a SqlRunner may be a single connection.
  const decisions = await run(`SELECT * FROM decision WHERE id = ANY($1::uuid[]) AND evaluated_at BETWEEN $2 AND $3`, [ids, ...bounds]);
  const rules = await run(`SELECT * FROM decision_rule WHERE decision_id = ANY($1::uuid[]) AND evaluated_at BETWEEN $2 AND $3`, [ids, ...bounds]);
  const facts = await run(`SELECT * FROM decision_fact WHERE decision_id = ANY($1::uuid[]) AND evaluated_at BETWEEN $2 AND $3`, [ids, ...bounds]);
  const group = (rows: Record<string, unknown>[]) => {
    const byId = new Map<string, Record<string, unknown>[]>();
    for (const row of rows) {
      const id = row.decision_id as string;
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id)!.push(row);
    }
    return byId;
  };
  const rulesById = group(rules);
  const factsById = group(facts);
  for (const d of decisions) {
    const id = d.id as string;
    const recomputed = auditRecordHash(decisionRowContent(d),
      rulesDigest((rulesById.get(id) ?? []).filter((r) => (r.evaluated_at as Date).getTime() === (d.evaluated_at as Date).getTime()).map(ruleRowContent)),
      factsDigest((factsById.get(id) ?? []).filter((f) => (f.evaluated_at as Date).getTime() === (d.evaluated_at as Date).getTime()).map(factRowContent)));
    result.set(id, { recomputed, stored: (d.record_hash as string | null) ?? null });
  }
  return result;
}

