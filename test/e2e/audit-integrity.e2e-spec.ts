import pg from 'pg';
import request from 'supertest';
import { verifyCommand } from '../../audit/verify-command.js';
import { AuditChainSealer } from '../../src/audit/chain/audit-chain.sealer.js';
import { AUDITOR, decide, HIGH_RISK_ADULT, WELL_ADULT } from '../support/audit-decisions.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Tamper evidence: each test makes a fresh chain of decisions, seals it, tampers the way someone with the database
 * owner's rights would (bypassing the append-only triggers with session_replication_role = replica), and expects the
 * integrity check to name the first broken link at the right position.
 */
describe('tamper evidence: GET /v1/audit/integrity and the hash chain', () => {
  let t: TestApp;
  let sealer: AuditChainSealer;
  beforeAll(async () => {
    t = await startTestApp();
    sealer = t.app.get(AuditChainSealer);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Makes `n` decisions, seals them and returns them with their chain positions, in chain order. */
  async function sealedDecisions(n: number): Promise<{ id: string; seq: number }[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await decide(t, i % 2 ? HIGH_RISK_ADULT : WELL_ADULT, { patientRef: `Patient/t${i}` })).decisionId);
    await sealer.sealPending({ marginMs: 0 });
    const rows = await t.sql<{ decision_id: string; seq: string }>(`SELECT decision_id, seq FROM decision_chain WHERE decision_id = ANY($1::uuid[]) ORDER BY seq`, [ids]);
    expect(rows).toHaveLength(n);
    return rows.map((r) => ({ id: r.decision_id, seq: Number(r.seq) }));
  }

  /** Runs SQL as the owner with triggers and foreign keys bypassed: what a tampering superuser can do. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  const integrity = async (query: Record<string, string> = {}) => (await request(t.server).get('/v1/audit/integrity').query(query).set(AUDITOR).expect(200)).body;

  it('raises no alarm on a clean chain, and shows its head', async () => {
    const chain = await sealedDecisions(4);
    const report = await integrity();
    expect(report).toMatchObject({ ok: true, firstBrokenLink: null, problemCount: 0, truncated: false });
    expect(report.checked.links).toBeGreaterThanOrEqual(4);
    expect(report.head.seq).toBeGreaterThanOrEqual(chain[3].seq);
    const ranged = await integrity({ fromSeq: String(chain[1].seq), toSeq: String(chain[2].seq) });
    expect(ranged).toMatchObject({ ok: true, checked: { links: 2, records: 2 }, anchor: { seq: chain[0].seq } });
  });

  it('finds a changed byte in a fact at the position of its decision', async () => {
    const chain = await sealedDecisions(3);
    await tamper(`UPDATE decision_fact SET value = '27' WHERE decision_id = $1 AND name = 'respiratoryRate'`, [chain[1].id]);
    const report = await integrity({ fromSeq: String(chain[0].seq), toSeq: String(chain[2].seq) });
    expect(report.ok).toBe(false);
    expect(report.firstBrokenLink).toMatchObject({ kind: 'record-altered', seq: chain[1].seq, decisionId: chain[1].id });
    expect(report.problemCount).toBe(1);
  });

  it('finds one changed byte of the decision row (its caller)', async () => {
    const chain = await sealedDecisions(2);
    await tamper(`UPDATE decision SET caller = 'dev-workflow-enginf' WHERE id = $1`, [chain[0].id]);
    const report = await integrity({ fromSeq: String(chain[0].seq) });
    expect(report.firstBrokenLink).toMatchObject({ kind: 'record-altered', seq: chain[0].seq, decisionId: chain[0].id });
  });

  it('finds a deleted record at its position', async () => {
    const chain = await sealedDecisions(3);
    await tamper(`DELETE FROM decision_rule WHERE decision_id = $1`, [chain[1].id]);
    await tamper(`DELETE FROM decision_fact WHERE decision_id = $1`, [chain[1].id]);
    await tamper(`DELETE FROM decision WHERE id = $1`, [chain[1].id]);
    const report = await integrity({ fromSeq: String(chain[0].seq), toSeq: String(chain[2].seq) });
    expect(report.firstBrokenLink).toMatchObject({ kind: 'record-deleted', seq: chain[1].seq, decisionId: chain[1].id });
    expect(report.problemCount).toBe(1);
  });

  it('finds a deleted record whose chain link was deleted too', async () => {
    const chain = await sealedDecisions(3);
    await tamper(`DELETE FROM decision_chain WHERE seq = $1`, [chain[1].seq]);
    await tamper(`DELETE FROM decision WHERE id = $1`, [chain[1].id]);
    const report = await integrity({ fromSeq: String(chain[0].seq), toSeq: String(chain[2].seq) });
    expect(report.firstBrokenLink).toMatchObject({ kind: 'entry-missing', seq: chain[1].seq });
  });

  it('finds an inserted record (older than the sealed horizon, not in the chain) after the right position', async () => {
    const chain = await sealedDecisions(3);
    const [first] = await t.sql<{ evaluated_at: Date }>(`SELECT evaluated_at FROM decision WHERE id = $1`, [chain[0].id]);
    const [second] = await t.sql<{ evaluated_at: Date }>(`SELECT evaluated_at FROM decision WHERE id = $1`, [chain[1].id]);
    const between = new Date((first.evaluated_at.getTime() + second.evaluated_at.getTime()) / 2);
    const forged = '5a1e0000-0000-4000-8000-000000000001';
    // A plausible copy of the first decision, backdated between the first and second.
    await tamper(`INSERT INTO decision SELECT $1, $2, caller, request_id, rulebook_key, rulebook_version, content_hash, rulebook_status, as_of,
                    workflow_instance_id, source_event_id, 'Patient/forged', encounter_ref, outcome, input_hash, NULL, NULL FROM decision WHERE id = $3`,
      [forged, between, chain[0].id]);
    await tamper(`INSERT INTO decision_rule SELECT $1, $2, ordinal, name, stage, priority, fired, event, conditions FROM decision_rule WHERE decision_id = $3`, [forged, between, chain[0].id]);
    // The sealer must not launder it into the chain either.
    await sealer.sealPending({ marginMs: 0 });
    const report = await integrity({ fromSeq: String(chain[0].seq), toSeq: String(chain[2].seq) });
    expect(report.firstBrokenLink).toMatchObject({ kind: 'record-inserted', seq: chain[0].seq, decisionId: forged });
    expect(report.problemCount).toBe(1);
    const whole = await integrity();
    expect(whole.problems.map((p: { decisionId: string }) => p.decisionId)).toContain(forged);
  });

  it('finds an edited chain link', async () => {
    const chain = await sealedDecisions(2);
    await tamper(`UPDATE decision_chain SET chain_hash = 'sha256:' || repeat('1', 64) WHERE seq = $1`, [chain[0].seq]);
    const report = await integrity({ fromSeq: String(chain[0].seq), toSeq: String(chain[1].seq) });
    expect(report.firstBrokenLink).toMatchObject({ kind: 'link-broken', seq: chain[0].seq });
  });

  it('audit/verify exits 0 on an intact range, 1 naming the first broken link, and checks a kept head', async () => {
    const chain = await sealedDecisions(3);
    const env = { DATABASE_URL: t.db.url };
    const range = ['--from-seq', String(chain[0].seq), '--to-seq', String(chain[2].seq)];
    let out = '';
    expect(await verifyCommand(range, env, (text) => { out += text; })).toBe(0);
    expect(out).toMatch(/^INTACT: verified 3 links/);
    const head = /head: (\d+:sha256:[0-9a-f]{64})/.exec(out)![1];
    await tamper(`UPDATE decision_rule SET fired = NOT fired WHERE decision_id = $1 AND ordinal = 0`, [chain[2].id]);
    out = '';
    expect(await verifyCommand(range, env, (text) => { out += text; })).toBe(1);
    expect(out).toContain(`first broken link: position ${chain[2].seq}: record-altered (decision ${chain[2].id}`);
    out = '';
    expect(await verifyCommand(['--json', '--expect-head', head, ...range], env, (text) => { out += text; })).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, expectedHead: { matches: true }, firstBrokenLink: { seq: chain[2].seq } });
    await expect(verifyCommand(['--from-seq', 'x'], env, () => undefined)).rejects.toThrow(/--from-seq/);
  });

  it('validates its parameters', async () => {
    const res = await request(t.server).get('/v1/audit/integrity').query({ fromSeq: '0' }).set(AUDITOR).expect(400);
    expect(res.body.errors[0].pointer).toBe('/query/fromSeq');
    const bad = await request(t.server).get('/v1/audit/integrity').query({ fromSeq: '5', toSeq: '2', other: 'x' }).set(AUDITOR).expect(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/query/other', '/query/toSeq']);
  });
});
