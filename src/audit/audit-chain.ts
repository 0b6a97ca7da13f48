import {
  auditRecordHash, chainLink, decisionRowContent, factRowContent, factsDigest, GENESIS_CHAIN_HASH, ruleRowContent, rulesDigest,
} from './audit-record-hash.js';

/**
 * The tamper-evident chain of the decision audit, chained per commit batch (see `audit/README.md`):
 *
 * - Writing a decision never waits for the chain: the decision row carries its record hash, nothing else.
 * - A sealer (one at a time, under an advisory lock, every few seconds in the service) appends a batch: every decision
 *   committed since the previous batch, in (evaluated_at, id) order, one `decision_chain` link each, and a
 *   `decision_chain_seal` row. The batch's `horizon` promises that every decision evaluated before it is in the
 *   chain; a decision older than the horizon that is not is an inserted record, and is never sealed.
 * - Verification recomputes, per position: the link from the previous one, the record hash from the stored rows; and
 *   lists decisions older than the horizon that are missing from the chain.
 *
 * These functions take a `SqlRunner`, so the service (TypeORM), the `audit/verify` command and the seed generator
 * (node-postgres) share them.
 */

/** Runs one SQL statement with bind parameters and returns its rows (node-postgres types). */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** How long after its `evaluated_at` a decision may still commit: the sealer's horizon stays this far behind now. */
export const DEFAULT_SEAL_MARGIN_MS = 2 * 60_000;
/** An empty batch is still written when the last one is older than this, so the horizon keeps moving. */
const EMPTY_SEAL_EVERY_MS = 5 * 60_000;
const SEAL_LOCK = `hashtext('verdict:audit-chain-seal')`;

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

/** Kinds of broken link, in the words of the report. */
export type BrokenLinkKind =
  /** The decision's stored rows no longer hash to the record hash sealed at this position (a changed byte). */
  | 'record-altered'
  /** The decision sealed at this position is gone. */
  | 'record-deleted'
  /** A decision older than the horizon that the chain does not hold (it was added after its time was sealed). */
  | 'record-inserted'
  /** The chain entry does not follow from the previous one (the chain itself was edited). */
  | 'link-broken'
  /** A chain position is missing. */
  | 'entry-missing';

/** One finding of a verification. */
export interface BrokenLink {
  kind: BrokenLinkKind;
  /** The chain position; for an inserted record, the position it follows (0: before the first). */
  seq: number;
  decisionId: string | null;
  evaluatedAt: string | null;
  detail: string;
}

/** The result of `verifyChain`. */
export interface IntegrityReport {
  ok: boolean;
  range: { fromSeq: number | null; toSeq: number | null; from: string | null; to: string | null };
  /** Chain hash the verification started from (the stored link before `fromSeq`, or the genesis hash). */
  anchor: { seq: number; chainHash: string };
  /** The last verified link: compare with a copy kept elsewhere to detect a rewritten chain. */
  head: { seq: number; chainHash: string } | null;
  checked: { links: number; records: number };
  horizon: string | null;
  /** Decisions newer than the horizon, not yet sealed (not an alarm). */
  pending: number;
  /** True when the range held more links than one verification takes; continue from `head.seq + 1`. */
  truncated: boolean;
  firstBrokenLink: BrokenLink | null;
  problemCount: number;
  /** The first 100 findings, in chain order. */
  problems: BrokenLink[];
}

/** Options of `verifyChain`. Without a range the whole chain is verified (up to `maxLinks`). */
export interface VerifyOptions {
  fromSeq?: number;
  toSeq?: number;
  /** Decisions evaluated at or after this instant. */
  from?: Date;
  /** Decisions evaluated before this instant. */
  to?: Date;
  /** At most this many links (default 1,000,000). */
  maxLinks?: number;
}

const PAGE = 1000;

/**
 * Verifies the chain over a range of positions and/or evaluation times and names the first broken link.
 *
 * @returns the report (never throws for tampering: tampering is the finding)
 * @throws the driver error when the database cannot be read
 */
