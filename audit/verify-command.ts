import { parseArgs } from 'node:util';
import pg from 'pg';
import { verifyChain, type IntegrityReport } from '../src/audit/chain/chain-verification.js';
import type { SqlRunner } from '../src/audit/chain/stored-record-hashes.js';
import { reuseOrStartEmbeddedPostgres, type EmbeddedDatabase } from '../src/database/embedded-postgres.js';

export const USAGE = `Usage: audit/verify [--from-seq N] [--to-seq N] [--from <RFC 3339>] [--to <RFC 3339>] [--expect-head <seq>:<chain hash>] [--json]

Verifies Verdict's tamper-evident decision audit chain over a range (default: the whole chain) and names the first
broken link: a changed record (record-altered), a removed one (record-deleted), one added after its time was sealed
(record-inserted), an edited chain (link-broken, entry-missing). Connects to DATABASE_URL in a read-only session;
without it, to the embedded PostgreSQL under DATA_DIR (default .data): the one a running Verdict started (found in
DATA_DIR/embedded-postgres.json), else one started for this run. --expect-head compares the chain with a head you
kept elsewhere (printed by every run): a rewritten chain cannot match it.

Exit status: 0 intact, 1 broken, 2 usage or connection error.`;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses the arguments. @throws Error naming the bad argument */
function options(values: Record<string, string | boolean | undefined>): { fromSeq?: number; toSeq?: number; from?: Date; to?: Date; expectHead?: { seq: number; hash: string } } {
  const int = (name: string): number | undefined => {
    const raw = values[name] as string | undefined;
    if (raw === undefined) return undefined;
    if (!/^[1-9]\d{0,15}$/.test(raw)) throw new Error(`--${name} must be a positive integer`);
    return Number(raw);
  };
  const time = (name: string): Date | undefined => {
    const raw = values[name] as string | undefined;
    if (raw === undefined) return undefined;
    if (!RFC3339.test(raw) || Number.isNaN(Date.parse(raw))) throw new Error(`--${name} must be an RFC 3339 date-time with a time zone`);
    return new Date(raw);
  };
  let expectHead: { seq: number; hash: string } | undefined;
  if (values['expect-head'] !== undefined) {
    const match = /^([1-9]\d{0,15}):(sha256:[0-9a-f]{64})$/.exec(values['expect-head'] as string);
    if (!match) throw new Error('--expect-head must be <seq>:sha256:<64 hex>');
    expectHead = { seq: Number(match[1]), hash: match[2] };
  }
  return { fromSeq: int('from-seq'), toSeq: int('to-seq'), from: time('from'), to: time('to'), expectHead };
}

/** Renders a report for people. */
function render(report: IntegrityReport, headMismatch: string | undefined): string {
  const lines: string[] = [];
  const span = report.head ? `positions ${report.anchor.seq + 1}–${report.head.seq}` : 'no chain position in the range';
  lines.push(`${report.ok && !headMismatch ? 'INTACT' : 'BROKEN'}: verified ${report.checked.links} links (${span}), ${report.checked.records} records intact`);
  if (report.head) lines.push(`head: ${report.head.seq}:${report.head.chainHash}   (keep it elsewhere; check later with --expect-head)`);
  lines.push(`horizon: ${report.horizon ?? 'none yet'}; ${report.pending} decision(s) newer than the horizon await the next batch`);
  if (headMismatch) lines.push(`EXPECTED HEAD DIFFERS: ${headMismatch}`);
  if (report.firstBrokenLink) {
    const f = report.firstBrokenLink;
    lines.push(`first broken link: position ${f.seq}: ${f.kind}${f.decisionId ? ` (decision ${f.decisionId}, evaluated ${f.evaluatedAt})` : ''}`);
    lines.push(`  ${f.detail}`);
    if (report.problemCount > 1) lines.push(`${report.problemCount} findings in all:`);
    for (const p of report.problems.slice(1, 20)) lines.push(`  position ${p.seq}: ${p.kind}: ${p.detail}`);
  }
  if (report.truncated) lines.push('the range holds more links than one run verifies: continue with --from-seq ' + ((report.head?.seq ?? 0) + 1));
  return lines.join('\n') + '\n';
}

/**
 * `audit/verify`: see USAGE.
 * @param args the command-line arguments (without node and the script)
 * @param env the environment (`DATABASE_URL`; else `DATA_DIR`, whose running embedded PostgreSQL is reused, or one is
 *   started for the run and stopped after it)
 * @param write where the report goes (stdout)
 * @returns the exit status: 0 intact, 1 broken
 * @throws Error for bad arguments or an unreachable database (exit status 2)
 */
export async function verifyCommand(args: string[], env: NodeJS.ProcessEnv, write: (text: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: {
    'from-seq': { type: 'string' }, 'to-seq': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    'expect-head': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  } });
  if (values.help) {
    write(USAGE + '\n');
    return 0;
  }
  const opts = options(values);
  let embedded: EmbeddedDatabase | undefined;
  const url = env.DATABASE_URL || (embedded = await reuseOrStartEmbeddedPostgres(env.DATA_DIR || '.data', () => undefined)).url;
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC -c default_transaction_read_only=on' });
  try {
    await client.connect();
    const run: SqlRunner = async (sql, params) => (await client.query(sql, params)).rows as Record<string, unknown>[];
    const report = await verifyChain(run, { ...opts, maxLinks: Number.MAX_SAFE_INTEGER });
    let headMismatch: string | undefined;
    if (opts.expectHead) {
      const rows = await run(`SELECT chain_hash FROM decision_chain WHERE seq = $1`, [opts.expectHead.seq]);
      const found = rows[0]?.chain_hash as string | undefined;
      if (found !== opts.expectHead.hash) headMismatch = `position ${opts.expectHead.seq} is ${found ?? 'missing'}, expected ${opts.expectHead.hash}`;
    }
    write(values.json ? JSON.stringify({ ...report, expectedHead: opts.expectHead ? { matches: !headMismatch, detail: headMismatch ?? null } : undefined }, null, 2) + '\n' : render(report, headMismatch));
    return report.ok && !headMismatch ? 0 : 1;
  } finally {
    await client.end().catch(() => undefined);
    await embedded?.stop();
  }
}

