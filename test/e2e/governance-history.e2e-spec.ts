import request from 'supertest';
import { APPROVER, AUDITOR, approvedVersion, ENGINE, versionPath } from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KEY = 'scheduling-eligibility';
const FACTS = { appointmentType: 'primary-care', hasActiveCoverage: true };

interface HistoryEntry {
  action: string;
  outcome: string;
  version: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  effectiveFrom: string | null;
  problem: { code: string } | null;
}

/**
 * What the governance history says about activations: a scheduled activation reads `approved -> scheduled` with its
 * instant (the version becomes active at that instant without another entry), a superseded one `scheduled -> approved`,
 * and a refused attempt names the state the version really had then (`active` for the version active now, although
 * its stored status is `approved`).
 */
describe('governance history of activations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    for (const version of ['1.1.1', '1.1.2']) await approvedVersion(t.server, KEY, version, { copyOf: '1.1.0' });
  });
  afterAll(async () => {
    await t.close();
  });

  const entries = async (version?: string): Promise<HistoryEntry[]> =>
    (await request(t.server).get(`/v1/rulebooks/${KEY}/history?limit=1000${version ? `&version=${version}` : ''}`).set(AUDITOR).expect(200)).body.entries as HistoryEntry[];
  const last = async (version: string, action: string, outcome = 'done'): Promise<HistoryEntry | undefined> =>
    (await entries(version)).filter((e) => e.action === action && e.outcome === outcome).at(-1);
  const activeNow = async (): Promise<string> =>
    (await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: KEY, facts: FACTS }).expect(201)).body.rulebook.version as string;

  it('records an activation at a future instant as scheduled, and its refusal as asking for scheduled', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000).toISOString();
    const scheduled = await request(t.server).post(versionPath(KEY, '1.1.1', 'activate')).set(APPROVER).send({ effectiveFrom: at, comment: 'Next hour.' }).expect(200);
    expect(scheduled.body).toMatchObject({ status: 'approved', activePeriods: [{ version: '1.1.1', from: at, until: null }] });
    expect(await last('1.1.1', 'activate')).toMatchObject({ fromStatus: 'approved', toStatus: 'scheduled', effectiveFrom: at });

    await request(t.server).post(versionPath(KEY, '1.1.2', 'activate')).set(APPROVER).send({ effectiveFrom: '2020-01-01T00:00:00.000Z' }).expect(422);
    expect(await last('1.1.2', 'activate', 'refused')).toMatchObject({ fromStatus: 'approved', toStatus: 'scheduled', problem: { code: 'EFFECTIVE_FROM_NOT_IN_FUTURE' } });
  });

  it('records a refused rollback to the active version with its real status, active', async () => {
    expect(await activeNow()).toBe('1.1.0');
    const refused = await request(t.server).post(versionPath(KEY, '1.1.0', 'rollback')).set(APPROVER).send({ comment: 'Back to 1.1.0.' }).expect(409);
    expect(refused.body.code).toBe('ROLLBACK_TARGET_INVALID');
    expect(await last('1.1.0', 'rollback', 'refused')).toMatchObject({ fromStatus: 'active', toStatus: 'active', problem: { code: 'ROLLBACK_TARGET_INVALID' } });
    // A version that is only scheduled is approved, not active, when refused.
    await request(t.server).post(versionPath(KEY, '1.1.1', 'rollback')).set(APPROVER).send({ comment: 'Not active yet.' }).expect(409);
    expect(await last('1.1.1', 'rollback', 'refused')).toMatchObject({ fromStatus: 'approved', toStatus: 'active' });
  });

  it('records a superseded schedule as scheduled -> approved, and re-activating the active version as active -> active', async () => {
    const scheduledAt = (await last('1.1.1', 'activate'))!.effectiveFrom;
    await request(t.server).post(versionPath(KEY, '1.1.0', 'activate')).set(APPROVER).send({ comment: 'Cancel the schedule of 1.1.1.' }).expect(200);
    expect(await last('1.1.1', 'supersede')).toMatchObject({ fromStatus: 'scheduled', toStatus: 'approved', effectiveFrom: scheduledAt });
    expect(await last('1.1.0', 'activate')).toMatchObject({ fromStatus: 'active', toStatus: 'active' });
    const refused = await request(t.server).post(versionPath(KEY, '1.1.0', 'activate')).set(APPROVER).send({}).expect(409);
    expect(refused.body.code).toBe('ALREADY_ACTIVE');
    expect(await last('1.1.0', 'activate', 'refused')).toMatchObject({ fromStatus: 'active', toStatus: 'active' });
  });

  it('records an activation now and a rollback as approved -> active', async () => {
    await request(t.server).post(versionPath(KEY, '1.1.2', 'activate')).set(APPROVER).send({}).expect(200);
    expect(await last('1.1.2', 'activate')).toMatchObject({ fromStatus: 'approved', toStatus: 'active' });
    await request(t.server).post(versionPath(KEY, '1.1.0', 'rollback')).set(APPROVER).send({ comment: 'Back to 1.1.0.' }).expect(200);
    expect(await last('1.1.0', 'rollback')).toMatchObject({ fromStatus: 'approved', toStatus: 'active' });
    await request(t.server).post(versionPath(KEY, '1.1.0', 'rollback')).set(APPROVER).send({ comment: 'Again.' }).expect(409);
    expect(await last('1.1.0', 'rollback', 'refused')).toMatchObject({ fromStatus: 'active', problem: { code: 'ROLLBACK_TARGET_INVALID' } });
  });

  it('makes a scheduled version active at its instant, with no further history entry', async () => {
    const at = new Date(Date.now() + 1500).toISOString();
    await request(t.server).post(versionPath(KEY, '1.1.1', 'activate')).set(APPROVER).send({ effectiveFrom: at }).expect(200);
    const before = await entries('1.1.1');
    expect(before.at(-1)).toMatchObject({ action: 'activate', toStatus: 'scheduled', effectiveFrom: at });
    while (Date.now() <= Date.parse(at) + 50) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await request(t.server).get(versionPath(KEY, '1.1.1')).set(AUDITOR).expect(200)).body.status).toBe('active');
    expect(await activeNow()).toBe('1.1.1');
    expect(await entries('1.1.1')).toEqual(before);
  });
});
