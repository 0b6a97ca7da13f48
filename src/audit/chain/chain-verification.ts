import { chainLink, GENESIS_CHAIN_HASH } from '../audit-record-hash.js';
import { recomputeRecordHashes, type SqlRunner } from './stored-record-hashes.js';

/**
 * Verification of the tamper-evident chain of the decision audit (see `audit/README.md`, "Tamper evidence"; sealing is
 * in `chain-sealing.ts`): per position, the link is recomputed from the previous one and the record hash from the
 * stored rows, and decisions older than the horizon that are missing from the chain are listed. Read-only: the
 * service (`GET /v1/audit/integrity`, TypeORM) and the `audit/verify` command (node-postgres, a read-only session)
 * share it through a `SqlRunner`.
 */

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
