import request from 'supertest';
import type { DecisionRecord } from '../../src/audit/decision-record.js';
import { readFixture } from '../support/fhir-fixtures.js';
import {
  fhirBundle, LOINC, observation, patient, quantity, vitalSignObservations, type FhirResource, type VitalSigns,
} from '../support/fhir-builders.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };
/** An engine allowed to name a version other than the one in force (`decision:pin-version`). */
const PINNING_ENGINE = { Authorization: 'Bearer dev-pinning-engine' };
const AUDITOR = { Authorization: 'Bearer dev-auditor' };

/** Triage: the decision instant and when the vital signs were taken (20 minutes before). */
const AS_OF = '2026-11-21T09:30:00.000Z';
const TAKEN = '2026-11-21T09:10:00.000Z';
/** The triage nurse's answers a workflow sends with the FHIR data (ESI decision points A and B, ACVPU alert). */
const NURSE = { consciousness: 'A', lifeSavingInterventionRequired: false, highRiskSituation: false };
/** A 46-year-old adult (born 1980-05-01). */
const ADULT = 'adult';
const ADULT_BIRTH_DATE = '1980-05-01';

type Outcome = Record<string, unknown> & { reasons: { code: string; facts?: unknown[] }[]; requirements?: { code: string }[] };

/** An adult with the given vital signs, taken 20 minutes before asOf, as one FHIR Bundle (plus further resources). */
function adultWith(vitals: VitalSigns, ...more: FhirResource[]) {
  return fhirBundle([patient(ADULT, ADULT_BIRTH_DATE), ...vitalSignObservations(ADULT, TAKEN, vitals), ...more]);
}

const codes = (items: { code: string }[] | undefined) => (items ?? []).map((i) => i.code);

/**
 * Issue 7 ("Clinical safety"): every example of the clinical safety review, tried as a new user would through
 * `POST /v1/decisions` with FHIR R4 input on the active versions (ed-triage 1.1.0, scheduling-eligibility 1.1.0),
 * gives the safe answer and explains it; the auditor reads the same decision back. Each example is also a
 * `hazard-…` scenario of the rulebook. Example 8 (overlapping NEWS2 bands refused at submit) is
 * `rulebook-defects.e2e-spec.ts`.
 */
