import request from 'supertest';
import { readFixture } from '../support/fhir-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** ed-triage 1.0.0 was never in force, so naming it takes an engine allowed to pin a version (`decision:pin-version`). */
const PINNING_ENGINE = { Authorization: 'Bearer dev-pinning-engine' };
const AUDITOR = { Authorization: 'Bearer dev-auditor' };
const BIBI = '475d72ca-91c7-7211-97e3-f000af33fc04'; // born 2009-04-29, vital signs 2020-03-07T04:20:23Z
const LES = '4f1ad84a-f8a2-2de6-343d-007efe781585'; // born 2017-05-13, vital signs 2020-03-10T20:00:04Z

/** Two Synthea children in one searchset, as a FHIR search across patients returns them. */
function twoChildren(): Record<string, unknown> {
  const bibi = readFixture(`synthea-covid-pediatric/Bibi254_Schowalter414_${BIBI}.json`) as { entry: unknown[] };
  const les = readFixture(`synthea-covid-pediatric/Les282_Bernier607_${LES}.json`) as { entry: unknown[] };
  return { resourceType: 'Bundle', type: 'searchset', entry: [...bibi.entry, ...les.entry] };
}

/** Only resources about the decision's patient are used: POST /v1/decisions with ed-triage 1.0.0 (a platform fix for every version). */
describe('patient binding through POST /v1/decisions', () => {
  let t: TestApp;
  const asOf = '2020-03-11T00:00:00.000Z';
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a searchset with two Patients and no context.patientRef: 422 AMBIGUOUS_PATIENT, nothing recorded', async () => {
    const before = await t.sql<{ n: string }>('SELECT count(*) AS n FROM decision');
    const res = await request(t.server).post('/v1/decisions').set(PINNING_ENGINE).send({ rulebook: 'ed-triage', version: '1.0.0', fhir: twoChildren(), asOf });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, code: 'AMBIGUOUS_PATIENT', detail: expect.stringContaining('context.patientRef') });
    expect(res.body.errors).toEqual([{ pointer: '/fhir', message: expect.stringContaining(`Patient/${BIBI}, Patient/${LES}`) }]);
    const after = await t.sql<{ n: string }>('SELECT count(*) AS n FROM decision');
    expect(after[0].n).toBe(before[0].n);
  });

  it('with context.patientRef uses only that patient: age and vital signs of Bibi, not of the younger Les', async () => {
    const res = await request(t.server).post('/v1/decisions').set(PINNING_ENGINE)
      .send({ rulebook: 'ed-triage', version: '1.0.0', fhir: twoChildren(), asOf, context: { patientRef: `Patient/${BIBI}` } }).expect(201);
    const facts = res.body.explanation.facts;
    expect(facts.ageYears).toMatchObject({ source: 'fhir', reference: `Patient/${BIBI}`, rawValue: '2009-04-29' });
    // Les's readings of 2020-03-10 are later and must not be taken
    for (const name of ['heartRate', 'respiratoryRate', 'spo2', 'temperatureC', 'systolicBp']) {
      expect(facts[name]).toMatchObject({ source: 'fhir', effective: '2020-03-07T04:20:23.000Z' });
    }
    expect(res.body.context).toEqual({ patientRef: `Patient/${BIBI}` });

    // the same answer as for Bibi's own bundle
    const alone = await request(t.server).post('/v1/decisions').set(PINNING_ENGINE)
      .send({ rulebook: 'ed-triage', version: '1.0.0', fhir: readFixture(`synthea-covid-pediatric/Bibi254_Schowalter414_${BIBI}.json`), asOf }).expect(201);
    expect(res.body.outcome).toEqual(alone.body.outcome);
    expect(facts.heartRate.value).toBe(alone.body.explanation.facts.heartRate.value);

    const stored = await request(t.server).get(`/v1/decisions/${res.body.decisionId}`).set(AUDITOR).expect(200);
    expect(stored.body.explanation.facts.ageYears).toMatchObject({ reference: `Patient/${BIBI}` });
  });

  it('uses the other child when patientRef names her, given as the urn:uuid of her entry', async () => {
    const res = await request(t.server).post('/v1/decisions').set(PINNING_ENGINE)
      .send({ rulebook: 'ed-triage', version: '1.0.0', fhir: twoChildren(), asOf, context: { patientRef: `urn:uuid:${LES}` } }).expect(201);
    expect(res.body.explanation.facts.ageYears).toMatchObject({ reference: `Patient/${LES}`, rawValue: '2017-05-13' });
    expect(res.body.explanation.facts.heartRate).toMatchObject({ effective: '2020-03-10T20:00:04.000Z' });
  });

  it('accepts fhirSearchComplete as a list of resource types and refuses anything else with 400', async () => {
    const fhir = readFixture(`synthea-covid-pediatric/Bibi254_Schowalter414_${BIBI}.json`);
    await request(t.server).post('/v1/decisions').set(PINNING_ENGINE)
      .send({ rulebook: 'ed-triage', version: '1.0.0', fhir, asOf, fhirSearchComplete: ['ServiceRequest', 'Coverage'] }).expect(201);
    const bad = await request(t.server).post('/v1/decisions').set(PINNING_ENGINE)
      .send({ rulebook: 'ed-triage', version: '1.0.0', fhir, asOf, fhirSearchComplete: ['service requests', 7] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/fhirSearchComplete/)]));
  });
});
