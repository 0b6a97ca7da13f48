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
  /**
   * Chain hash the verification started from (the stored link before `fromSeq`, or the genesis hash); null when that
   * link is missing (then the first link of the range cannot be judged).
   */
  anchor: { seq: number; chainHash: string | null };
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
  const timeRange = options.from !== undefined || options.to !== undefined;
  const problems: BrokenLink[] = [];
  let fromSeq = options.fromSeq ?? 1;
  let toSeq = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  if (timeRange) {
    const [bounds] = await run(
      `SELECT min(seq) AS lo, max(seq) AS hi FROM decision_chain WHERE ($1::timestamptz IS NULL OR evaluated_at >= $1) AND ($2::timestamptz IS NULL OR evaluated_at < $2)`,
      [options.from ?? null, options.to ?? null]);
    // No link in that time range: min and max are NULL, read as 0, and the range of positions is empty.
    fromSeq = Math.max(fromSeq, Number(bounds.lo));
    toSeq = Math.min(toSeq, Number(bounds.hi));
  }
  // The latest horizon (null before the first seal), and the last position ever sealed: a position up to it without a
  // link was deleted, one beyond it was never sealed (a range past the head is not an alarm).
  const [seal] = await run(
    `SELECT (SELECT horizon FROM decision_chain_seal ORDER BY seal_no DESC LIMIT 1) AS horizon, max(last_seq) AS sealed_to FROM decision_chain_seal`);
  const horizon = seal.horizon as Date | null;
  const sealedTo = Number(seal.sealed_to);
  const missing = (first: number, last: number, what: string): BrokenLink => ({ kind: 'entry-missing', seq: first, decisionId: null, evaluatedAt: null,
    detail: first === last ? `chain position ${first}${what} is missing` : `chain positions ${first}–${last} are missing` });

  // The chain hash the next link must follow from; null when it is unknown (a missing anchor or a gap): the gap is the
  // finding, and the link after it cannot be judged (it would otherwise be a false link-broken).
  let previous: string | null = GENESIS_CHAIN_HASH;
  let expected = fromSeq;
  if (fromSeq > 1) {
    const [before] = await run(`SELECT chain_hash FROM decision_chain WHERE seq = $1`, [fromSeq - 1]);
    previous = before ? (before.chain_hash as string) : null;
    if (!before && fromSeq - 1 <= sealedTo) problems.push(missing(fromSeq - 1, fromSeq - 1, ' (the anchor of this range)'));
  }
  const anchor = { seq: fromSeq - 1, chainHash: previous };
  let head: IntegrityReport['head'] = null;
  let links = 0;
  let records = 0;
  let truncated = false;
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
      if (seq !== expected) {
        problems.push(missing(expected, seq - 1, ''));
        previous = null;
      }
      if (previous !== null && chainLink(previous, seq, id, e.record_hash as string) !== e.chain_hash) {
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
    }
  }
  // Sealed positions missing at the end of the range: no later link shows that gap.
  const sealedEnd = Math.min(toSeq, sealedTo);
  if (!truncated && expected <= sealedEnd) problems.push(missing(expected, sealedEnd, ''));

  // Decisions the chain does not hold: older than the horizon, inserted records; newer, pending. Each is placed after
  // the last link evaluated at or before it (`after_seq`; 0: before the first link) and belongs to the range that
  // holds that position (0: to the range starting at position 1), so consecutive ranges and pages report it exactly
  // once; with from/to, it must also be evaluated in that window.
  const lowSeq = options.fromSeq ?? 1;
  const highSeq = truncated ? (head?.seq ?? fromSeq - 1) : (options.toSeq ?? Number.MAX_SAFE_INTEGER);
  let spanFrom = options.from ?? null;
  let spanTo = options.to ?? null;
  let search = true;
  // Stryker disable all: a prefilter on time for speed (the index on evaluated_at), never narrower than the positions:
  // a decision placed after link N is not older than N, and one placed at or before highSeq is older than every later
  // link evaluated after all the links of the range. The position filter below decides: no result tells it apart.
  if (!timeRange) {
    const [span] = await run(
      `WITH r AS (SELECT min(evaluated_at) AS lo, max(evaluated_at) AS hi FROM decision_chain WHERE seq >= $1 AND seq <= $2)
       SELECT r.lo, (SELECT min(c.evaluated_at) FROM decision_chain c WHERE c.seq > $2 AND (r.hi IS NULL OR c.evaluated_at > r.hi)) AS next FROM r`,
      [lowSeq, highSeq]);
    if (lowSeq > 1) {
      spanFrom = span.lo as Date | null;
      search = span.lo !== null; // no link at or after lowSeq in the range: nothing can be placed in it
    }
    spanTo = span.next as Date | null;
  }
  // Stryker restore all
  let pending = 0;
  // With no horizon yet (before the first seal) no decision is older than it: all of them are pending.
  // Stryker disable next-line ConditionalExpression: skipping a search that finds nothing (above) is for speed only
  const outside = search ? await run(
    `SELECT d.id, d.evaluated_at, ($3::timestamptz IS NOT NULL AND d.evaluated_at < $3) AS sealed_time,
            COALESCE((SELECT c.seq FROM decision_chain c WHERE c.evaluated_at <= d.evaluated_at ORDER BY c.evaluated_at DESC, c.seq DESC LIMIT 1), 0) AS after_seq
       FROM decision d
      WHERE ($1::timestamptz IS NULL OR d.evaluated_at >= $1) AND ($2::timestamptz IS NULL OR d.evaluated_at < $2)
        AND NOT EXISTS (SELECT 1 FROM decision_chain c WHERE c.decision_id = d.id)
      ORDER BY d.evaluated_at, d.id LIMIT 10001`,
    [spanFrom, spanTo, horizon]) : [];
  for (const d of outside) {
    const afterSeq = Number(d.after_seq);
    if (Math.max(afterSeq, 1) < lowSeq || afterSeq > highSeq) continue;
    if (!d.sealed_time) {
      pending += 1;
      continue;
    }
    problems.push({ kind: 'record-inserted', seq: afterSeq, decisionId: d.id as string, evaluatedAt: (d.evaluated_at as Date).toISOString(),
      detail: `decision ${d.id as string} is older than the chain horizon but not in the chain: it was added after position ${afterSeq} was sealed` });
  }
  // Chain order. The sort is stable and the inserted records were pushed last, so one placed after position N follows
  // the findings at N.
  problems.sort((a, b) => a.seq - b.seq);
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