export async function verifyChain(run: SqlRunner, options: VerifyOptions = {}): Promise<IntegrityReport> {
  const maxLinks = options.maxLinks ?? 1_000_000;
  const problems: BrokenLink[] = [];
  let fromSeq = options.fromSeq ?? 1;
  let toSeq = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  if (options.from || options.to) {
    const [bounds] = await run(
      `SELECT min(seq) AS lo, max(seq) AS hi FROM decision_chain WHERE ($1::timestamptz IS NULL OR evaluated_at >= $1) AND ($2::timestamptz IS NULL OR evaluated_at < $2)`,
      [options.from ?? null, options.to ?? null]);
    if (bounds.lo !== null) {
      fromSeq = Math.max(fromSeq, Number(bounds.lo));
      toSeq = Math.min(toSeq, Number(bounds.hi));
    } else {
      toSeq = fromSeq - 1; // no link in that time range
    }
  }
  const [last] = await run(`SELECT horizon FROM decision_chain_seal ORDER BY seal_no DESC LIMIT 1`);
  const horizon = last ? (last.horizon as Date) : null;

  let previous = GENESIS_CHAIN_HASH;
  let expected = fromSeq;
  if (fromSeq > 1) {
    const [before] = await run(`SELECT chain_hash FROM decision_chain WHERE seq = $1`, [fromSeq - 1]);
    if (before) previous = before.chain_hash as string;
    else problems.push({ kind: 'entry-missing', seq: fromSeq - 1, decisionId: null, evaluatedAt: null, detail: `chain position ${fromSeq - 1} (the anchor of this range) is missing` });
  }
  const anchor = { seq: fromSeq - 1, chainHash: previous };
  let head: IntegrityReport['head'] = null;
  let links = 0;
  let records = 0;
  let truncated = false;
  let minTime: Date | null = null;
  let maxTime: Date | null = null;
  for (;;) {
    const pageSize = Math.min(PAGE, maxLinks - links);
    if (pageSize <= 0) {
      const [next] = await run(`SELECT 1 FROM decision_chain WHERE seq > $1 AND seq <= $2 LIMIT 1`, [head?.seq ?? fromSeq - 1, toSeq]);
      truncated = next !== undefined;
      break;
    }
    const entries = await run(`SELECT * FROM decision_chain WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [expected, toSeq, pageSize]);
    if (entries.length === 0) break;
    const hashes = await recomputeRecordHashes(run, entries.map((e) => ({ id: e.decision_id as string, evaluatedAt: e.evaluated_at as Date })));
    for (const e of entries) {
      const seq = Number(e.seq);
      const id = e.decision_id as string;
      const at = (e.evaluated_at as Date).toISOString();
      const gap = seq !== expected;
      if (gap) {
        problems.push({ kind: 'entry-missing', seq: expected, decisionId: null, evaluatedAt: null,
          detail: `chain positions ${expected}${seq - 1 > expected ? `–${seq - 1}` : ''} are missing` });
      }
      // After a gap the previous link is unknown: the gap is the finding, this link is not judged again.
      if (!gap && chainLink(previous, seq, id, e.record_hash as string) !== e.chain_hash) {
        problems.push({ kind: 'link-broken', seq, decisionId: id, evaluatedAt: at, detail: `the link at position ${seq} does not follow from position ${seq - 1}` });
      }
      const found = hashes.get(id);
      if (!found) {
        problems.push({ kind: 'record-deleted', seq, decisionId: id, evaluatedAt: at, detail: `decision ${id}, sealed at position ${seq}, is missing` });
      } else if (found.recomputed !== e.record_hash || (found.stored !== null && found.stored !== e.record_hash)) {
        problems.push({ kind: 'record-altered', seq, decisionId: id, evaluatedAt: at,
          detail: `decision ${id} at position ${seq} no longer matches its sealed record hash (its rows were changed)` });
      } else {
        records += 1;
      }
      previous = e.chain_hash as string;
      expected = seq + 1;
      links += 1;
      head = { seq, chainHash: e.chain_hash as string };
      const t = e.evaluated_at as Date;
      if (!minTime || t < minTime) minTime = t;
      if (!maxTime || t > maxTime) maxTime = t;
    }
  }

  // Inserted records: decisions older than the horizon, in the verified time span, that the chain does not hold.
  let pending = 0;
  const spanFrom = options.from ?? (options.fromSeq ? minTime : null);
  const spanTo = options.to ?? (options.toSeq || truncated ? (maxTime ? new Date(maxTime.getTime() + 1) : null) : null);
  const searchInserted = links > 0 || options.from !== undefined || options.to !== undefined || (!options.fromSeq && !options.toSeq);
  if (searchInserted) {
    const outside = await run(
      `SELECT d.id, d.evaluated_at, (d.evaluated_at < $3::timestamptz) AS sealed_time,
              (SELECT c.seq FROM decision_chain c WHERE c.evaluated_at <= d.evaluated_at ORDER BY c.evaluated_at DESC, c.seq DESC LIMIT 1) AS after_seq
         FROM decision d
        WHERE ($1::timestamptz IS NULL OR d.evaluated_at >= $1) AND ($2::timestamptz IS NULL OR d.evaluated_at < $2)
          AND NOT EXISTS (SELECT 1 FROM decision_chain c WHERE c.decision_id = d.id)
        ORDER BY d.evaluated_at, d.id LIMIT 10001`,
      [spanFrom, spanTo, horizon ?? new Date(-8.64e15)]);
    for (const d of outside) {
      if (!d.sealed_time) {
        pending += 1;
        continue;
      }
      const afterSeq = d.after_seq === null ? 0 : Number(d.after_seq);
      if (afterSeq < fromSeq - 1 || afterSeq > toSeq) continue;
      problems.push({ kind: 'record-inserted', seq: afterSeq, decisionId: d.id as string, evaluatedAt: (d.evaluated_at as Date).toISOString(),
        detail: `decision ${d.id as string} is older than the chain horizon but not in the chain: it was added after position ${afterSeq} was sealed` });
    }
  }
  const order = (p: BrokenLink) => p.seq + (p.kind === 'record-inserted' ? 0.5 : 0);
  problems.sort((a, b) => order(a) - order(b));
  return {
    ok: problems.length === 0,
    range: { fromSeq: options.fromSeq ?? null, toSeq: options.toSeq ?? null, from: options.from?.toISOString() ?? null, to: options.to?.toISOString() ?? null },
    anchor,
    head,
    checked: { links, records },
    horizon: horizon?.toISOString() ?? null,
    pending,
    truncated,
    firstBrokenLink: problems[0] ?? null,
    problemCount: problems.length,
    problems: problems.slice(0, 100),
  };
}
