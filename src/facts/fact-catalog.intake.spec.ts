import type { FactDefinition } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog, takeInFacts, type FactIntakeInput } from './fact-catalog.js';
import { warmUpFhirValidator } from './fhir-validator.js';
import type { FactIntake } from './taken-fact.js';
import { domainError } from '../../test/support/domain-error.js';

/**
 * What `takeInFacts` gives back, compared whole with `toStrictEqual`: a missing fact is absent from `facts` (never
 * present as `undefined`), has exactly one reason in `missingDetails`, and the catalog `default` stands in only for a
 * fact not in the data supplied. The catalog is compiled inside each test (mutation testing runs only the tests that
 * reach the mutated code).
 */

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const ASOF = '2026-11-21T12:00:00.000Z';
const obs = (code: string) => ({ kind: 'observation' as const, codes: [`${LOINC}|${code}`], value: 'quantity' as const, select: 'latest-at-or-before-asOf' as const });

const CATALOG: Record<string, FactDefinition> = {
  // read before arrival in catalog order, taken after it
  ageAtArrival: { type: 'number', description: 'Age at arrival', unit: 'a', default: 30, fhir: { kind: 'patient-age', at: { fact: 'arrival' } } },
  heartRate: { type: 'integer', description: 'HR', unit: '/min', range: { min: 0, max: 300 }, fhir: obs('8867-4') },
  heartRateRecent: { type: 'integer', description: 'HR of the last 4 h', unit: '/min', maxAge: 'PT4H', default: 70, fhir: obs('8867-4') },
  heartRateFinal: { type: 'integer', description: 'Final HR', unit: '/min', default: 60, fhir: { ...obs('8867-4'), statuses: ['final'] } },
  spo2: { type: 'integer', description: 'SpO2', unit: '%', range: { min: 0, max: 100 }, default: 99, onUnreadable: 'refuse', fhir: obs('2708-6') },
  spo2Lenient: { type: 'integer', description: 'SpO2', unit: '%', range: { min: 0, max: 100 }, default: 98, onUnreadable: 'missing', fhir: obs('59408-5') },
  temperature: { type: 'number', description: 'Temperature', unit: 'Cel', precision: 1, range: { min: 25, max: 45 }, default: 37, fhir: obs('8310-5') },
  triage: { type: 'string', description: 'Triage colour', allowedValues: ['green', 'red'], default: 'green' },
  pregnant: { type: 'boolean', description: 'Pregnant' },
  news2: { type: 'integer', description: 'NEWS2', derivedFrom: { score: 'news2', value: 'total' } },
  arrival: { type: 'dateTime', description: 'Arrival', fhir: { kind: 'element', resourceType: 'Encounter', path: 'period.start' } },
  referral: { type: 'boolean', description: 'Referral', fhir: { kind: 'exists', resourceType: 'ServiceRequest', absentMeans: 'unknown-unless-complete' } },
};

const intake = (input: Omit<FactIntakeInput, 'asOf'> & { asOf?: string } = {}): FactIntake =>
  takeInFacts(compileFactCatalog(CATALOG), { ...input, asOf: new Date(input.asOf ?? ASOF) });

const subject = { reference: 'Patient/p' };
const patient = { resourceType: 'Patient', id: 'p', birthDate: '1996-11-21' };
const reading = (id: string, code: string, effective: string, value: number, unit: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: LOINC, code }] },
  subject,
  effectiveDateTime: effective,
  valueQuantity: { value, unit, system: UCUM, code: unit },
  ...extra,
});
const bundle = (...resources: unknown[]) => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });

/** A patient's bundle: a preliminary heart rate 5 h old, an SpO2 in a unit that is not %, a temperature, another patient's heart rate. */
const BUNDLE = () =>
  bundle(
    patient,
    reading('hr', '8867-4', '2026-11-21T07:00:00Z', 88, '/min', { status: 'preliminary' }),
    reading('spo2', '59408-5', '2026-11-21T11:00:00Z', 97, 'kg'),
    reading('temp', '8310-5', '2026-11-21T11:30:00Z', 36.96, 'Cel'),
    reading('hr-q', '8867-4', '2026-11-21T11:00:00Z', 140, '/min', { subject: { reference: 'Patient/q' } }),
  );

