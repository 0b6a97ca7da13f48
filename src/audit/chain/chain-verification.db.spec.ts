import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { auditRecordHash, chainLink, factsDigest, GENESIS_CHAIN_HASH, rulesDigest, type DecisionRowContent, type FactRowContent, type RuleRowContent } from '../audit-record-hash.js';
import { sealBatch, type SealResult } from './chain-sealing.js';
import { verifyChain, type BrokenLink, type IntegrityReport } from './chain-verification.js';
import type { SqlRunner } from './stored-record-hashes.js';

/**
 * `verifyChain` against PostgreSQL: a fresh migrated database (`DATABASE_URL`'s server, else an embedded one), real
 * decision rows whose record hashes are computed here with `audit-record-hash.ts` (one of them an old decision written
 * before record hashes were kept), sealed by `sealBatch`; then tampered with as the database owner would (with
 * `session_replication_role = replica`, which bypasses the append-only triggers), and the whole report an auditor
 * reads is compared: each finding's kind, position, decision, time and wording, the counts, the anchor and head, the
 * horizon, the pending decisions and the truncation.
 */

const SPEC_RULEBOOK = 'chain-verification-spec';
const CONTENT_HASH = 'sha256:' + 'c'.repeat(64);
const INPUT_HASH = 'sha256:' + 'e'.repeat(64);
const FORGED_HASH = 'sha256:' + '1'.repeat(64);
const MINUTE = 60_000;
/** A value for a jsonb parameter: JSON text, or SQL NULL for null. */
const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

/** A decision as written: its id, time and record hash (the one sealed into the chain). */
interface Written {
  id: string;
  at: Date;
  recordHash: string;
}

/** A sealed decision: its chain position and chain hash. */
interface Link extends Written {
  seq: number;
  chainHash: string;
}

