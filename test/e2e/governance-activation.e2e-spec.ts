import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { loadAppConfig } from '../../src/config/app.config.js';
import { APPROVER, APPROVER_2, AUDITOR, approvedVersion, ENGINE, NORMAL_ADULT, PINNING_ENGINE, stricterTriage, versionPath } from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KEY = 'scheduling-eligibility';
const FACTS = { appointmentType: 'primary-care', hasActiveCoverage: true };

/** Another Verdict instance on the same database (as a second replica would run). */
async function startInstance(t: TestApp, env: Record<string, string>): Promise<NestFastifyApplication> {
  const config = loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_SECOND: '0', VERDICT_DEMO_AUTH: 'true', HOST: '127.0.0.1',
    ...env, DATABASE_URL: t.db.url });
  const app = await createApp(config, t.db.url, { logs: false });
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** Polls until `done` holds (every 50 ms, at most 20 s): for effects that arrive asynchronously, with no timing asserted. */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within 20 s (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Activation, time and several instances: exactly one active version under 20 concurrent activations, enforced by the
 * database; a scheduled activation at its exact instant; a decision never mixes versions; a second instance sees an
 * activation through LISTEN/NOTIFY and, without a notification, through the periodic check.
 */
describe('rulebook activation across time and instances', () => {
  let t: TestApp;
  let listening: NestFastifyApplication;
  let polling: NestFastifyApplication;
  const versions = ['1.1.1', '1.1.2', '1.1.3', '1.1.4'];

  beforeAll(async () => {
    t = await startTestApp();
    for (const version of versions) await approvedVersion(t.server, KEY, version, { copyOf: '1.1.0' });
    // Only NOTIFY can refresh this one within the test (its periodic check runs hourly) ...
    listening = await startInstance(t, { RULEBOOK_POLL_SECONDS: '3600' });
    // ... and this one is checked every second; it also needs two approvals for scheduling-eligibility.
    polling = await startInstance(t, { RULEBOOK_POLL_SECONDS: '1', APPROVALS_REQUIRED: '{"scheduling-eligibility":2}' });
  });
  afterAll(async () => {
    await listening?.close();
    await polling?.close();
    await t.close();
  });

  // A future asOf (a scheduled activation's instant) runs rules not in force yet: only an engine holding decision:pin-version may ask.
  const activeIn = async (server: import('node:http').Server, asOf?: string): Promise<string> =>
    (await request(server).post('/v1/decisions').set(asOf ? PINNING_ENGINE : ENGINE).send({ rulebook: KEY, facts: FACTS, ...(asOf ? { asOf } : {}) }).expect(201)).body.rulebook.version;

  const timelineProblems = async (): Promise<{ active_now: number; overlaps: number; gaps: number }> =>
    (await t.sql<{ active_now: number; overlaps: number; gaps: number }>(`
      SELECT (SELECT count(*)::int FROM rulebook_active_period WHERE rulebook_key = $1 AND valid_from <= now() AND valid_until > now()) AS active_now,
             (SELECT count(*)::int FROM rulebook_active_period a JOIN rulebook_active_period b
                ON a.rulebook_key = b.rulebook_key AND a.valid_from < b.valid_from AND a.valid_until > b.valid_from WHERE a.rulebook_key = $1) AS overlaps,
             (SELECT count(*)::int FROM (SELECT valid_until, lead(valid_from) OVER (ORDER BY valid_from) AS next FROM rulebook_active_period WHERE rulebook_key = $1) s
                WHERE next IS NOT NULL AND next <> valid_until) AS gaps`, [KEY]))[0];

  it('leaves exactly one active version after 20 concurrent activations', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      request(t.server).post(versionPath(KEY, versions[i % versions.length], 'activate')).set(i % 2 ? APPROVER : APPROVER_2).send({ comment: `race ${i}` })));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(statuses).toContain(200);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('ALREADY_ACTIVE');

    expect(await timelineProblems()).toEqual({ active_now: 1, overlaps: 0, gaps: 0 });
    const [{ version: activeInDb }] = await t.sql<{ version: string }>(
      `SELECT version FROM rulebook_active_period WHERE rulebook_key = $1 AND valid_from <= now() AND valid_until > now()`, [KEY]);
    const listed = await request(t.server).get('/v1/rulebooks').set(AUDITOR).expect(200);
    expect(listed.body.find((r: { key: string }) => r.key === KEY).activeVersion.version).toBe(activeInDb);
    expect(await activeIn(t.server)).toBe(activeInDb);
    const versionsList = await request(t.server).get(`/v1/rulebooks/${KEY}/versions`).set(AUDITOR).expect(200);
    expect(versionsList.body.filter((v: { status: string }) => v.status === 'active').map((v: { version: string }) => v.version)).toEqual([activeInDb]);

    // Every attempt is in the history: the activations that won and the refusals.
    const history = (await request(t.server).get(`/v1/rulebooks/${KEY}/history?limit=1000`).set(AUDITOR).expect(200)).body.entries as { action: string; outcome: string; comment: string | null }[];
    const races = history.filter((e) => e.action === 'activate' && e.comment?.startsWith('race '));
    expect(races).toHaveLength(20);
    expect(races.filter((e) => e.outcome === 'done')).toHaveLength(statuses.filter((s) => s === 200).length);
  });

  it('is enforced by the database: no overlapping periods, no gap, only approved versions', async () => {
    await expect(t.sql(`INSERT INTO rulebook_active_period (rulebook_key, valid_from, valid_until, version, activation_id)
      SELECT $1, now() - interval '1 day', now() + interval '1 day', '1.1.1', min(id) FROM rulebook_activation`, [KEY])).rejects.toThrow(/one_version_at_a_time/);
    await expect(t.sql(`DELETE FROM rulebook_active_period WHERE rulebook_key = $1 AND valid_until = 'infinity'`, [KEY])).rejects.toThrow(/gap/);
    await t.sql(`INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by)
      SELECT gen_random_uuid(), rulebook_key, '9.0.0', 'draft', content, content_hash, 'api', 'sql' FROM rulebook_version WHERE rulebook_key = $1 AND version = '1.1.0'`, [KEY]);
    await expect(t.sql(`UPDATE rulebook_active_period SET version = '9.0.0' WHERE rulebook_key = $1 AND valid_until = 'infinity'`, [KEY])).rejects.toThrow(/only approved versions/);
    await expect(t.sql(`UPDATE rulebook_version SET status = 'approved' WHERE rulebook_key = $1 AND version = '9.0.0'`, [KEY])).rejects.toThrow(/not a lifecycle transition/);
    const [{ version }] = await t.sql<{ version: string }>(`SELECT version FROM rulebook_active_period WHERE rulebook_key = $1 AND valid_until = 'infinity'`, [KEY]);
    await expect(t.sql(`UPDATE rulebook_version SET status = 'retired' WHERE rulebook_key = $1 AND version = $2`, [KEY, version])).rejects.toThrow(/active or scheduled/);
    expect(await timelineProblems()).toEqual({ active_now: 1, overlaps: 0, gaps: 0 });
  });

  it('takes a scheduled activation into effect at its effectiveFrom exactly, on every instance', async () => {
    const current = await activeIn(t.server);
    const next = versions.find((v) => v !== current)!;
    await eventually(() => activeIn(listening.getHttpServer()), (v) => v === current, 'the listening instance has the current version');
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2 * 3_600_000).toISOString();
    await request(t.server).post(versionPath(KEY, next, 'activate')).set(APPROVER).send({ effectiveFrom: at }).expect(200);
    const justBefore = new Date(Date.parse(at) - 1).toISOString();
    expect(await activeIn(t.server, justBefore)).toBe(current);
    expect(await activeIn(t.server, at)).toBe(next);
    expect(await activeIn(t.server)).toBe(current);
    // The other instance learns of the schedule through NOTIFY (its periodic check is an hour away).
    await eventually(() => activeIn(listening.getHttpServer(), at), (v) => v === next, 'the listening instance sees the scheduled activation');
    expect(await activeIn(listening.getHttpServer(), justBefore)).toBe(current);
  });

  it('lets another instance see an activation through LISTEN/NOTIFY', async () => {
    const current = await activeIn(t.server);
    const next = versions.find((v) => v !== current)!;
    expect(await activeIn(listening.getHttpServer())).toBe(current);
    await request(t.server).post(versionPath(KEY, next, 'activate')).set(APPROVER_2).send({}).expect(200);
    expect(await activeIn(t.server)).toBe(next);
    await eventually(() => activeIn(listening.getHttpServer()), (v) => v === next, 'the listening instance sees the activation');
  });

  it('catches a change that was never notified with the periodic check', async () => {
    const current = await activeIn(t.server);
    const next = versions.find((v) => v !== current)!;
    await eventually(() => activeIn(polling.getHttpServer()), (v) => v === current, 'the polling instance has the current version');
    // Written straight into the database, without pg_notify (as a lost notification would look).
    await t.sql(`
      BEGIN;
      DELETE FROM rulebook_active_period WHERE rulebook_key = '${KEY}' AND valid_from > now();
      INSERT INTO rulebook_activation (rulebook_key, version, effective_from, activated_by, comment) VALUES ('${KEY}', '${next}', now(), 'sql', 'no notify');
      UPDATE rulebook_active_period SET valid_until = now() WHERE rulebook_key = '${KEY}' AND valid_until = 'infinity';
      INSERT INTO rulebook_active_period (rulebook_key, valid_from, valid_until, version, activation_id)
        SELECT '${KEY}', now(), 'infinity', '${next}', max(id) FROM rulebook_activation;
      COMMIT;`);
    await eventually(() => activeIn(polling.getHttpServer()), (v) => v === next, 'the polling instance sees the change');
  });

  it('reads the approvals each kind needs from APPROVALS_REQUIRED', async () => {
    const list = await request(polling.getHttpServer()).get('/v1/rulebooks').set(AUDITOR).expect(200);
    expect(list.body.find((r: { key: string }) => r.key === KEY).approvalsRequired).toBe(2);
    expect(list.body.find((r: { key: string }) => r.key === 'ed-triage').approvalsRequired).toBe(1);
  });

  it('never mixes two versions in one decision while the active version changes', async () => {
    const approved = await approvedVersion(t.server, 'ed-triage', '1.2.0', { document: stricterTriage('1.2.0') });
    expect(approved.status).toBe('approved');
    const body = { rulebook: 'ed-triage', facts: { ...NORMAL_ADULT, respiratoryRate: 23 } };
    const decisions = Array.from({ length: 30 }, () => request(t.server).post('/v1/decisions').set(ENGINE).send(body));
    const activation = request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({});
    const [activated, ...answers] = await Promise.all([activation, ...decisions]);
    expect(activated.status).toBe(200);
    // RR 23/min scores 2 under 1.1.0 and 3 under 1.2.0: each answer's outcome is that of the version it names.
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      const expected = answer.body.rulebook.version === '1.2.0' ? { score: 3, contentHash: approved.contentHash } : { score: 2 };
      expect(['1.1.0', '1.2.0']).toContain(answer.body.rulebook.version);
      expect(answer.body.outcome.news2.score).toBe(expected.score);
      if (expected.contentHash) expect(answer.body.rulebook.contentHash).toBe(expected.contentHash);
      const fired = answer.body.explanation.rules.filter((r: { fired: boolean }) => r.fired).map((r: { name: string }) => r.name);
      expect(fired).toContain(expected.score === 3 ? 'news2-respiratory-rate-3-high' : 'news2-respiratory-rate-2-high');
    }
  });
});
