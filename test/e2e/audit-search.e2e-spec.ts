import request from 'supertest';
import { AUDITOR, decide, ENGINE, HIGH_RISK_ADULT, WELL_ADULT } from '../support/audit-decisions.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The triage nurse's answers, so that the acuity is determined: NEWS2 high gives 2, the well adult with one resource 4. */
const HIGH_RISK = { ...HIGH_RISK_ADULT, lifeSavingInterventionRequired: false, highRiskSituation: false, expectedResourceCount: 2 };
const WELL = { ...WELL_ADULT, lifeSavingInterventionRequired: false, highRiskSituation: false, expectedResourceCount: 1 };

describe('GET /v1/audit/decisions and /v1/audit/decisions/{id}', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp();
    ids.a1 = (await decide(t, HIGH_RISK, { patientRef: 'Patient/A', encounterRef: 'Encounter/A1', workflowInstanceId: 'wf-1', sourceEventId: 'evt-1' })).decisionId;
    ids.a2 = (await decide(t, WELL, { patientRef: 'Patient/A', encounterRef: 'Encounter/A2' })).decisionId;
    ids.b1 = (await decide(t, HIGH_RISK, { patientRef: 'Patient/B' })).decisionId;
    ids.b2 = (await decide(t, WELL, { patientRef: 'Patient/B' })).decisionId;
    ids.n1 = (await decide(t, WELL)).decisionId;
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds every decision for a patient, newest first, with outcome and fired rules', async () => {
    const res = await request(t.server).get('/v1/audit/decisions').query({ patientRef: 'Patient/A' }).set(AUDITOR).expect(200);
    expect(res.body.data.map((d: { decisionId: string }) => d.decisionId)).toEqual([ids.a2, ids.a1]);
    const high = res.body.data[1];
    expect(high).toMatchObject({ caller: 'dev-workflow-engine', rulebook: { key: 'ed-triage', version: '1.1.0', statusAtDecision: 'approved' },
      context: { patientRef: 'Patient/A', encounterRef: 'Encounter/A1', workflowInstanceId: 'wf-1', sourceEventId: 'evt-1' } });
    expect(high.outcome.news2.riskBand).toBe('high');
    expect(high.firedRules.length).toBeGreaterThan(0);
    expect(high.recordHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(res.body.page).toEqual({ limit: 100, sort: '-evaluatedAt', nextCursor: null });
  });

  it('filters on outcome fields, fired rule, context, caller, rulebook and version, and time', async () => {
    const get = async (query: Record<string, string>) =>
      (await request(t.server).get('/v1/audit/decisions').query(query).set(AUDITOR).expect(200)).body.data.map((d: { decisionId: string }) => d.decisionId).sort();
    expect(await get({ 'outcome.news2.riskBand': 'high' })).toEqual([ids.a1, ids.b1].sort());
    const high = (await request(t.server).get(`/v1/audit/decisions/${ids.a1}`).set(AUDITOR).expect(200)).body;
    expect(high.outcome.acuity).toBe(2);
    expect(await get({ 'outcome.acuity': String(high.outcome.acuity), patientRef: 'Patient/A' })).toEqual([ids.a1]);
    expect(await get({ 'outcome.acuity': '4' })).toEqual([ids.a2, ids.b2, ids.n1].sort());
    const fired = high.explanation.rules.find((r: { fired: boolean; name: string }) => r.fired && r.name.startsWith('news2-respiratory-rate')).name;
    expect(await get({ rule: fired })).toEqual([ids.a1, ids.b1].sort());
    expect(await get({ encounterRef: 'Encounter/A1' })).toEqual([ids.a1]);
    expect(await get({ workflowInstanceId: 'wf-1' })).toEqual([ids.a1]);
    expect(await get({ sourceEventId: 'evt-1' })).toEqual([ids.a1]);
    expect(await get({ caller: 'dev-workflow-engine', rulebook: 'ed-triage', version: '1.1.0' })).toHaveLength(5);
    expect(await get({ caller: 'someone-else' })).toEqual([]);
    expect(await get({ rulebook: 'scheduling-eligibility' })).toEqual([]);
    const from = new Date(Date.now() - 3600_000).toISOString();
    expect(await get({ from, to: new Date(Date.now() + 3600_000).toISOString() })).toHaveLength(5);
    expect(await get({ to: from })).toEqual([]);
  });

  it('pages with a keyset cursor in both sort directions without repeating or skipping', async () => {
    for (const sort of ['-evaluatedAt', 'evaluatedAt', 'asOf', '-asOf']) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await request(t.server).get('/v1/audit/decisions').query({ limit: '2', sort, ...(cursor ? { cursor } : {}) }).set(AUDITOR).expect(200);
        seen.push(...res.body.data.map((d: { decisionId: string }) => d.decisionId));
        cursor = res.body.page.nextCursor ?? undefined;
        if (!cursor) break;
      }
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
    }
    const all = (await request(t.server).get('/v1/audit/decisions').query({ sort: 'evaluatedAt' }).set(AUDITOR).expect(200)).body.data;
    expect(all.map((d: { decisionId: string }) => d.decisionId)).toEqual([ids.a1, ids.a2, ids.b1, ids.b2, ids.n1]);
  });

  it.each([
    [{ limit: '0' }, '/query/limit'],
    [{ limit: '1001' }, '/query/limit'],
    [{ limit: 'ten' }, '/query/limit'],
    [{ from: 'yesterday' }, '/query/from'],
    [{ from: '2026-11-21T00:00:00Z', to: '2026-11-20T00:00:00Z' }, '/query/to'],
    [{ sort: 'patientRef' }, '/query/sort'],
    [{ cursor: 'not-a-cursor' }, '/query/cursor'],
    [{ version: 'one' }, '/query/version'],
    [{ rulebook: 'Ed Triage' }, '/query/rulebook'],
    [{ 'outcome.a;drop': 'x' }, '/query/outcome.a;drop'],
    [{ patient: 'Patient/A' }, '/query/patient'],
  ])('answers 400 with a pointer at the query parameter for %j', async (query, pointer) => {
    const res = await request(t.server).get('/v1/audit/decisions').query(query).set(AUDITOR).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  });

  it('refuses a repeated parameter and a cursor of another sort', async () => {
    const res = await request(t.server).get('/v1/audit/decisions?patientRef=Patient/A&patientRef=Patient/B').set(AUDITOR).expect(400);
    expect(res.body.errors[0].pointer).toBe('/query/patientRef');
    const page = (await request(t.server).get('/v1/audit/decisions').query({ limit: '1' }).set(AUDITOR).expect(200)).body;
    const other = await request(t.server).get('/v1/audit/decisions').query({ limit: '1', sort: 'asOf', cursor: page.page.nextCursor }).set(AUDITOR).expect(400);
    expect(other.body.errors[0].pointer).toBe('/query/cursor');
  });

  it('returns one decision with its explanation, FHIR provenance, status then and now, identifiers and chain link', async () => {
    const res = await request(t.server).get(`/v1/audit/decisions/${ids.a1}`).set(AUDITOR).expect(200);
    const own = await request(t.server).get(`/v1/decisions/${ids.a1}`).set(ENGINE).expect(200);
    expect(res.body).toMatchObject(own.body);
    expect(res.body).toMatchObject({
      decisionId: ids.a1, caller: 'dev-workflow-engine', requestId: expect.any(String), inputHash: expect.stringMatching(/^sha256:/), idempotencyKey: null,
      rulebookVersion: { key: 'ed-triage', version: '1.1.0', status: { atDecision: 'approved', now: 'approved' }, active: { atDecision: true, now: true } },
      integrity: { recordHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    });
    expect(res.body.explanation.rules.length).toBeGreaterThan(0);
    expect(res.body.explanation.facts.respiratoryRate).toMatchObject({ value: 26, source: 'request' });
    await t.app.get((await import('../../src/audit/chain/audit-chain.sealer.js')).AuditChainSealer).sealPending({ marginMs: 0 });
    const sealed = await request(t.server).get(`/v1/audit/decisions/${ids.a1}`).set(AUDITOR).expect(200);
    expect(sealed.body.integrity.chain).toMatchObject({ seq: expect.any(Number), chainHash: expect.stringMatching(/^sha256:/) });
    await request(t.server).get('/v1/audit/decisions/00000000-0000-4000-8000-000000000000').set(AUDITOR).expect(404);
    await request(t.server).get('/v1/audit/decisions/not-a-uuid').set(AUDITOR).expect(404);
  });

  it('shows the FHIR provenance of facts taken from a bundle', async () => {
    const { readFixture, lastVitalSignsAt } = await import('../support/fhir-fixtures.js');
    const bundle = readFixture('synthea-covid-pediatric/Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json');
    const asOf = new Date(lastVitalSignsAt(bundle)!.getTime() + 60_000).toISOString();
    const made = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: bundle, asOf, context: { patientRef: 'Patient/475d72ca-91c7-7211-97e3-f000af33fc04' } }).expect(201);
    const res = await request(t.server).get(`/v1/audit/decisions/${made.body.decisionId}`).set(AUDITOR).expect(200);
    expect(res.body.explanation.facts.heartRate).toMatchObject({ source: 'fhir', reference: expect.stringMatching(/^Observation\//),
      code: 'http://loinc.org|8867-4', effective: expect.any(String) });
  });

  it('refuses engines and authors (403) and callers without a token (401)', async () => {
    for (const path of ['/v1/audit/decisions', `/v1/audit/decisions/${ids.a1}`, '/v1/audit/decisions/export?format=ndjson', '/v1/audit/integrity', '/v1/audit/access-log']) {
      await request(t.server).get(path).set(ENGINE).expect(403);
      await request(t.server).get(path).set({ Authorization: 'Bearer dev-author' }).expect(403);
      await request(t.server).get(path).expect(401);
    }
    // Operators read metrics, not patients' decisions: no role includes audit:read.
    await request(t.server).get('/v1/audit/decisions').set({ Authorization: 'Bearer dev-operator' }).expect(403);
  });

  it('records every search and read in the access log, with who, filters, count and patients', async () => {
    await request(t.server).get('/v1/audit/decisions').query({ patientRef: 'Patient/B', limit: '5' }).set(AUDITOR).set('X-Request-Id', 'audit-req-1').expect(200);
    await request(t.server).get(`/v1/audit/decisions/${ids.b1}`).set(AUDITOR).set('X-Request-Id', 'audit-req-2').expect(200);
    const log = await request(t.server).get('/v1/audit/access-log').query({ accessor: 'dev-auditor', limit: '1000' }).set(AUDITOR).expect(200);
    const search = log.body.data.find((e: { requestId: string }) => e.requestId === 'audit-req-1');
    expect(search).toMatchObject({ accessor: 'dev-auditor', action: 'search', outcome: 'success', resource: '/v1/audit/decisions',
      query: { patientRef: 'Patient/B', limit: '5' }, recordCount: 2, patientRefs: ['Patient/B'] });
    const read = log.body.data.find((e: { requestId: string }) => e.requestId === 'audit-req-2');
    expect(read).toMatchObject({ action: 'read', recordCount: 1, patientRefs: ['Patient/B'], resource: `/v1/audit/decisions/${ids.b1}` });
    const again = await request(t.server).get('/v1/audit/access-log').query({ action: 'access-log' }).set(AUDITOR).expect(200);
    expect(again.body.data[0]).toMatchObject({ action: 'access-log', accessor: 'dev-auditor' });
    const paged = await request(t.server).get('/v1/audit/access-log').query({ limit: '1' }).set(AUDITOR).expect(200);
    const next = await request(t.server).get('/v1/audit/access-log').query({ limit: '1', cursor: paged.body.page.nextCursor }).set(AUDITOR).expect(200);
    expect(Number(next.body.data[0].id)).toBeLessThan(Number(paged.body.data[0].id));
    await request(t.server).get('/v1/audit/access-log').query({ action: 'delete' }).set(AUDITOR).expect(400);
  });
});