const NO_FHIR = 'neither the request facts nor FHIR input (the request has none) give a value';
const NOT_IN_REQUEST = 'not in the request facts (the rulebook derives it from no FHIR resource)';

beforeAll(() => warmUpFhirValidator());

describe('takeInFacts: the result, whole', () => {
  it('without FHIR: defaults for the facts that have one, every other fact missing with its reason, no patient', () => {
    expect(intake()).toStrictEqual({
      facts: {
        ageAtArrival: { value: 30, unit: 'a', source: 'default' },
        heartRateRecent: { value: 70, unit: '/min', source: 'default' },
        heartRateFinal: { value: 60, unit: '/min', source: 'default' },
        spo2: { value: 99, unit: '%', source: 'default' },
        spo2Lenient: { value: 98, unit: '%', source: 'default' },
        temperature: { value: 37, unit: 'Cel', source: 'default' },
        triage: { value: 'green', source: 'default' },
      },
      missing: ['heartRate', 'pregnant', 'arrival', 'referral'],
      missingDetails: {
        heartRate: { reason: 'not-in-supplied-data', detail: NO_FHIR },
        pregnant: { reason: 'not-in-supplied-data', detail: NOT_IN_REQUEST },
        arrival: { reason: 'not-in-supplied-data', detail: NO_FHIR },
        referral: { reason: 'not-in-supplied-data', detail: NO_FHIR },
      },
      ignoredResources: [],
    });
  });

  it('with FHIR: provenance of each fact; stale, refused-status, unreadable and reference-time facts missing, not defaulted', () => {
    const result = intake({ fhir: BUNDLE() });
    expect(result).toStrictEqual({
      facts: {
        heartRate: {
          value: 88,
          unit: '/min',
          source: 'fhir',
          reference: 'Observation/hr',
          code: `${LOINC}|8867-4`,
          effective: '2026-11-21T07:00:00.000Z',
          rawValue: 88,
          rawUnit: '/min',
          status: 'preliminary',
        },
        spo2: { value: 99, unit: '%', source: 'default' },
        temperature: {
          value: 37,
          unit: 'Cel',
          source: 'fhir',
          reference: 'Observation/temp',
          code: `${LOINC}|8310-5`,
          effective: '2026-11-21T11:30:00.000Z',
          rawValue: 36.96,
          rawUnit: 'Cel',
          status: 'final',
        },
        triage: { value: 'green', source: 'default' },
      },
      missing: ['ageAtArrival', 'heartRateRecent', 'heartRateFinal', 'spo2Lenient', 'pregnant', 'arrival', 'referral'],
      missingDetails: {
        ageAtArrival: { reason: 'reference-time-missing', detail: 'the age is counted at arrival, which is missing' },
        heartRateRecent: {
          reason: 'stale',
          detail: 'latest reading Observation/hr at 2026-11-21T07:00:00.000Z is older than the maximum age PT4H',
          reference: 'Observation/hr',
          effective: '2026-11-21T07:00:00.000Z',
          code: `${LOINC}|8867-4`,
          rawValue: 88,
          rawUnit: '/min',
          status: 'preliminary',
        },
        heartRateFinal: {
          reason: 'status-not-accepted',
          detail: 'latest reading Observation/hr at 2026-11-21T07:00:00.000Z has status preliminary, which does not count (accepted: final)',
          reference: 'Observation/hr',
          effective: '2026-11-21T07:00:00.000Z',
          code: `${LOINC}|8867-4`,
          rawValue: 88,
          rawUnit: '/min',
          status: 'preliminary',
        },
        spo2Lenient: {
          reason: 'unreadable',
          detail: "Observation/spo2 (/fhir/entry/2/resource/valueQuantity) unit 'kg' is not a UCUM unit convertible to %",
          reference: 'Observation/spo2',
          code: `${LOINC}|59408-5`,
          effective: '2026-11-21T11:00:00.000Z',
          status: 'final',
          rawValue: 97,
          rawUnit: 'kg',
        },
        pregnant: { reason: 'not-in-supplied-data', detail: NOT_IN_REQUEST },
        arrival: { reason: 'not-in-supplied-data', detail: 'no Encounter about the patient in the data supplied' },
        referral: {
          reason: 'not-in-supplied-data',
          detail: 'no ServiceRequest about the patient in the data supplied, and the request does not state the search complete (fhirSearchComplete)',
        },
      },
      ignoredResources: [
        { reference: 'Observation/hr-q', resourceType: 'Observation', reason: 'other-patient', detail: "subject Patient/q is not the decision's patient (Patient/p)" },
        {
          reference: 'Observation/hr',
          resourceType: 'Observation',
          reason: 'status-not-accepted',
          detail: 'status preliminary does not count for heartRateFinal (accepted: final)',
          fact: 'heartRateFinal',
        },
      ],
      patient: 'Patient/p',
    });
  });

  it('lists facts in catalog order, not in the order they were taken in', () => {
    const fhir = bundle(patient, { resourceType: 'Encounter', id: 'e', status: 'in-progress', class: { code: 'EMER' }, subject, period: { start: '2026-11-21T00:00:00Z' } });
    const result = intake({ fhir, facts: { pregnant: false } }); // born 30 years before the arrival day
    expect(Object.keys(result.facts)).toStrictEqual(['ageAtArrival', 'heartRateRecent', 'heartRateFinal', 'spo2', 'spo2Lenient', 'temperature', 'triage', 'pregnant', 'arrival']);
    expect(result.facts.ageAtArrival).toStrictEqual({ value: 30, unit: 'a', source: 'fhir', reference: 'Patient/p', rawValue: '1996-11-21' });
    expect(result.facts.arrival).toStrictEqual({ value: '2026-11-21T00:00:00.000Z', source: 'fhir', reference: 'Encounter/e', rawValue: '2026-11-21T00:00:00Z' });
    expect(result.missing).toStrictEqual(['heartRate', 'referral']);
    expect(Object.keys(result.missingDetails)).toStrictEqual(['heartRate', 'referral']);
  });

  it('counts a resource type the request states complete: none found is false', () => {
    const result = intake({ fhir: bundle(patient), fhirSearchComplete: ['ServiceRequest'] });
    expect(result.facts.referral).toStrictEqual({ value: false, source: 'fhir' });
    expect(result.missing).not.toContain('referral');
  });

  it('names the patient of patientRef, with or without FHIR, and no patient when the input names none', () => {
    expect(intake({ patientRef: 'Patient/p' }).patient).toBe('Patient/p');
    expect(intake({ fhir: BUNDLE(), patientRef: 'Patient/p' }).patient).toBe('Patient/p');
    const anonymous = intake({ fhir: { resourceType: 'Encounter', id: 'e', status: 'in-progress', class: { code: 'EMER' } } });
    expect(Object.keys(anonymous)).toStrictEqual(['facts', 'missing', 'missingDetails', 'ignoredResources']);
  });
});

