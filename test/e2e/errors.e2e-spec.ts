import request from 'supertest';
import { createHash } from 'node:crypto';
import { readFixture } from '../support/fhir-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { hashToken } from '../../src/common/token-hash.js';

const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };
const FACTS = { ageYears: 40, respiratoryRate: 16, spo2: 98, onSupplementalOxygen: false, systolicBp: 125, heartRate: 70, consciousness: 'A', temperatureC: 36.8 };

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String), instance: expect.any(String) });
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+|node_modules|SELECT |INSERT /);
}

describe('error cases of the contract answer as problem+json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('401 without or with an unknown token, 403 without the role', async () => {
    expectProblem(await request(t.server).post('/v1/decisions').send({ rulebook: 'ed-triage', facts: FACTS }), 401, 'UNAUTHENTICATED');
    expectProblem(await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer nope' }).send({ rulebook: 'ed-triage', facts: FACTS }), 401, 'UNAUTHENTICATED');
    expectProblem(await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-auditor' }).send({ rulebook: 'ed-triage', facts: FACTS }), 403, 'FORBIDDEN');
  });

  it('400 for malformed JSON', async () => {
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).set('Content-Type', 'application/json').send('{"rulebook": "ed-triage",');
    expectProblem(res, 400, 'MALFORMED_JSON');
  });

  it('400 with a pointer for each schema violation and unknown property', async () => {
    const res = await request(t.server).post('/v1/decisions').set(ENGINE)
      .send({ rulebook: 'ED TRIAGE', facts: FACTS, asOf: 'yesterday', colour: 'red', context: { ward: 7 } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/rulebook', '/asOf', '/colour', '/context/ward']));
  });

  it('400 when neither facts nor fhir is given, or facts is not an object', async () => {
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage' }), 400, 'VALIDATION_FAILED');
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: [1, 2] });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors[0].pointer).toBe('/facts');
  });

  it('400 for an unknown fact or a fact of the wrong type, with its pointer', async () => {
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...FACTS, shoeSize: 9, heartRate: 'fast' } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/facts/shoeSize', '/facts/heartRate']));
  });

  it('422 for a fact outside its physiological range or in a wrong unit, with its pointer', async () => {
    const range = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...FACTS, spo2: 101 } });
    expectProblem(range, 422, 'UNPROCESSABLE_FACTS');
    expect(range.body.errors[0].pointer).toBe('/facts/spo2');
    const unit = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...FACTS, temperatureC: { value: 37, unit: 'kg' } } });
    expectProblem(unit, 422, 'UNPROCESSABLE_FACTS');
    expect(unit.body.errors[0].pointer).toMatch(/^\/facts\/temperatureC/);
  });

  it('converts a fact sent in another UCUM unit ([degF] to Cel)', async () => {
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...FACTS, temperatureC: { value: 101.3, unit: '[degF]' } } }).expect(201);
    expect(res.body.explanation.facts.temperatureC).toMatchObject({ value: 38.5, unit: 'Cel', rawValue: 101.3, rawUnit: '[degF]' });
  });

  it('422 for a structurally invalid FHIR resource, pointing into the bundle', async () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [
      { resource: { resourceType: 'Patient', id: 'p1', birthDate: '1970-01-01' } },
      { resource: { resourceType: 'Observation', id: 'o1', status: 42, code: { coding: [{ system: 'http://loinc.org', code: '9279-1' }] } } },
    ] };
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: bundle });
    expectProblem(res, 422, 'FHIR_INVALID');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/fhir/entry/1/resource/status');
  });

  it('404 for an unknown rulebook or version', async () => {
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'no-such-book', facts: FACTS }), 404, 'RULEBOOK_NOT_FOUND');
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', version: '9.9.9', facts: FACTS }), 404, 'RULEBOOK_VERSION_NOT_FOUND');
  });

  it('409 for a version that is not evaluable (draft or retired)', async () => {
    const doc = (await t.sql<{ content: Record<string, unknown> }>(`SELECT content FROM rulebook_version WHERE rulebook_key = 'ed-triage'`))[0].content;
    const draft = { ...doc, version: '1.2.0-draft.1' };
    await t.sql(`INSERT INTO rulebook_version (id, rulebook_key, version, status, content, content_hash, provenance, created_by)
                 VALUES (gen_random_uuid(), 'ed-triage', '1.2.0-draft.1', 'draft', $1, $2, 'api', 'dev-author')`,
      [JSON.stringify(draft), 'sha256:' + createHash('sha256').update(JSON.stringify(draft)).digest('hex')]);
    await t.app.get((await import('../../src/rulebooks/rulebook-registry.service.js')).RulebookRegistry).reload();
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', version: '1.2.0-draft.1', facts: FACTS }), 409, 'RULEBOOK_VERSION_NOT_EVALUABLE');
  });

  it('413 for a body over 1 MiB', async () => {
    const big = { rulebook: 'ed-triage', facts: FACTS, fhir: { resourceType: 'Bundle', type: 'collection', entry: [] as unknown[] } };
    const note = 'x'.repeat(1024);
    for (let i = 0; i < 1100; i++) big.fhir.entry.push({ resource: { resourceType: 'Basic', id: `b${i}`, text: { status: 'generated', div: note } } });
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send(big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('400 for an Idempotency-Key that is not printable ASCII or too long', async () => {
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).set('Idempotency-Key', 'k'.repeat(256)).send({ rulebook: 'ed-triage', facts: FACTS }), 400, 'INVALID_IDEMPOTENCY_KEY');
  });

  it('echoes a valid X-Request-Id and generates one otherwise', async () => {
    const given = await request(t.server).get('/health/live').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await request(t.server).get('/health/live');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('404 problem for an unknown route', async () => {
    expectProblem(await request(t.server).get('/v2/nothing').set(ENGINE), 404, 'NOT_FOUND');
  });

  it('a HL7 example resource sent alone is accepted (single resource, not a bundle)', async () => {
    const rr = readFixture('hl7-r4-examples/observation-example-respiratory-rate.json');
    // Effective 1999-07-02 (a date: its start); ed-triage 1.1.0 uses vital signs up to one hour old.
    const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: rr, asOf: '1999-07-02T00:30:00.000Z' }).expect(201);
    expect(res.body.explanation.facts.respiratoryRate).toMatchObject({ value: 26, source: 'fhir', reference: 'Observation/respiratory-rate', code: 'http://loinc.org|9279-1' });
    expect(res.body.explanation.missingFacts).toEqual(expect.arrayContaining(['ageYears', 'consciousness']));
    const later = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir: rr, asOf: '2000-01-01T00:00:00.000Z' }).expect(201);
    expect(later.body.explanation.missingFactDetails.respiratoryRate).toMatchObject({ reason: 'stale', reference: 'Observation/respiratory-rate' });
  });
});