describe('clinical safety (issue 7) through POST /v1/decisions with FHIR input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** Posts a decision request (as `engine`), expects 201, and checks that the auditor's GET returns the very same decision. */
  async function decide(body: Record<string, unknown>, engine = ENGINE): Promise<DecisionRecord & { outcome: Outcome }> {
    const res = await request(t.server).post('/v1/decisions').set(engine).send(body);
    if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${JSON.stringify(res.body)}`);
    const read = await request(t.server).get(`/v1/decisions/${res.body.decisionId}`).set(AUDITOR).expect(200);
    expect(read.body).toEqual(res.body);
    return res.body as DecisionRecord & { outcome: Outcome };
  }

  async function decisionCount(): Promise<number> {
    return Number((await t.sql<{ n: string }>('SELECT count(*) AS n FROM decision'))[0].n);
  }

  describe('1-3. missing data is never reassuring', () => {
    const spo2Of88WithoutTemperature = {
      rulebook: 'ed-triage', asOf: AS_OF,
      fhir: adultWith({ respiratoryRate: 16, heartRate: 72, spo2: 88, systolicBp: 125 }),
      facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false },
    };

    it('1. SpO2 88 % with the temperature missing and one resource: acuity 2 (hypoxia floor), not 4', async () => {
      const d = await decide(spo2Of88WithoutTemperature);
      expect(d.rulebook.version).toBe('1.1.0');
      expect(d.outcome).toMatchObject({
        acuity: 2, acuityAtLeast: 2,
        news2: { score: null, riskBand: null, riskBandAtLeast: 'low-medium', missing: ['temperatureC'] },
        undetermined: { 'news2.riskBand': ['temperatureC'] },
      });
      expect(d.outcome.undetermined).not.toHaveProperty('acuity');
      expect(codes(d.outcome.reasons)).toContain('HYPOXIA_SPO2_BELOW_90');
      expect(d.explanation.facts.spo2).toMatchObject({ value: 88, unit: '%', source: 'fhir', reference: `Observation/${ADULT}-spo2`, effective: TAKEN });
      expect(d.explanation.missingFacts).toContain('temperatureC');
      expect(d.explanation.missingFactDetails.temperatureC).toMatchObject({ reason: 'not-in-supplied-data' });
    });

    it('1. the same input on ed-triage 1.0.0 (named explicitly) still evaluates, and shows the hazard 1.1.0 fixes: acuity 4', async () => {
      // 1.0.0 was never in force: naming it takes an engine allowed to pin a version.
      const d = await decide({ ...spo2Of88WithoutTemperature, version: '1.0.0' }, PINNING_ENGINE);
      expect(d.rulebook.version).toBe('1.0.0');
      expect(d.outcome.acuity).toBe(4);
      expect(d.explanation.facts.spo2).toMatchObject({ value: 88, source: 'fhir', reference: `Observation/${ADULT}-spo2` });
    });

    it('2. known NEWS2 points of 6, the temperature missing, no resources: acuity undetermined, at least 3, naming the temperature (not 5)', async () => {
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: adultWith({ respiratoryRate: 25, heartRate: 120, spo2: 95, systolicBp: 125 }),
        facts: { ...NURSE, expectedResourceCount: 0, onSupplementalOxygen: false },
      });
      expect(d.outcome).toMatchObject({
        acuity: null, acuityAtLeast: 3,
        news2: { score: null, riskBand: null, riskBandAtLeast: 'medium', missing: ['temperatureC'] },
        undetermined: { acuity: ['temperatureC'], 'news2.riskBand': ['temperatureC'] },
      });
      expect(codes(d.outcome.reasons)).toContain('NEWS2_URGENT');
      expect(d.explanation.facts.respiratoryRate).toMatchObject({ value: 25, source: 'fhir', reference: `Observation/${ADULT}-respiratoryRate` });
      expect(d.explanation.missingFactDetails.temperatureC).toMatchObject({ reason: 'not-in-supplied-data' });
    });

    it('3. no oxygen Observation (the common FHIR case), 0 known points: the band is low whatever the oxygen, acuity 4 determined', async () => {
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: adultWith({ respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8 }),
        facts: { ...NURSE, expectedResourceCount: 1 },
      });
      expect(d.outcome).toMatchObject({
        acuity: 4, acuityAtLeast: 4,
        news2: { score: null, riskBand: 'low', missing: ['onSupplementalOxygen'] },
        undetermined: {},
      });
      expect(d.explanation.missingFacts).toContain('onSupplementalOxygen');
      expect(d.explanation.missingFactDetails.onSupplementalOxygen).toMatchObject({ reason: 'not-in-supplied-data' });
    });

    it('3. no oxygen Observation, 3 known points: oxygen could make NEWS2 medium, so acuity is undetermined, at least 4, naming it', async () => {
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: adultWith({ respiratoryRate: 22, heartRate: 95, spo2: 98, systolicBp: 125, temperatureC: 36.8 }),
        facts: { ...NURSE, expectedResourceCount: 1 },
      });
      expect(d.outcome).toMatchObject({
        acuity: null, acuityAtLeast: 4,
        news2: { score: null, riskBand: null, missing: ['onSupplementalOxygen'] },
        undetermined: { acuity: ['onSupplementalOxygen'], 'news2.riskBand': ['onSupplementalOxygen'] },
      });
      expect(d.explanation.facts.respiratoryRate).toMatchObject({ value: 22, source: 'fhir' });
    });
  });

  describe('4-6. facts about the right patient and time', () => {
    /** A searchset as a search across patients returns it: an adult and a 3-month-old infant, each with vital signs. */
    const INFANT = 'infant';
    const adultAndInfant = () => fhirBundle([
      patient(ADULT, ADULT_BIRTH_DATE),
      ...vitalSignObservations(ADULT, TAKEN, { respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8 }),
      patient(INFANT, '2026-08-15'),
      // later than the adult's: a wrong pick of "the latest reading" would take them
      ...vitalSignObservations(INFANT, '2026-11-21T09:20:00.000Z', { respiratoryRate: 40, heartRate: 150, spo2: 97, temperatureC: 37.0 }),
    ], 'searchset');

    it('4. two Patients and no context.patientRef: 422 AMBIGUOUS_PATIENT problem+json naming both, nothing recorded', async () => {
      const before = await decisionCount();
      const res = await request(t.server).post('/v1/decisions').set(ENGINE)
        .send({ rulebook: 'ed-triage', asOf: AS_OF, fhir: adultAndInfant(), facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false } });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 422, code: 'AMBIGUOUS_PATIENT', detail: expect.stringContaining('context.patientRef') });
      expect(res.body.errors).toEqual([{ pointer: '/fhir', message: expect.stringMatching(/Patient\/adult.*Patient\/infant/) }]);
      expect(res.body).not.toHaveProperty('outcome');
      expect(await decisionCount()).toBe(before);
    });

    it("4. with context.patientRef naming the adult: the adult's age and heart rate are used, the infant's resources listed as ignored", async () => {
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF, fhir: adultAndInfant(), context: { patientRef: `Patient/${ADULT}` },
        facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false },
      });
      expect(d.explanation.patient).toBe(`Patient/${ADULT}`);
      expect(d.explanation.facts.ageYears).toMatchObject({ source: 'fhir', reference: `Patient/${ADULT}`, rawValue: ADULT_BIRTH_DATE });
      expect(d.explanation.facts.ageYears.value).toBeGreaterThan(46);
      expect(d.explanation.facts.heartRate).toMatchObject({ value: 72, source: 'fhir', reference: `Observation/${ADULT}-heartRate`, effective: TAKEN });
      // the infant's pulse of 150 would be danger zone for an adult
      expect(d.outcome).toMatchObject({ acuity: 4, dangerZoneVitals: false, news2: { score: 0, riskBand: 'low' } });
      const ignored = d.explanation.ignoredResources;
      expect(ignored).toEqual(expect.arrayContaining([
        expect.objectContaining({ reference: `Patient/${INFANT}`, resourceType: 'Patient', reason: 'other-patient' }),
        ...['respiratoryRate', 'heartRate', 'spo2', 'temperatureC'].map((fact) =>
          expect.objectContaining({ reference: `Observation/${INFANT}-${fact}`, resourceType: 'Observation', reason: 'other-patient' })),
      ]));
      expect(ignored.map((r) => r.reference).filter((ref) => ref.includes(ADULT))).toEqual([]);
    });

    it('5. an Observation about another patient is not used, and the decision lists it with why', async () => {
      const foreign = observation('other-hr', 'Patient/someone-else', ['8867-4'], '2026-11-21T09:20:00.000Z', quantity(190, '/min'));
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: adultWith({ respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8 }, foreign),
        facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false },
      });
      expect(d.outcome).toMatchObject({ acuity: 4, dangerZoneVitals: false, news2: { score: 0, riskBand: 'low' } });
      expect(d.explanation.facts.heartRate).toMatchObject({ value: 72, reference: `Observation/${ADULT}-heartRate` });
      expect(d.explanation.ignoredResources).toEqual([expect.objectContaining({
        reference: 'Observation/other-hr', resourceType: 'Observation', reason: 'other-patient', detail: expect.stringContaining('Patient/someone-else'),
      })]);
    });

    it('6. vital signs from three days before asOf are stale: missing, explained as stale with their time, acuity undetermined', async () => {
      const threeDaysBefore = '2026-11-18T09:00:00.000Z';
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: fhirBundle([patient(ADULT, ADULT_BIRTH_DATE),
          ...vitalSignObservations(ADULT, threeDaysBefore, { respiratoryRate: 16, heartRate: 95, spo2: 98, systolicBp: 125, temperatureC: 36.8 })]),
        facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false },
      });
      const vitals = ['respiratoryRate', 'spo2', 'systolicBp', 'heartRate', 'temperatureC'];
      expect(d.outcome).toMatchObject({
        acuity: null, acuityAtLeast: 4, dangerZoneVitals: null,
        news2: { score: null, riskBand: null, missing: vitals },
      });
      expect((d.outcome.undetermined as Record<string, string[]>).acuity).toEqual(expect.arrayContaining(['heartRate', 'respiratoryRate', 'spo2']));
      for (const fact of vitals) {
        expect(d.explanation.facts).not.toHaveProperty(fact);
        expect(d.explanation.missingFacts).toContain(fact);
        expect(d.explanation.missingFactDetails[fact]).toMatchObject({
          reason: 'stale', effective: threeDaysBefore, reference: `Observation/${ADULT}-${fact}`, detail: expect.any(String),
        });
      }
      expect(d.explanation.facts.ageYears).toMatchObject({ source: 'fhir', reference: `Patient/${ADULT}` });
    });
  });

  describe('7. children', () => {
    it('a febrile neonate, 11 days old, 38.6 °C, one resource: acuity 2 (ESI v4 Table 6-3), not 4', async () => {
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: fhirBundle([patient('neonate', '2026-11-10'),
          ...vitalSignObservations('neonate', TAKEN, { respiratoryRate: 44, heartRate: 160, spo2: 97, systolicBp: 72, temperatureC: 38.6 })]),
        facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false },
      });
      expect(d.outcome).toMatchObject({ acuity: 2, news2: null, dangerZoneVitals: false });
      expect(codes(d.outcome.reasons)).toContain('FEBRILE_INFANT_UNDER_28_DAYS');
      expect(d.explanation.facts.ageYears).toMatchObject({ source: 'fhir', reference: 'Patient/neonate', rawValue: '2026-11-10' });
      expect(d.explanation.facts.ageYears.value as number).toBeLessThan(28 / 365);
      expect(d.explanation.facts.temperatureC).toMatchObject({ value: 38.6, unit: 'Cel', source: 'fhir', reference: 'Observation/neonate-temperatureC' });
    });

    it('a 4-year-old with SpO2 85 % and one resource: acuity 2 with a clinician-review prompt, not 4', async () => {
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: fhirBundle([patient('child', '2022-06-01'),
          ...vitalSignObservations('child', TAKEN, { respiratoryRate: 24, heartRate: 110, spo2: 85, systolicBp: 95, temperatureC: 36.8 })]),
        facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false },
      });
      expect(d.outcome).toMatchObject({ acuity: 2, news2: null, dangerZoneVitals: true });
      expect(codes(d.outcome.reasons)).toEqual(expect.arrayContaining(['HYPOXIA_SPO2_BELOW_90', 'DANGER_ZONE_CLINICIAN_REVIEW']));
      expect(d.explanation.facts.ageYears.value as number).toBeGreaterThanOrEqual(4);
      expect(d.explanation.facts.ageYears.value as number).toBeLessThan(5);
      expect(d.explanation.facts.spo2).toMatchObject({ value: 85, source: 'fhir', reference: 'Observation/child-spo2' });
    });
  });

  describe('9. oxygen and scores as real systems send them', () => {
    it('one pain score sent without a unit does not refuse the decision: 201, read as {score}', async () => {
      const pain = observation('adult-pain', `Patient/${ADULT}`, ['72514-3'], TAKEN, { value: 8 });
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: adultWith({ respiratoryRate: 16, heartRate: 72, spo2: 98, systolicBp: 125, temperatureC: 36.8 }, pain),
        facts: { ...NURSE, expectedResourceCount: 1, onSupplementalOxygen: false },
      });
      expect(d.explanation.facts.painScore).toMatchObject({ value: 8, unit: '{score}', source: 'fhir', reference: 'Observation/adult-pain' });
      expect(d.outcome.acuity).toBe(4);
      expect(codes(d.outcome.reasons)).toEqual(['ONE_RESOURCE', 'SEVERE_PAIN_REPORTED']);
    });

    it('oxygen recorded as component 3151-8 of a US Core pulse-oximetry Observation (Inferno patient 85) is used', async () => {
      // vital signs of 1975-04-07T02:51:45-04:00; the pulse oximetry f7940ba2… has inhaled oxygen 6 L/min and 40 %
      const d = await decide({
        rulebook: 'ed-triage', asOf: '1975-04-07T07:30:00.000Z', fhir: readFixture('inferno-uscore/uscore_bundle_patient_85.json'),
        facts: { ...NURSE, expectedResourceCount: 1 },
      });
      expect(d.explanation.facts.onSupplementalOxygen).toMatchObject({
        value: true, source: 'fhir', reference: 'Observation/f7940ba2-3a51-4534-b269-8432e052bf12', code: `${LOINC}|3151-8`,
        rawValue: 6, rawUnit: 'L/min',
      });
      expect(d.explanation.missingFacts).not.toContain('onSupplementalOxygen');
      expect((d.outcome.news2 as { missing: string[] }).missing).not.toContain('onSupplementalOxygen');
      expect(d.explanation.rules.find((r) => r.name === 'news2-supplemental-oxygen-2')).toMatchObject({ fired: true });
    });

    it('the oxygen component adds the 2 NEWS2 points: otherwise normal vital signs on 2 L/min score 2, low', async () => {
      const pulseOximetry = observation('pox-1', `Patient/${ADULT}`, ['59408-5', '2708-6'], TAKEN, quantity(97, '%'), {
        component: [
          { code: { coding: [{ system: LOINC, code: '3151-8' }] }, valueQuantity: quantity(2, 'L/min') },
          { code: { coding: [{ system: LOINC, code: '3150-0' }] }, valueQuantity: quantity(28, '%') },
        ],
      });
      const d = await decide({
        rulebook: 'ed-triage', asOf: AS_OF,
        fhir: adultWith({ respiratoryRate: 16, heartRate: 72, systolicBp: 125, temperatureC: 36.8 }, pulseOximetry),
        facts: { ...NURSE, expectedResourceCount: 1 },
      });
      expect(d.outcome).toMatchObject({ acuity: 4, news2: { score: 2, riskBand: 'low', missing: [] } });
      expect(d.explanation.facts.onSupplementalOxygen).toMatchObject({ value: true, source: 'fhir', reference: 'Observation/pox-1' });
      expect(d.explanation.facts.spo2).toMatchObject({ value: 97, reference: 'Observation/pox-1' });
    });
  });

  describe('9. scheduling-eligibility at the appointment, with unknown not read as "no"', () => {
    const SCHEDULING_AS_OF = '2026-05-20T08:00:00.000Z';
    const appointment = (patientId: string, start: string, specialty?: string): FhirResource => ({
      resourceType: 'Appointment', id: 'appt-1', status: 'booked', start, end: start.replace('T14:00', 'T14:30'),
      ...(specialty && { specialty: [{ coding: [{ system: 'http://snomed.info/sct', code: specialty }] }] }),
      participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
    });
    const coverage = (patientId: string): FhirResource => ({
      resourceType: 'Coverage', id: 'cov-2026', status: 'active', beneficiary: { reference: `Patient/${patientId}` },
      payor: [{ reference: 'Organization/payer-1' }], period: { start: '2026-01-01' },
    });
    const referral = (patientId: string): FhirResource => ({
      resourceType: 'ServiceRequest', id: 'ref-1', status: 'active', intent: 'order', subject: { reference: `Patient/${patientId}` },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '306206005', display: 'Referral to service' }] },
    });

    it('the minimum age applies at appointmentStart: 17 at asOf, 18 at the appointment, eligible for a procedure', async () => {
      const teen = (start: string) => fhirBundle([patient('teen', '2008-06-01'), appointment('teen', start), coverage('teen'), referral('teen')], 'searchset');
      const d = await decide({ rulebook: 'scheduling-eligibility', asOf: SCHEDULING_AS_OF, fhir: teen('2026-06-10T14:00:00Z'), facts: { appointmentType: 'procedure' } });
      expect(d.rulebook.version).toBe('1.1.0');
      expect(d.outcome).toMatchObject({ eligible: true, requirements: [] });
      expect(codes(d.outcome.reasons)).toEqual(['CRITERIA_MET']);
      expect(d.explanation.facts.appointmentStart).toMatchObject({ value: '2026-06-10T14:00:00.000Z', source: 'fhir', reference: 'Appointment/appt-1' });
      expect(d.explanation.facts.ageYears).toMatchObject({ source: 'fhir', reference: 'Patient/teen', rawValue: '2008-06-01' });
      expect(d.explanation.facts.ageYears.value as number).toBeGreaterThanOrEqual(18);
      expect(d.explanation.facts.ageYears.value as number).toBeLessThan(18.1);

      // the same patient with the appointment before the 18th birthday is refused
      const early = await decide({ rulebook: 'scheduling-eligibility', asOf: SCHEDULING_AS_OF, fhir: teen('2026-05-25T14:00:00Z'), facts: { appointmentType: 'procedure' } });
      expect(early.outcome.eligible).toBe(false);
      expect(codes(early.outcome.reasons)).toContain('AGE_BELOW_MINIMUM');
    });

    it('no ServiceRequest in the bundle is unknown (REFERRAL_VERIFICATION, eligible null); with fhirSearchComplete it is NO_REFERRAL', async () => {
      const fhir = fhirBundle([patient('scn-2', '1985-07-14'), appointment('scn-2', '2026-06-10T14:00:00Z', '394579002'), coverage('scn-2')], 'searchset');
      const unknown = await decide({ rulebook: 'scheduling-eligibility', asOf: SCHEDULING_AS_OF, fhir });
      expect(unknown.outcome).toMatchObject({ eligible: null, reasons: [], undetermined: { eligible: ['hasReferral'] } });
      expect(codes(unknown.outcome.requirements)).toEqual(['REFERRAL_VERIFICATION']);
      expect(unknown.explanation.facts.appointmentType).toMatchObject({ value: 'specialist', source: 'fhir', reference: 'Appointment/appt-1' });
      expect(unknown.explanation.facts.hasActiveCoverage).toMatchObject({ value: true, source: 'fhir', reference: 'Coverage/cov-2026' });
      expect(unknown.explanation.missingFactDetails.hasReferral).toMatchObject({ reason: 'not-in-supplied-data' });

      const complete = await decide({ rulebook: 'scheduling-eligibility', asOf: SCHEDULING_AS_OF, fhir, fhirSearchComplete: ['ServiceRequest'] });
      expect(complete.outcome.eligible).toBe(false);
      expect(codes(complete.outcome.reasons)).toEqual(['NO_REFERRAL']);
      expect(complete.explanation.facts.hasReferral).toMatchObject({ value: false, source: 'fhir' });
    });

    it('a telehealth refusal names the vital sign with its value, time and Observation', async () => {
      const readAt = '2026-05-20T07:00:00.000Z';
      const fhir = fhirBundle([patient('scn-3', '1985-07-14'), appointment('scn-3', '2026-06-10T14:00:00Z'), coverage('scn-3'),
        ...vitalSignObservations('scn-3', readAt, { respiratoryRate: 16, heartRate: 118, spo2: 97, systolicBp: 124, temperatureC: 36.9 })], 'searchset');
      const d = await decide({ rulebook: 'scheduling-eligibility', asOf: SCHEDULING_AS_OF, fhir, facts: { appointmentType: 'telehealth' } });
      expect(d.outcome.eligible).toBe(false);
      expect(d.outcome.reasons).toEqual([expect.objectContaining({
        code: 'PULSE_OUT_OF_TELEHEALTH_LIMITS',
        facts: [{ fact: 'heartRate', value: 118, unit: '/min', effective: readAt, reference: 'Observation/scn-3-heartRate' }],
      })]);
    });
  });
});