describe('verifyChain (PostgreSQL)', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let written = 0;
  /** Decisions of a test are evaluated from here on, one minute apart: a day ago, well behind any horizon. */
  let base: Date;

  const sql = async (text: string, params: unknown[] = []) => (await client.query(text, params)).rows as Record<string, unknown>[];
  const run: SqlRunner = (text, params) => sql(text, params);

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // An approved version to decide with: stored as the bundle importer bootstraps a fresh installation (the one way the
    // database lets a version be created approved, in the transaction that records the bootstrap).
    await sql(`BEGIN`);
    await sql(`INSERT INTO rulebook_bootstrap (txid, how) VALUES (0, 'bootstrap')`);
    await sql(`INSERT INTO rulebook (key, kind, title) VALUES ($1, 'triage', 'Chain verification spec')`, [SPEC_RULEBOOK]);
    await sql(`INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by)
               VALUES ($1, $2, '1.0.0', 'approved', '{}', $3, 'bundled', 'spec')`, [randomUUID(), SPEC_RULEBOOK, CONTENT_HASH]);
    await sql(`COMMIT`);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  beforeEach(async () => {
    await tamper(`TRUNCATE decision_chain, decision_chain_seal, decision_fact, decision_rule, decision, idempotency_key`);
    base = new Date(Math.floor((Date.now() - 24 * 60 * MINUTE) / 1000) * 1000);
  });

  /** Runs SQL as the owner with triggers and foreign keys bypassed: what a tampering superuser can do. */
  async function tamper(text: string, params: unknown[] = []): Promise<void> {
    await sql(`SET session_replication_role = replica`);
    try {
      await sql(text, params);
    } finally {
      await sql(`SET session_replication_role = origin`);
    }
  }

  /**
   * Writes one decision (the `decision` row, two rule rows, two fact rows) evaluated at `at`, with the record hash of
   * exactly the values written; `legacy`: written before record hashes were kept (its `record_hash` is NULL).
   */
  async function write(at: Date, legacy = false): Promise<Written> {
    const n = (written += 1);
    const id = randomUUID();
    const rules: RuleRowContent[] = [
      { ordinal: 0, name: 'news2-respiration', stage: 1, priority: 10, fired: true, event: { type: 'score', params: { points: n % 4 } },
        conditions: { all: [{ fact: 'respiratoryRate', operator: 'greaterThanInclusive', value: 21 }] } },
      { ordinal: 1, name: 'risk-band', stage: 2, priority: 5, fired: false, event: { type: 'band', params: { band: 'low' } }, conditions: { any: [] } },
    ];
    const facts: FactRowContent[] = [
      { ordinal: 0, name: 'respiratoryRate', value: 12 + (n % 20), unit: '/min', source: 'request', reference: null, code: null, effective: null,
        rawValue: null, rawUnit: null },
      { ordinal: 1, name: 'spo2', value: 97, unit: '%', source: 'fhir', reference: `Observation/spo2-${n}`, code: 'http://loinc.org|59408-5',
        effective: at.toISOString(), rawValue: 0.97, rawUnit: '1', status: 'final' },
    ];
    const row: DecisionRowContent = {
      id, evaluatedAt: at.toISOString(), caller: 'dev-workflow-engine', requestId: `req-${n}`, rulebookKey: SPEC_RULEBOOK, rulebookVersion: '1.0.0',
      contentHash: CONTENT_HASH, rulebookStatus: 'approved', asOf: at.toISOString(), workflowInstanceId: `wf-${n}`, sourceEventId: null,
      patientRef: `Patient/p${n}`, encounterRef: null, outcome: { riskBand: 'low', score: n % 4 }, inputHash: INPUT_HASH, idempotencyKey: null,
      verdictVersion: legacy ? null : '0.1.0', verdictCommit: null, factPatientRef: legacy ? null : `Patient/p${n}`, ignoredResources: null,
    };
    const recordHash = auditRecordHash(row, rulesDigest(rules), factsDigest(facts));
    await sql(
      `INSERT INTO decision (id, evaluated_at, caller, request_id, rulebook_key, rulebook_version, content_hash, rulebook_status, as_of,
                             workflow_instance_id, source_event_id, patient_ref, encounter_ref, outcome, input_hash, idempotency_key, record_hash,
                             verdict_version, verdict_commit, fact_patient_ref, ignored_resources)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
      [id, at, row.caller, row.requestId, row.rulebookKey, row.rulebookVersion, row.contentHash, row.rulebookStatus, at, row.workflowInstanceId,
        row.sourceEventId, row.patientRef, row.encounterRef, JSON.stringify(row.outcome), row.inputHash, row.idempotencyKey,
        legacy ? null : recordHash, row.verdictVersion, row.verdictCommit, row.factPatientRef, null]);
    for (const r of rules) {
      await sql(`INSERT INTO decision_rule (decision_id, evaluated_at, ordinal, name, stage, priority, fired, event, conditions)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, at, r.ordinal, r.name, r.stage, r.priority, r.fired, JSON.stringify(r.event), JSON.stringify(r.conditions)]);
    }
    for (const f of facts) {
      await sql(`INSERT INTO decision_fact (decision_id, evaluated_at, ordinal, name, value, unit, source, reference, code, effective, raw_value, raw_unit, status)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [id, at, f.ordinal, f.name, json(f.value), f.unit, f.source, f.reference, f.code, f.effective, json(f.rawValue), f.rawUnit,
          f.status ?? null]);
    }
    return { id, at, recordHash };
  }

  /** One sealing batch, in its own transaction, as the sealer runs it (default margin: the horizon is 2 minutes behind now). */
  async function seal(): Promise<SealResult> {
    await sql('BEGIN');
    try {
      const result = await sealBatch(run, { sealedBy: 'chain-verification-spec' });
      await sql('COMMIT');
      return result;
    } catch (error) {
      await sql('ROLLBACK');
      throw error;
    }
  }

  /** The time `minutes` after `base`. */
  const at = (minutes: number) => new Date(base.getTime() + minutes * MINUTE);

  /**
   * Writes `n` decisions one minute apart (the `legacy` ones without a record hash), seals them, and returns the links
   * with the chain hashes computed here from the record hashes (independently of the sealer).
   */
  async function sealedChain(n: number, legacy: number[] = []): Promise<{ links: Link[]; sealed: SealResult }> {
    const decisions: Written[] = [];
    for (let i = 0; i < n; i++) decisions.push(await write(at(i + 1), legacy.includes(i + 1)));
    const sealed = await seal();
    let previous = GENESIS_CHAIN_HASH;
    const links = decisions.map((d, i) => {
      previous = chainLink(previous, i + 1, d.id, d.recordHash);
      return { ...d, seq: i + 1, chainHash: previous };
    });
    expect(sealed).toMatchObject({ records: n, firstSeq: 1, lastSeq: n, headHash: links[n - 1].chainHash });
    return { links, sealed };
  }

  const NO_RANGE = { fromSeq: null, toSeq: null, from: null, to: null };
  const GENESIS_ANCHOR = { seq: 0, chainHash: GENESIS_CHAIN_HASH };

  /** The report expected: the fields given, the rest as for an empty, clean verification; ok and the counts follow from `problems`. */
  function report(fields: Partial<IntegrityReport>): IntegrityReport {
    const problems = fields.problems ?? [];
    return {
      ok: problems.length === 0, range: NO_RANGE, anchor: GENESIS_ANCHOR, head: null, checked: { links: 0, records: 0 }, horizon: null, pending: 0,
      truncated: false, ...fields, firstBrokenLink: problems[0] ?? null, problemCount: problems.length, problems,
    };
  }
  const anchorAt = (link: Link) => ({ seq: link.seq, chainHash: link.chainHash });
  const headAt = (link: Link) => ({ seq: link.seq, chainHash: link.chainHash });

  const altered = (l: Link): BrokenLink => ({ kind: 'record-altered', seq: l.seq, decisionId: l.id, evaluatedAt: l.at.toISOString(),
    detail: `decision ${l.id} at position ${l.seq} no longer matches its sealed record hash (its rows were changed)` });
  const deleted = (l: Link): BrokenLink => ({ kind: 'record-deleted', seq: l.seq, decisionId: l.id, evaluatedAt: l.at.toISOString(),
    detail: `decision ${l.id}, sealed at position ${l.seq}, is missing` });
  const inserted = (d: Written, after: number): BrokenLink => ({ kind: 'record-inserted', seq: after, decisionId: d.id, evaluatedAt: d.at.toISOString(),
    detail: `decision ${d.id} is older than the chain horizon but not in the chain: it was added after position ${after} was sealed` });
  const linkBroken = (l: Link): BrokenLink => ({ kind: 'link-broken', seq: l.seq, decisionId: l.id, evaluatedAt: l.at.toISOString(),
    detail: `the link at position ${l.seq} does not follow from position ${l.seq - 1}` });
  const missing = (first: number, last = first): BrokenLink => ({ kind: 'entry-missing', seq: first, decisionId: null, evaluatedAt: null,
    detail: first === last ? `chain position ${first} is missing` : `chain positions ${first}–${last} are missing` });
  const missingAnchor = (seq: number): BrokenLink => ({ kind: 'entry-missing', seq, decisionId: null, evaluatedAt: null,
    detail: `chain position ${seq} (the anchor of this range) is missing` });

  /** Removes a decision with its rule and fact rows (its chain link stays). */
  async function deleteDecision(id: string): Promise<void> {
    await tamper(`DELETE FROM decision_rule WHERE decision_id = $1`, [id]);
    await tamper(`DELETE FROM decision_fact WHERE decision_id = $1`, [id]);
    await tamper(`DELETE FROM decision WHERE id = $1`, [id]);
  }

  describe('before the first seal', () => {
    it('reports an empty database as intact, with no horizon and no head', async () => {
      expect(await verifyChain(run)).toStrictEqual(report({}));
      expect(await verifyChain(run, { fromSeq: 3, toSeq: 9 })).toStrictEqual(report({
        range: { fromSeq: 3, toSeq: 9, from: null, to: null }, anchor: { seq: 2, chainHash: null },
      }));
      const from = at(0);
      const to = at(10);
      expect(await verifyChain(run, { from, to })).toStrictEqual(report({ range: { fromSeq: null, toSeq: null, from: from.toISOString(), to: to.toISOString() } }));
    });

    it('counts the decisions written so far as pending, none an alarm (no horizon: nothing is older than it)', async () => {
      await write(at(1));
      await write(at(2));
      expect(await verifyChain(run)).toStrictEqual(report({ pending: 2 }));
      // Placed before the first position: they belong to the range that starts at position 1, and to no other.
      expect(await verifyChain(run, { fromSeq: 1, toSeq: 1 })).toStrictEqual(report({ range: { fromSeq: 1, toSeq: 1, from: null, to: null }, pending: 2 }));
      expect(await verifyChain(run, { fromSeq: 2 })).toStrictEqual(report({
        range: { fromSeq: 2, toSeq: null, from: null, to: null }, anchor: { seq: 1, chainHash: null },
      }));
      expect(await verifyChain(run, { to: at(2) })).toStrictEqual(report({ range: { ...NO_RANGE, to: at(2).toISOString() }, pending: 1 }));
    });
  });

  describe('a clean chain', () => {
    it('verifies the whole chain, an old decision without a stored record hash included, and shows its head and horizon', async () => {
      const { links, sealed } = await sealedChain(5, [3]);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 5, records: 5 }, horizon: sealed.horizon!.toISOString(),
      }));
    });

    it('verifies a range of positions from the link before it (the anchor)', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      expect(await verifyChain(run, { fromSeq: 2, toSeq: 4 })).toStrictEqual(report({
        range: { fromSeq: 2, toSeq: 4, from: null, to: null }, anchor: anchorAt(links[0]), head: headAt(links[3]), checked: { links: 3, records: 3 }, horizon,
      }));
      expect(await verifyChain(run, { fromSeq: 4 })).toStrictEqual(report({
        range: { fromSeq: 4, toSeq: null, from: null, to: null }, anchor: anchorAt(links[2]), head: headAt(links[4]), checked: { links: 2, records: 2 }, horizon,
      }));
      expect(await verifyChain(run, { toSeq: 2 })).toStrictEqual(report({
        range: { fromSeq: null, toSeq: 2, from: null, to: null }, head: headAt(links[1]), checked: { links: 2, records: 2 }, horizon,
      }));
      // Past the head: nothing to verify, and not an alarm (those positions were never sealed).
      expect(await verifyChain(run, { fromSeq: 6 })).toStrictEqual(report({ range: { fromSeq: 6, toSeq: null, from: null, to: null }, anchor: anchorAt(links[4]), horizon }));
      expect(await verifyChain(run, { fromSeq: 9, toSeq: 12 })).toStrictEqual(report({
        range: { fromSeq: 9, toSeq: 12, from: null, to: null }, anchor: { seq: 8, chainHash: null }, horizon,
      }));
    });

    it('verifies the links evaluated in a time range (from inclusive, to exclusive), alone or within a range of positions', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      const iso = (d: Date) => d.toISOString();
      expect(await verifyChain(run, { from: links[1].at, to: links[3].at })).toStrictEqual(report({
        range: { ...NO_RANGE, from: iso(links[1].at), to: iso(links[3].at) }, anchor: anchorAt(links[0]), head: headAt(links[2]), checked: { links: 2, records: 2 }, horizon,
      }));
      expect(await verifyChain(run, { from: links[3].at })).toStrictEqual(report({
        range: { ...NO_RANGE, from: iso(links[3].at) }, anchor: anchorAt(links[2]), head: headAt(links[4]), checked: { links: 2, records: 2 }, horizon,
      }));
      expect(await verifyChain(run, { to: links[1].at })).toStrictEqual(report({
        range: { ...NO_RANGE, to: iso(links[1].at) }, head: headAt(links[0]), checked: { links: 1, records: 1 }, horizon,
      }));
      // A window with no link in it.
      const quiet = { from: new Date(links[4].at.getTime() + 1000), to: new Date(links[4].at.getTime() + 2000) };
      expect(await verifyChain(run, quiet)).toStrictEqual(report({ range: { ...NO_RANGE, from: iso(quiet.from), to: iso(quiet.to) }, horizon }));
      expect(await verifyChain(run, { fromSeq: 3, ...quiet })).toStrictEqual(report({
        range: { fromSeq: 3, toSeq: null, from: iso(quiet.from), to: iso(quiet.to) }, anchor: anchorAt(links[1]), horizon,
      }));
      // Both: the positions of the window within the range of positions.
      expect(await verifyChain(run, { fromSeq: 3, from: links[1].at })).toStrictEqual(report({
        range: { fromSeq: 3, toSeq: null, from: iso(links[1].at), to: null }, anchor: anchorAt(links[1]), head: headAt(links[4]), checked: { links: 3, records: 3 }, horizon,
      }));
      expect(await verifyChain(run, { toSeq: 2, from: links[0].at, to: links[3].at })).toStrictEqual(report({
        range: { fromSeq: null, toSeq: 2, from: iso(links[0].at), to: iso(links[3].at) }, head: headAt(links[1]), checked: { links: 2, records: 2 }, horizon,
      }));
    });

    it('stops after maxLinks links (truncated) and continues from head.seq + 1', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      expect(await verifyChain(run, { maxLinks: 2 })).toStrictEqual(report({
        head: headAt(links[1]), checked: { links: 2, records: 2 }, horizon, truncated: true,
      }));
      expect(await verifyChain(run, { fromSeq: 3, maxLinks: 2 })).toStrictEqual(report({
        range: { fromSeq: 3, toSeq: null, from: null, to: null }, anchor: anchorAt(links[1]), head: headAt(links[3]), checked: { links: 2, records: 2 }, horizon, truncated: true,
      }));
      expect(await verifyChain(run, { fromSeq: 5, maxLinks: 2 })).toStrictEqual(report({
        range: { fromSeq: 5, toSeq: null, from: null, to: null }, anchor: anchorAt(links[3]), head: headAt(links[4]), checked: { links: 1, records: 1 }, horizon,
      }));
      // Exactly maxLinks links left, to the end of the chain or of the range: not truncated.
      expect(await verifyChain(run, { fromSeq: 4, maxLinks: 2 })).toMatchObject({ head: headAt(links[4]), checked: { links: 2, records: 2 }, truncated: false });
      expect(await verifyChain(run, { toSeq: 3, maxLinks: 3 })).toMatchObject({ head: headAt(links[2]), checked: { links: 3, records: 3 }, truncated: false });
      // No link at all: it only tells whether the range holds any.
      expect(await verifyChain(run, { fromSeq: 4, maxLinks: 0 })).toStrictEqual(report({
        range: { fromSeq: 4, toSeq: null, from: null, to: null }, anchor: anchorAt(links[2]), horizon, truncated: true,
      }));
    });
  });

  describe('tampering', () => {
    it('finds altered records: a changed fact value, decision column or rule of an old record, or a stored record hash that differs', async () => {
      const { links, sealed } = await sealedChain(5, [3]);
      await tamper(`UPDATE decision SET record_hash = $2 WHERE id = $1`, [links[0].id, FORGED_HASH]);
      await tamper(`UPDATE decision_fact SET value = '30' WHERE decision_id = $1 AND ordinal = 0`, [links[1].id]);
      await tamper(`UPDATE decision_rule SET fired = NOT fired WHERE decision_id = $1 AND ordinal = 1`, [links[2].id]);
      await tamper(`UPDATE decision SET caller = 'dev-workflow-enginf' WHERE id = $1`, [links[3].id]);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 5, records: 1 }, horizon: sealed.horizon!.toISOString(),
        problems: [altered(links[0]), altered(links[1]), altered(links[2]), altered(links[3])],
      }));
    });

    it('finds a deleted record at its position', async () => {
      const { links, sealed } = await sealedChain(5);
      await deleteDecision(links[2].id);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 5, records: 4 }, horizon: sealed.horizon!.toISOString(), problems: [deleted(links[2])],
      }));
    });

    it('finds inserted records after the position they follow (0: before the first), in chain order', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      const before = await write(new Date(links[0].at.getTime() - MINUTE));
      const middle = await write(new Date(links[1].at.getTime() + 30_000));
      const last = await write(new Date(links[4].at.getTime() + 30_000));
      const tie = await write(links[2].at); // evaluated at the same instant as position 3: after it
      await tamper(`UPDATE decision_fact SET value = '30' WHERE decision_id = $1 AND ordinal = 0`, [links[1].id]);
      // The sealer does not launder them into the chain.
      expect((await seal()).records).toBe(0);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 5, records: 4 }, horizon,
        problems: [inserted(before, 0), altered(links[1]), inserted(middle, 2), inserted(tie, 3), inserted(last, 5)],
      }));
    });

    it('reports an inserted record in the one range or page that holds the position it follows', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      const before = await write(new Date(links[0].at.getTime() - MINUTE));
      const middle = await write(new Date(links[1].at.getTime() + 30_000));
      const last = await write(new Date(links[4].at.getTime() + 30_000));
      const seqRange = (fromSeq: number | null, toSeq: number | null) => ({ fromSeq, toSeq, from: null, to: null });
      expect(await verifyChain(run, { toSeq: 2 })).toStrictEqual(report({
        range: seqRange(null, 2), head: headAt(links[1]), checked: { links: 2, records: 2 }, horizon, problems: [inserted(before, 0), inserted(middle, 2)],
      }));
      expect(await verifyChain(run, { fromSeq: 1, toSeq: 1 })).toStrictEqual(report({
        range: seqRange(1, 1), head: headAt(links[0]), checked: { links: 1, records: 1 }, horizon, problems: [inserted(before, 0)],
      }));
      expect(await verifyChain(run, { fromSeq: 2, toSeq: 2 })).toStrictEqual(report({
        range: seqRange(2, 2), anchor: anchorAt(links[0]), head: headAt(links[1]), checked: { links: 1, records: 1 }, horizon, problems: [inserted(middle, 2)],
      }));
      expect(await verifyChain(run, { fromSeq: 3, toSeq: 4 })).toStrictEqual(report({
        range: seqRange(3, 4), anchor: anchorAt(links[1]), head: headAt(links[3]), checked: { links: 2, records: 2 }, horizon,
      }));
      expect(await verifyChain(run, { fromSeq: 3 })).toStrictEqual(report({
        range: seqRange(3, null), anchor: anchorAt(links[1]), head: headAt(links[4]), checked: { links: 3, records: 3 }, horizon, problems: [inserted(last, 5)],
      }));
      // Pages of two links: each inserted record on exactly one page.
      const pages = [];
      for (let fromSeq = 1, truncated = true; truncated;) {
        const page = await verifyChain(run, { fromSeq, maxLinks: 2 });
        pages.push(page.problems);
        truncated = page.truncated;
        fromSeq = page.head!.seq + 1;
      }
      expect(pages).toStrictEqual([[inserted(before, 0), inserted(middle, 2)], [], [inserted(last, 5)]]);
      // No link verified (maxLinks 0): nothing is placed in the range.
      expect((await verifyChain(run, { fromSeq: 2, maxLinks: 0 })).problems).toStrictEqual([]);
    });

    it('reports an inserted record evaluated in a time range, wherever the window starts', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      const iso = (d: Date) => d.toISOString();
      const before = await write(new Date(links[0].at.getTime() - MINUTE));
      const middle = await write(new Date(links[1].at.getTime() + 30_000));
      const last = await write(new Date(links[4].at.getTime() + 30_000));
      // A window holding the inserted record and no link.
      expect(await verifyChain(run, { from: middle.at, to: links[2].at })).toStrictEqual(report({
        range: { ...NO_RANGE, from: iso(middle.at), to: iso(links[2].at) }, horizon, problems: [inserted(middle, 2)],
      }));
      // A window starting between two links: the record placed after the link before the window is in it.
      expect(await verifyChain(run, { from: middle.at, to: links[4].at })).toStrictEqual(report({
        range: { ...NO_RANGE, from: iso(middle.at), to: iso(links[4].at) }, anchor: anchorAt(links[1]), head: headAt(links[3]),
        checked: { links: 2, records: 2 }, horizon, problems: [inserted(middle, 2)],
      }));
      expect(await verifyChain(run, { from: links[1].at, to: links[2].at })).toStrictEqual(report({
        range: { ...NO_RANGE, from: iso(links[1].at), to: iso(links[2].at) }, anchor: anchorAt(links[0]), head: headAt(links[1]),
        checked: { links: 1, records: 1 }, horizon, problems: [inserted(middle, 2)],
      }));
      expect(await verifyChain(run, { to: links[1].at })).toStrictEqual(report({
        range: { ...NO_RANGE, to: iso(links[1].at) }, head: headAt(links[0]), checked: { links: 1, records: 1 }, horizon, problems: [inserted(before, 0)],
      }));
      expect(await verifyChain(run, { from: links[2].at })).toStrictEqual(report({
        range: { ...NO_RANGE, from: iso(links[2].at) }, anchor: anchorAt(links[1]), head: headAt(links[4]), checked: { links: 3, records: 3 }, horizon,
        problems: [inserted(last, 5)],
      }));
      // With a range of positions too: only the records placed in it.
      expect(await verifyChain(run, { fromSeq: 3, from: before.at })).toStrictEqual(report({
        range: { fromSeq: 3, toSeq: null, from: iso(before.at), to: null }, anchor: anchorAt(links[1]), head: headAt(links[4]), checked: { links: 3, records: 3 },
        horizon, problems: [inserted(last, 5)],
      }));
      // A truncated page of a window ends at its head; the next page starts after it.
      expect(await verifyChain(run, { from: before.at, maxLinks: 2 })).toStrictEqual(report({
        range: { ...NO_RANGE, from: iso(before.at) }, head: headAt(links[1]), checked: { links: 2, records: 2 }, horizon, truncated: true,
        problems: [inserted(before, 0), inserted(middle, 2)],
      }));
      expect((await verifyChain(run, { fromSeq: 3, from: before.at, maxLinks: 2 })).problems).toStrictEqual([]);
    });

    it('finds an edited chain link, and judges the next link against the stored one', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      await tamper(`UPDATE decision_chain SET chain_hash = $2 WHERE seq = $1`, [2, FORGED_HASH]);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 5, records: 5 }, horizon, problems: [linkBroken(links[1]), linkBroken(links[2])],
      }));
      // The stored link before a range is its anchor.
      expect(await verifyChain(run, { fromSeq: 3, toSeq: 3 })).toStrictEqual(report({
        range: { fromSeq: 3, toSeq: 3, from: null, to: null }, anchor: { seq: 2, chainHash: FORGED_HASH }, head: headAt(links[2]),
        checked: { links: 1, records: 1 }, horizon, problems: [linkBroken(links[2])],
      }));
    });

    it('finds a record hash edited in the chain as a broken link and an altered record at that position, and an edited head', async () => {
      const { links, sealed } = await sealedChain(5);
      await tamper(`UPDATE decision_chain SET record_hash = $2 WHERE seq = $1`, [3, FORGED_HASH]);
      await tamper(`UPDATE decision_chain SET chain_hash = $2 WHERE seq = $1`, [5, FORGED_HASH]);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: { seq: 5, chainHash: FORGED_HASH }, checked: { links: 5, records: 4 }, horizon: sealed.horizon!.toISOString(),
        problems: [linkBroken(links[2]), altered(links[2]), linkBroken(links[4])],
      }));
    });

    it('finds a missing chain position, without judging the link after it', async () => {
      const { links, sealed } = await sealedChain(5);
      await tamper(`DELETE FROM decision_chain WHERE seq = 3`);
      await deleteDecision(links[2].id);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 4, records: 4 }, horizon: sealed.horizon!.toISOString(), problems: [missing(3)],
      }));
    });

    it('finds a missing chain position whose decision stayed: the decision is then an inserted record', async () => {
      const { links, sealed } = await sealedChain(5);
      await tamper(`DELETE FROM decision_chain WHERE seq = 3`);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 4, records: 4 }, horizon: sealed.horizon!.toISOString(), problems: [inserted(links[2], 2), missing(3)],
      }));
    });

    it('finds several missing chain positions as one finding', async () => {
      const { links, sealed } = await sealedChain(5);
      await tamper(`DELETE FROM decision_chain WHERE seq BETWEEN 2 AND 4`);
      for (const l of links.slice(1, 4)) await deleteDecision(l.id);
      expect(await verifyChain(run)).toStrictEqual(report({
        head: headAt(links[4]), checked: { links: 2, records: 2 }, horizon: sealed.horizon!.toISOString(), problems: [missing(2, 4)],
      }));
    });

    it('finds the missing anchor of a range, and then does not judge the first link of the range', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      await tamper(`DELETE FROM decision_chain WHERE seq = 2`);
      await deleteDecision(links[1].id);
      expect(await verifyChain(run, { fromSeq: 3 })).toStrictEqual(report({
        range: { fromSeq: 3, toSeq: null, from: null, to: null }, anchor: { seq: 2, chainHash: null }, head: headAt(links[4]),
        checked: { links: 3, records: 3 }, horizon, problems: [missingAnchor(2)],
      }));
      expect(await verifyChain(run, { from: links[2].at, to: links[3].at })).toStrictEqual(report({
        range: { ...NO_RANGE, from: links[2].at.toISOString(), to: links[3].at.toISOString() }, anchor: { seq: 2, chainHash: null }, head: headAt(links[2]),
        checked: { links: 1, records: 1 }, horizon, problems: [missingAnchor(2)],
      }));
    });

    it('finds missing positions at the end of the chain (sealed, then deleted), and a missing anchor past them', async () => {
      const { links, sealed } = await sealedChain(5);
      const horizon = sealed.horizon!.toISOString();
      await tamper(`DELETE FROM decision_chain WHERE seq >= 4`);
      for (const l of links.slice(3)) await deleteDecision(l.id);
      expect(await verifyChain(run)).toStrictEqual(report({ head: headAt(links[2]), checked: { links: 3, records: 3 }, horizon, problems: [missing(4, 5)] }));
      expect(await verifyChain(run, { toSeq: 4 })).toStrictEqual(report({
        range: { fromSeq: null, toSeq: 4, from: null, to: null }, head: headAt(links[2]), checked: { links: 3, records: 3 }, horizon, problems: [missing(4)],
      }));
      expect(await verifyChain(run, { fromSeq: 4 })).toStrictEqual(report({
        range: { fromSeq: 4, toSeq: null, from: null, to: null }, anchor: anchorAt(links[2]), horizon, problems: [missing(4, 5)],
      }));
      expect(await verifyChain(run, { fromSeq: 6 })).toStrictEqual(report({
        range: { fromSeq: 6, toSeq: null, from: null, to: null }, anchor: { seq: 5, chainHash: null }, horizon, problems: [missingAnchor(5)],
      }));
    });

    it('counts every finding but lists the first 100, in chain order', async () => {
      const { links, sealed } = await sealedChain(105);
      await tamper(`UPDATE decision_fact SET value = '40' WHERE ordinal = 0`);
      const result = await verifyChain(run);
      expect(result).toStrictEqual({
        ok: false, range: NO_RANGE, anchor: GENESIS_ANCHOR, head: headAt(links[104]), checked: { links: 105, records: 0 }, horizon: sealed.horizon!.toISOString(),
        pending: 0, truncated: false, firstBrokenLink: altered(links[0]), problemCount: 105, problems: links.slice(0, 100).map(altered),
      });
    });
  });

  it('counts decisions newer than the horizon as pending (not an alarm), in the range that holds their position', async () => {
    const { links, sealed } = await sealedChain(3);
    const horizon = sealed.horizon!;
    const soon = new Date(Date.now() + 60 * MINUTE);
    await write(soon);
    await write(new Date(soon.getTime() + MINUTE));
    expect(await verifyChain(run)).toStrictEqual(report({ head: headAt(links[2]), checked: { links: 3, records: 3 }, horizon: horizon.toISOString(), pending: 2 }));
    expect((await verifyChain(run, { toSeq: 2 })).pending).toBe(0);
    expect((await verifyChain(run, { fromSeq: 3 })).pending).toBe(2);
    expect((await verifyChain(run, { maxLinks: 2 })).pending).toBe(0);
    expect((await verifyChain(run, { to: horizon })).pending).toBe(0);
    expect(await verifyChain(run, { from: horizon })).toStrictEqual(report({ range: { ...NO_RANGE, from: horizon.toISOString() }, horizon: horizon.toISOString(), pending: 2 }));
  });
});