describe('production mode', () => {
  let t: TestApp;
  const token = 'prod-engine-token-0123456789';
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', VERDICT_DEMO_AUTH: 'false', AUTH_TOKENS: JSON.stringify([
      { subject: 'epic-bridge', roles: ['decision:evaluate'], tokenHash: await hashToken(token, { N: 1024, r: 8, p: 1 }) },
    ]) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses the demo tokens and accepts a configured token', async () => {
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: FACTS }), 401, 'UNAUTHENTICATED');
    const res = await request(t.server).post('/v1/decisions').set({ Authorization: `Bearer ${token}` }).send({ rulebook: 'ed-triage', facts: FACTS }).expect(201);
    const rows = await t.sql<{ caller: string }>(`SELECT caller FROM decision WHERE id = $1`, [res.body.decisionId]);
    expect(rows[0].caller).toBe('epic-bridge');
  });
});

describe('rate limiting', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 problem+json with Retry-After above the per-caller rate, and counts callers apart', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () =>
      request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: FACTS })));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 201).length).toBeLessThanOrEqual(3);
    expectProblem(limited[0], 429, 'RATE_LIMITED');
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await request(t.server).get('/health/live').expect(200);
    await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-pinning-engine' }).send({ rulebook: 'ed-triage', facts: FACTS }).expect(201);
  });
});

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts decisions by rulebook, version and result for operators, and refuses other roles', async () => {
    await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: FACTS }).expect(201);
    await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...FACTS, spo2: 101 } }).expect(422);
    await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'no-such-book', facts: FACTS }).expect(404);
    await request(t.server).get('/metrics').set(ENGINE).expect(403);
    const res = await request(t.server).get('/metrics').set({ Authorization: 'Bearer dev-operator' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('verdict_decisions_total{rulebook="ed-triage",version="1.1.0",result="decided"} 1');
    expect(res.text).toContain('verdict_decisions_total{rulebook="ed-triage",version="",result="refused"} 1');
    expect(res.text).toContain('verdict_decisions_total{rulebook="(unknown)",version="",result="refused"} 1');
    expect(res.text).toMatch(/verdict_decision_duration_seconds_count\{rulebook="ed-triage"\} 1/);
  });
});