describe('takeInFacts: request values', () => {
  it('takes a request value over the FHIR one, and reads the instant of another fact from the request', () => {
    const result = intake({ fhir: BUNDLE(), facts: { heartRate: 72.5, arrival: '2026-11-21T01:00:00+01:00', spo2Lenient: 95 } });
    expect(result.facts.heartRate).toStrictEqual({ value: 73, unit: '/min', source: 'request', rawValue: 72.5 });
    expect(result.facts.spo2Lenient).toStrictEqual({ value: 95, unit: '%', source: 'request', rawValue: 95 });
    expect(result.facts.arrival).toStrictEqual({ value: '2026-11-21T00:00:00.000Z', source: 'request', rawValue: '2026-11-21T01:00:00+01:00' });
    expect(result.facts.ageAtArrival).toMatchObject({ value: 30, source: 'fhir' }); // at arrival, not at asOf (30 years and 12 h)
  });

  it('reports only the request problem of a refused request value: neither FHIR nor the default is tried for it', () => {
    const fhir = bundle(patient, reading('s', '2708-6', '2026-11-21T11:00:00Z', 102, '%'));
    const error = domainError(() => intake({ fhir, facts: { spo2: 101, temperature: 46 } }));
    expect(error).toMatchObject({ status: 422, code: 'UNPROCESSABLE_FACTS', title: 'Unprocessable input', detail: 'Some facts cannot be used: see errors.' });
    expect(error.errors).toStrictEqual([
      { pointer: '/facts/spo2', message: '101 % is outside the accepted range: must be between 0 and 100 %' },
      { pointer: '/facts/temperature', message: '46 Cel is outside the accepted range: must be between 25 and 45 Cel' },
    ]);
  });

  it('refuses malformed request facts with 400 before anything else', () => {
    const error = domainError(() => intake({ fhir: { resourceType: 'Patient', birthDate: 'x' }, facts: { news2: 3, heartRate: '80' } }));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', detail: 'The request facts are not valid.' });
    expect(error.errors?.map((e) => e.pointer)).toStrictEqual(['/facts/news2', '/facts/heartRate']);
  });

  it.each<[string, unknown]>([
    ['an invalid Date', new Date('nonsense')],
    ['a string', ASOF],
    ['nothing', undefined],
  ])('refuses an asOf that is %s with 400 at /asOf', (_what, asOf) => {
    const error = domainError(() => takeInFacts(compileFactCatalog(CATALOG), { asOf: asOf as Date }));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', detail: 'asOf is not a valid instant.' });
    expect(error.errors).toStrictEqual([{ pointer: '/asOf', message: 'must be an RFC 3339 date-time' }]);
  });
});

