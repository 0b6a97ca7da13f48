import request from 'supertest';
import { readFixture } from '../support/fhir-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };

/** HL7 R4 examples (CC0) composed into one bundle: the patient, a primary-care appointment, a Coverage, a ServiceRequest. */
function bundle(coveragePeriod: { start?: string; end?: string } | undefined) {
  // coverage-example.json covers Patient/4; made the example patient's here (only resources about the patient count)
  const coverage = { ...readFixture('hl7-r4-examples/coverage-example.json'), period: coveragePeriod, beneficiary: { reference: 'Patient/example' } };
  return {
    resourceType: 'Bundle', type: 'collection',
    entry: [
      readFixture('hl7-r4-examples/patient-example.json'),
      readFixture('hl7-r4-examples/appointment-example.json'),
      coverage,
      readFixture('hl7-r4-examples/servicerequest-example.json'),
    ].map((resource) => ({ resource })),
  };
}

describe('scheduling-eligibility from FHIR R4 resources', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is not eligible when the Coverage period ended before the appointment, and says why', async () => {
    // coverage-example.json as published: period 2011-05-23 to 2012-05-23; the appointment starts 2013-12-10.
    const fhir = bundle({ start: '2011-05-23', end: '2012-05-23' });
    // The caller states it sent every Coverage of the patient: no active one means none (1.1.0, hazard S2).
    const res = await request(t.server).post('/v1/decisions').set(ENGINE)
      .send({ rulebook: 'scheduling-eligibility', fhir, fhirSearchComplete: ['Coverage'], asOf: '2013-12-01T00:00:00.000Z' }).expect(201);
    expect(res.body.outcome.eligible).toBe(false);
    expect(res.body.outcome.reasons.map((r: { code: string }) => r.code)).toContain('NO_ACTIVE_COVERAGE');
    expect(res.body.explanation.facts.appointmentType).toMatchObject({ value: 'primary-care', source: 'fhir', reference: 'Appointment/example' });
    expect(res.body.explanation.facts.appointmentStart).toMatchObject({ value: '2013-12-10T09:00:00.000Z', source: 'fhir' });
    expect(res.body.explanation.facts.hasActiveCoverage).toMatchObject({ value: false, source: 'fhir' });
    expect(res.body.explanation.facts.ageYears).toMatchObject({ source: 'fhir', reference: 'Patient/example' });
    // Without that statement an expired Coverage does not prove there is no other: coverage is to be verified.
    const unsure = await request(t.server).post('/v1/decisions').set(ENGINE)
      .send({ rulebook: 'scheduling-eligibility', fhir, asOf: '2013-12-01T00:00:00.000Z' }).expect(201);
    expect(unsure.body.outcome).toMatchObject({ eligible: null, requirements: [{ code: 'COVERAGE_VERIFICATION' }] });
    expect(unsure.body.explanation.missingFactDetails.hasActiveCoverage).toMatchObject({ reason: 'not-in-supplied-data' });
  });

  it('is eligible for primary care when the Coverage is active at the appointment start', async () => {
    const fhir = bundle({ start: '2013-01-01', end: '2014-12-31' });
    const res = await request(t.server).post('/v1/decisions').set(ENGINE)
      .send({ rulebook: 'scheduling-eligibility', fhir, asOf: '2013-12-01T00:00:00.000Z' }).expect(201);
    expect(res.body.outcome).toMatchObject({ eligible: true, requirements: [] });
    expect(res.body.explanation.facts.hasActiveCoverage).toMatchObject({ value: true, source: 'fhir', reference: 'Coverage/9876B1' });
  });

  it('lets request facts override FHIR: a specialist visit needs a referral on file', async () => {
    const fhir = bundle({ start: '2013-01-01' });
    fhir.entry.pop(); // no ServiceRequest
    const res = await request(t.server).post('/v1/decisions').set(ENGINE)
      .send({ rulebook: 'scheduling-eligibility', fhir, facts: { appointmentType: 'specialist' }, fhirSearchComplete: ['ServiceRequest'], asOf: '2013-12-01T00:00:00.000Z' }).expect(201);
    expect(res.body.outcome.eligible).toBe(false);
    expect(res.body.explanation.facts.appointmentType).toMatchObject({ value: 'specialist', source: 'request' });
    expect(res.body.explanation.facts.hasReferral).toMatchObject({ value: false, source: 'fhir' });
    expect([...res.body.outcome.reasons, ...res.body.outcome.requirements].map((r: { code: string }) => r.code).join(' ')).toMatch(/REFERRAL/);
  });
});
