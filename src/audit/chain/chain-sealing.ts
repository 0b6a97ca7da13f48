import { chainLink, GENESIS_CHAIN_HASH } from '../audit-record-hash.js';
import { recomputeRecordHashes, type SqlRunner } from './stored-record-hashes.js';

/**
 * Sealing of the tamper-evident chain of the decision audit, chained per commit batch (see `audit/README.md`,
 * "Tamper evidence"):
 *
 * - Writing a decision never waits for the chain: the decision row carries its record hash, nothing else.
 * - A sealer (one at a time, under an advisory lock, every few seconds in the service) appends a batch: every decision
 *   committed since the previous batch, in (evaluated_at, id) order, one `decision_chain` link each, and a
 *   `decision_chain_seal` row. The batch's `horizon` promises that every decision evaluated before it is in the
 *   chain; a decision older than the horizon that is not is an inserted record, and is never sealed.
 *
 * Verification is in `chain-verification.ts`. Both take a `SqlRunner` (`stored-record-hashes.ts`), so the service
 * (TypeORM, `AuditChainSealer`) and the seed generator (node-postgres, `test/bench/audit-seed.mjs`) share them.
 */

/** How long after its `evaluated_at` a decision may still commit: the sealer's horizon stays this far behind now. */
export const DEFAULT_SEAL_MARGIN_MS = 2 * 60_000;
/** An empty batch is still written when the last one is older than this, so the horizon keeps moving. */
const EMPTY_SEAL_EVERY_MS = 5 * 60_000;
const SEAL_LOCK = `hashtext('verdict:audit-chain-seal')`;

/** What one sealing batch did. */
export interface SealResult {
  sealNo: number | null;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  headHash: string;
  horizon: Date | null;
  /** True when more decisions were waiting than one batch takes. */
  more: boolean;
}

/** Options of `sealBatch`. */
export interface SealOptions {
  /** Distance of the horizon behind now (default `DEFAULT_SEAL_MARGIN_MS`). */
  marginMs?: number;
  /** Decisions per batch (default 5000). */
  maxRecords?: number;
  /** Who seals (recorded): `verdict-service`, `audit-seed`. */
  sealedBy: string;
  /** Write a batch even when no decision is waiting (moves the horizon). */
  forceEmpty?: boolean;
}

/**
 * Appends one commit batch to the chain. Must run inside a transaction (it takes a transaction-level advisory lock,
 * so batches never interleave; decision writes never take it).
 *
 * @returns what was sealed
 */
export async function sealBatch(run: SqlRunner, options: SealOptions): Promise<SealResult> {
  const marginMs = options.marginMs ?? DEFAULT_SEAL_MARGIN_MS;
  const maxRecords = options.maxRecords ?? 5000;
  await run(`SELECT pg_advisory_xact_lock(${SEAL_LOCK})`);
  const [head] = await run(`SELECT seq, chain_hash FROM decision_chain ORDER BY seq DESC LIMIT 1`);
  const [last] = await run(`SELECT seal_no, horizon, sealed_at, now() AS now FROM decision_chain_seal ORDER BY seal_no DESC LIMIT 1`);
  const [{ now }] = last ? [last] : await run(`SELECT now() AS now`);
  const previousHorizon = last ? (last.horizon as Date) : null;
  const candidates = await run(
    `SELECT d.id, d.evaluated_at, d.record_hash FROM decision d
      WHERE ($1::timestamptz IS NULL OR d.evaluated_at >= $1)
        AND NOT EXISTS (SELECT 1 FROM decision_chain c WHERE c.decision_id = d.id)
      ORDER BY d.evaluated_at, d.id LIMIT $2`,
    [previousHorizon, maxRecords + 1]);
  const more = candidates.length > maxRecords;
  const batch = candidates.slice(0, maxRecords);
  let headHash = head ? (head.chain_hash as string) : GENESIS_CHAIN_HASH;
  const nowMs = (now as Date).getTime();
  // The horizon never passes a decision left for the next batch, and stays marginMs behind now for in-flight writes.
  let horizonMs = nowMs - marginMs;
  if (more) horizonMs = Math.min(horizonMs, (batch[batch.length - 1].evaluated_at as Date).getTime());
  if (previousHorizon) horizonMs = Math.max(horizonMs, previousHorizon.getTime());
  const horizon = new Date(horizonMs);
  const stale = !last || nowMs - (last.sealed_at as Date).getTime() >= EMPTY_SEAL_EVERY_MS;
  if (batch.length === 0 && !options.forceEmpty && !stale) {
    return { sealNo: null, records: 0, firstSeq: null, lastSeq: null, headHash, horizon: previousHorizon, more: false };
  }
  // Decisions written before record hashes were kept are hashed from their rows.
  const unhashed = batch.filter((c) => c.record_hash === null).map((c) => ({ id: c.id as string, evaluatedAt: c.evaluated_at as Date }));
  const computed = await recomputeRecordHashes(run, unhashed);
  const firstSeq = head ? Number(head.seq) + 1 : 1;
  const seqs: number[] = [];
  const ids: string[] = [];
  const times: Date[] = [];
  const recordHashes: string[] = [];
  const chainHashes: string[] = [];
  batch.forEach((c, i) => {
    const seq = firstSeq + i;
    const recordHash = (c.record_hash as string | null) ?? computed.get(c.id as string)!.recomputed;
    headHash = chainLink(headHash, seq, c.id as string, recordHash);
    seqs.push(seq);
    ids.push(c.id as string);
    times.push(c.evaluated_at as Date);
    recordHashes.push(recordHash);
    chainHashes.push(headHash);
  });
  const sealNo = last ? Number(last.seal_no) + 1 : 1;
  await run(
    `INSERT INTO decision_chain_seal (seal_no, horizon, first_seq, last_seq, records, head_hash, sealed_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [sealNo, horizon, batch.length ? firstSeq : null, batch.length ? firstSeq + batch.length - 1 : null, batch.length, headHash, options.sealedBy]);
  if (batch.length > 0) {
    await run(
      `INSERT INTO decision_chain (seq, decision_id, evaluated_at, record_hash, chain_hash, seal_no)
       SELECT x.seq, x.id, x.t, x.r, x.c, $6 FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[]) AS x(seq, id, t, r, c)`,
      [seqs, ids, times, recordHashes, chainHashes, sealNo]);
  }
  return {
    sealNo, records: batch.length, firstSeq: batch.length ? firstSeq : null, lastSeq: batch.length ? firstSeq + batch.length - 1 : null,
    headHash, horizon, more,
  };
}

