import request from 'supertest';
import { createHash } from 'node:crypto';
import { lastVitalSignsAt, readFixture, syntheaBundles } from '../support/fhir-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };
const AUDITOR = { Authorization: 'Bearer dev-auditor' };

/**
 * An adult with NEWS2 8 (RR 26 -> 3, SpO2 90 -> 3, HR 120 -> 2): risk band high, so acuity at least 2. The triage
 * nurse's answers are not sent: only a life-saving intervention could make it 1.
 */
const HIGH_RISK_ADULT = {
  ageYears: 54, respiratoryRate: 26, spo2: 90, onSupplementalOxygen: false, systolicBp: 120,
  heartRate: 120, consciousness: 'A', temperatureC: 37.0,
};

describe('POST /v1/decisions and GET /v1/decisions/{id}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 201 with an explained decision committed to the audit record, and GET returns the same decision', async () => {
    const body = { rulebook: 'ed-triage', facts: HIGH_RISK_ADULT, asOf: '2026-11-21T09:30:00.000Z',
      context: { workflowInstanceId: 'wf-81', sourceEventId: 'evt-9', patientRef: 'Patient/123', encounterRef: 'Encounter/77' } };
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).set('X-Request-Id', 'req-e2e-1').send(body).expect(201);

    expect(res.headers['x-request-id']).toBe('req-e2e-1');
    expect(res.headers.location).toBe(`/v1/decisions/${res.body.decisionId}`);
    expect(res.body.rulebook).toEqual({ key: 'ed-triage', version: '1.1.0', contentHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(res.body.outcome.news2).toEqual({ score: 8, riskBand: 'high', riskBandAtLeast: 'high', missing: [] });
    // Missing data is never reassuring: acuity stays open (1 or 2) and names the answer that would settle it, while
    // the floor that is already certain (2, from NEWS2 high) is given.
    expect(res.body.outcome).toMatchObject({ acuity: null, acuityAtLeast: 2, dangerZoneVitals: true, undetermined: { acuity: ['lifeSavingInterventionRequired'] } });
    expect(res.body.outcome.reasons.map((r: { code: string }) => r.code)).toEqual(['NEWS2_HIGH', 'ACUITY_INPUT_MISSING']);
    expect(res.body.explanation.missingFacts).toEqual(expect.arrayContaining(['lifeSavingInterventionRequired', 'highRiskSituation', 'expectedResourceCount']));
    expect(res.body.explanation.missingFactDetails.lifeSavingInterventionRequired).toMatchObject({ reason: 'not-in-supplied-data' });
    expect(res.body.explanation.ignoredResources).toEqual([]);
    expect(res.body.asOf).toBe('2026-11-21T09:30:00.000Z');
    expect(res.body.context).toEqual(body.context);
    expect(res.body.explanation.facts.respiratoryRate).toMatchObject({ value: 26, unit: '/min', source: 'request' });
    const rr = res.body.explanation.rules.find((r: { fired: boolean; conditions: unknown }) => r.fired && JSON.stringify(r.conditions).includes('"respiratoryRate"'));
    expect(rr).toBeDefined();
    expect(JSON.stringify(rr.conditions)).toContain('"factValue":26');

    const rows = await t.sql<{ caller: string; request_id: string; patient_ref: string; input_hash: string; rules: string; facts: string }>(
      `SELECT caller, request_id, patient_ref, input_hash,
              (SELECT count(*) FROM decision_rule r WHERE r.decision_id = d.id) AS rules,
              (SELECT count(*) FROM decision_fact f WHERE f.decision_id = d.id) AS facts
         FROM decision d WHERE id = $1`, [res.body.decisionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ caller: 'dev-workflow-engine', request_id: 'req-e2e-1', patient_ref: 'Patient/123' });
    // The input hash is the sha256 of the body bytes as sent (supertest sends JSON.stringify of the object).
    expect(rows[0].input_hash).toBe('sha256:' + createHash('sha256').update(JSON.stringify(body)).digest('hex'));
    expect(Number(rows[0].rules)).toBe(res.body.explanation.rules.length);
    expect(Number(rows[0].facts)).toBe(Object.keys(res.body.explanation.facts).length + res.body.explanation.missingFacts.length);

    const read = await request(t.server).get(`/v1/decisions/${res.body.decisionId}`).set(AUDITOR).expect(200);
    expect(read.body).toEqual(res.body);
    const own = await request(t.server).get(`/v1/decisions/${res.body.decisionId}`).set(ENGINE).expect(200);
    expect(own.body).toEqual(res.body);
  });

  it.each(syntheaBundles())('decides on the Synthea bundle %s with facts traced to FHIR resources, and older vital signs as stale', async (fixture) => {
    const bundle = readFixture(fixture);
    const last = lastVitalSignsAt(bundle);
    // Half an hour after the latest vital signs: within ed-triage's maximum age for them (PT1H), so they are used.
    const asOf = new Date((last ?? new Date('2021-01-01T00:00:00Z')).getTime() + 30 * 60 * 1000).toISOString();
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: bundle, asOf });
    expect(res.status).toBe(201);
    expect(res.body.explanation.rules.length).toBeGreaterThan(0);
    expect(res.body.explanation.facts.ageYears).toMatchObject({ source: 'fhir', reference: expect.stringMatching(/^Patient\//) });
    // Every missing fact says why.
    const details = res.body.explanation.missingFactDetails as Record<string, { reason: string; effective?: string }>;
    expect(Object.keys(details).sort()).toEqual([...res.body.explanation.missingFacts].sort());
    if (last) {
      const observed = Object.entries(res.body.explanation.facts as Record<string, { source: string; reference?: string; effective?: string }>)
        .filter(([, f]) => f.source === 'fhir' && f.reference?.startsWith('Observation/'));
      expect(observed.length).toBeGreaterThan(0);
      for (const [, f] of observed) {
        expect(Date.parse(f.effective!)).toBeLessThanOrEqual(Date.parse(asOf));
        expect(Date.parse(asOf) - Date.parse(f.effective!)).toBeLessThanOrEqual(60 * 60 * 1000);
      }
      // A reading older than an hour (from an earlier encounter) is not used: missing as stale, with its time.
      for (const detail of Object.values(details).filter((d) => d.reason === 'stale')) {
        expect(Date.parse(asOf) - Date.parse(detail.effective!)).toBeGreaterThan(60 * 60 * 1000);
      }

      // A day later the same readings are stale: missing, each with the resource and time it was taken.
      const dayLater = new Date(last.getTime() + 24 * 60 * 60 * 1000).toISOString();
      const later = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: bundle, asOf: dayLater }).expect(201);
      for (const [name, f] of observed) {
        expect(later.body.explanation.facts[name]).toBeUndefined();
        expect(later.body.explanation.missingFacts).toContain(name);
        expect(later.body.explanation.missingFactDetails[name]).toMatchObject({ reason: 'stale', reference: f.reference, effective: f.effective });
      }
    }
    const read = await request(t.server).get(`/v1/decisions/${res.body.decisionId}`).set(AUDITOR).expect(200);
    expect(read.body).toEqual(res.body);
  });

  it('gives children news2 null and judges danger-zone vitals on their exact age', async () => {
    const bundle = readFixture('synthea-covid-pediatric/Les282_Bernier607_4f1ad84a-f8a2-2de6-343d-007efe781585.json');
    const asOf = new Date(lastVitalSignsAt(bundle)!.getTime() + 60_000).toISOString();
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: bundle, asOf }).expect(201);
    expect(res.body.outcome.news2).toBeNull();
    expect(res.body.explanation.facts.ageYears.value).toBeLessThan(16);
    expect(typeof res.body.outcome.dangerZoneVitals).toBe('boolean');
  });

  it('derives blood pressure, SpO2 and temperature from the real Synthea COVID bundle', async () => {
    const bundle = readFixture('synthea-covid-pediatric/Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json');
    const asOf = new Date(lastVitalSignsAt(bundle)!.getTime() + 60_000).toISOString();
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: bundle, asOf }).expect(201);
    const facts = res.body.explanation.facts;
    for (const name of ['systolicBp', 'spo2', 'heartRate', 'respiratoryRate', 'temperatureC']) {
      expect(facts[name]).toMatchObject({ source: 'fhir', code: expect.stringMatching(/^http:\/\/loinc\.org\|/) });
    }
    expect(facts.systolicBp.unit).toBe('mm[Hg]');
    expect(facts.temperatureC.unit).toBe('Cel');
  });

  it('uses the Synthea COVID vital signs while fresh and, once older than an hour, leaves the acuity open instead of less urgent', async () => {
    const bundle = readFixture('synthea-covid-pediatric/Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json');
    const last = lastVitalSignsAt(bundle)!;
    // The triage nurse's answers, as a workflow sends them next to the FHIR data: alert, one resource expected.
    const nurse = { consciousness: 'A', lifeSavingInterventionRequired: false, highRiskSituation: false, expectedResourceCount: 1 };
    const decide = (asOf: Date) => request(t.server).post('/v1/decisions').set(ENGINE)
      .send({ rulebook: 'ed-triage', fhir: bundle, facts: nurse, asOf: asOf.toISOString() }).expect(201);

    const fresh = await decide(new Date(last.getTime() + 60_000));
    expect(fresh.body.explanation.facts.spo2).toMatchObject({ value: 86, source: 'fhir', effective: last.toISOString() });
    expect(fresh.body.outcome).toMatchObject({ acuity: 2, acuityAtLeast: 2 });
    expect(fresh.body.outcome.reasons.map((r: { code: string }) => r.code)).toContain('HYPOXIA_SPO2_BELOW_90');

    // Two hours later the same SpO2 is stale: not used, named with its time, and the acuity is undetermined (the
    // floor of one resource, 4, is all that is certain), never 4 as if the saturation were normal.
    const later = await decide(new Date(last.getTime() + 2 * 60 * 60 * 1000));
    expect(later.body.explanation.facts.spo2).toBeUndefined();
    expect(later.body.explanation.missingFactDetails.spo2).toMatchObject({ reason: 'stale', effective: last.toISOString(), reference: fresh.body.explanation.facts.spo2.reference });
    expect(later.body.outcome).toMatchObject({ acuity: null, acuityAtLeast: 4 });
    expect(later.body.outcome.undetermined.acuity).toContain('spo2');
  });

  it('replays an idempotent request, refuses a reused key with another body, and writes nothing new', async () => {
    const body = { rulebook: 'ed-triage', facts: HIGH_RISK_ADULT, asOf: '2026-11-21T10:00:00.000Z' };
    const first = await request(t.server).post('/v1/decisions').set(ENGINE).set('Idempotency-Key', 'key-1').send(body).expect(201);
    const again = await request(t.server).post('/v1/decisions').set(ENGINE).set('Idempotency-Key', 'key-1').send(body).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await request(t.server).post('/v1/decisions').set(ENGINE).set('Idempotency-Key', 'key-1')
      .send({ ...body, asOf: '2026-11-21T10:00:01.000Z' }).expect(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const count = await t.sql<{ n: string }>(`SELECT count(*) AS n FROM decision WHERE idempotency_key = 'key-1'`);
    expect(Number(count[0].n)).toBe(1);
  });

  it('answers 409 to a request whose key is still in flight, and records one decision', async () => {
    const body = { rulebook: 'ed-triage', fhir: readFixture(syntheaBundles()[0]), asOf: '2021-06-01T00:00:00.000Z' };
    const results = await Promise.all(Array.from({ length: 6 }, () =>
      request(t.server).post('/v1/decisions').set(ENGINE).set('Idempotency-Key', 'key-concurrent').send(body)));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses).toContain(201);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.decisionId));
    expect(ids.size).toBe(1);
    const count = await t.sql<{ n: string }>(`SELECT count(*) AS n FROM decision WHERE idempotency_key = 'key-concurrent'`);
    expect(Number(count[0].n)).toBe(1);
  });

  it('keeps the audit append-only: UPDATE and DELETE are rejected by the database', async () => {
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: HIGH_RISK_ADULT }).expect(201);
    await expect(t.sql(`UPDATE decision SET caller = 'x' WHERE id = $1`, [res.body.decisionId])).rejects.toThrow(/append-only/);
    await expect(t.sql(`DELETE FROM decision_fact WHERE decision_id = $1`, [res.body.decisionId])).rejects.toThrow(/append-only/);
    await expect(t.sql(`TRUNCATE decision_rule CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('answers 503 and records nothing when the audit write fails because the database cannot serve (disk full)', async () => {
    await t.sql(`CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full' USING ERRCODE = 'disk_full'; END $$`);
    await t.sql(`CREATE TRIGGER fail_fact BEFORE INSERT ON decision_fact FOR EACH ROW EXECUTE FUNCTION fail_insert()`);
    try {
      const before = await t.sql<{ n: string }>(`SELECT count(*) AS n FROM decision`);
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: HIGH_RISK_ADULT }).expect(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).not.toHaveProperty('outcome');
      expect(JSON.stringify(res.body)).not.toMatch(/disk full|decision_fact|INSERT/);
      const after = await t.sql<{ n: string }>(`SELECT count(*) AS n FROM decision`);
      expect(after[0].n).toBe(before[0].n);
    } finally {
      await t.sql(`DROP TRIGGER fail_fact ON decision_fact`);
      await t.sql(`DROP FUNCTION fail_insert()`);
    }
  });

  it('lets an engine read only its own decisions', async () => {
    const res = await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-pinning-engine' }).send({ rulebook: 'ed-triage', facts: HIGH_RISK_ADULT }).expect(201);
    await request(t.server).get(`/v1/decisions/${res.body.decisionId}`).set(ENGINE).expect(404);
    await request(t.server).get(`/v1/decisions/${res.body.decisionId}`).set({ Authorization: 'Bearer dev-author' }).expect(403);
    await request(t.server).get('/v1/decisions/not-a-uuid').set(AUDITOR).expect(404);
  });

  it('serves the OpenAPI document, Swagger UI and health probes without a token', async () => {
    const doc = await request(t.server).get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/decisions', '/v1/decisions/{decisionId}']));
    await request(t.server).get('/docs').expect((r) => expect([200, 301, 302]).toContain(r.status));
    await request(t.server).get('/health/live').expect(200);
    const ready = await request(t.server).get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
  });
});