describe('takeInFacts: FHIR values that cannot be read (onUnreadable)', () => {
  it('refuses the request (422 at the value) for a fact that does not say onUnreadable missing, and never uses its default', () => {
    const fhir = bundle(patient, reading('s', '2708-6', '2026-11-21T11:00:00Z', 97, 'kg'), reading('s2', '59408-5', '2026-11-21T11:00:00Z', 97, 'kg'));
    const error = domainError(() => intake({ fhir }));
    expect(error).toMatchObject({ status: 422, code: 'UNPROCESSABLE_FACTS', detail: 'Some facts cannot be used: see errors.' });
    expect(error.errors).toStrictEqual([{ pointer: '/fhir/entry/1/resource/valueQuantity', message: "unit 'kg' is not a UCUM unit convertible to %" }]);
  });

  it('leaves the fact missing (unreadable) with onUnreadable missing, and takes in the rest', () => {
    const fhir = bundle(patient, reading('s2', '59408-5', '2026-11-21T11:00:00Z', 120, '%'), reading('s', '2708-6', '2026-11-21T11:00:00Z', 96, '%'));
    const result = intake({ fhir });
    expect(result.facts.spo2).toMatchObject({ value: 96, source: 'fhir', reference: 'Observation/s' });
    expect(result.facts).not.toHaveProperty('spo2Lenient');
    expect(result.missingDetails.spo2Lenient).toStrictEqual({
      reason: 'unreadable',
      detail: 'Observation/s2 (/fhir/entry/1/resource/valueQuantity/value) 120 % is outside the accepted range: must be between 0 and 100 %',
      reference: 'Observation/s2',
      code: `${LOINC}|59408-5`,
      effective: '2026-11-21T11:00:00.000Z',
      status: 'final',
      rawValue: 120,
      rawUnit: '%',
    });
  });

  it('gives a fresh reading within maxAge', () => {
    const fhir = bundle(patient, reading('hr', '8867-4', '2026-11-21T08:00:00Z', 80, '/min'));
    expect(intake({ fhir }).facts.heartRateRecent).toMatchObject({ value: 80, reference: 'Observation/hr' });
    expect(intake({ fhir, asOf: '2026-11-21T12:00:00.001Z' }).missingDetails.heartRateRecent).toMatchObject({ reason: 'stale' });
  });
});
