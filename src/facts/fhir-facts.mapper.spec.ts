import { readFileSync } from 'node:fs';
import type { FactDefinition } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog, takeInFacts, type FactIntakeInput } from './fact-catalog.js';
import { warmUpFhirValidator } from './fhir-validator.js';
import type { FactIntake } from './taken-fact.js';
import { domainError } from '../../test/support/domain-error.js';

const fixture = (path: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/fhir/${path}`, import.meta.url), 'utf8'));

const CATALOG: Record<string, FactDefinition> = {
  appointmentStart: { type: 'dateTime', description: 'Start', fhir: { kind: 'element', resourceType: 'Appointment', path: 'start' } },
  ageYears: { type: 'number', description: 'Age at asOf', unit: 'a', range: { min: 0, max: 150 }, fhir: { kind: 'patient-age' } },
  // read before appointmentStart in catalog order, taken after it
  ageAtAppointment: { type: 'number', description: 'Age at the appointment', unit: 'a', fhir: { kind: 'patient-age', at: { fact: 'appointmentStart' } } },
  ageDays: { type: 'number', description: 'Age in days', unit: 'd', fhir: { kind: 'patient-age' } },
  ageWeeks: { type: 'number', description: 'Age in weeks', unit: 'wk', fhir: { kind: 'patient-age' } },
  ageHours: { type: 'number', description: 'Age in hours', unit: 'h', fhir: { kind: 'patient-age', at: 'asOf' } },
  hasReferral: {
    type: 'boolean',
    description: 'A referral on file',
    fhir: { kind: 'exists', resourceType: 'ServiceRequest', where: "status = 'active' or status = 'completed'", absentMeans: 'unknown-unless-complete' },
  },
  hasCondition: { type: 'boolean', description: 'Any condition', fhir: { kind: 'exists', resourceType: 'Condition' } },
};
const catalog = compileFactCatalog(CATALOG);
const intake = (input: Omit<FactIntakeInput, 'asOf'> & { asOf: string }): FactIntake =>
  takeInFacts(catalog, { ...input, asOf: new Date(input.asOf) });


const collection = (...resources: unknown[]) => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });
const patient = (birthDate: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', id: 'p', birthDate, ...extra });
const appointment = (start: string) => ({
  resourceType: 'Appointment',
  id: 'appt',
  status: 'booked',
  start,
  end: start,
  participant: [{ actor: { reference: 'Patient/p' }, status: 'accepted' }],
});

beforeAll(() => warmUpFhirValidator());

describe('patient-age at another fact (at: { fact })', () => {
  it('counts the age at the appointment start, not at asOf', () => {
    // born 2008-06-15: 17 at asOf (2026-06-01), 18 at the appointment (2026-06-20)
    const result = intake({ fhir: collection(patient('2008-06-15'), appointment('2026-06-20T09:00:00Z')), asOf: '2026-06-01T00:00:00Z' });
    expect(result.facts.ageYears?.value).toBeLessThan(18);
    expect(result.facts.ageAtAppointment?.value).toBeGreaterThanOrEqual(18);
    expect(result.facts.ageAtAppointment).toMatchObject({ source: 'fhir', reference: 'Patient/p', rawValue: '2008-06-15' });
  });

  it('takes the instant from a request fact too, and leaves the age missing (reference-time-missing) without it', () => {
    const fromRequest = intake({ fhir: patient('2008-06-15'), facts: { appointmentStart: '2026-06-15T00:00:00Z' }, asOf: '2026-06-01T00:00:00Z' });
    expect(fromRequest.facts.ageAtAppointment?.value).toBe(18);
    const without = intake({ fhir: patient('2008-06-15'), asOf: '2026-06-01T00:00:00Z' });
    expect(without.missingDetails.ageAtAppointment).toEqual({
      reason: 'reference-time-missing',
      detail: 'the age is counted at appointmentStart, which is missing',
    });
    expect(without.facts.ageYears).toBeDefined();
  });

  it('refuses a birth after the appointment (422 at birthDate)', () => {
    const error = domainError(() => intake({ fhir: collection(patient('2026-07-01'), appointment('2026-06-20T09:00:00Z')), asOf: '2026-08-01T00:00:00Z' }));
    expect(error).toMatchObject({ status: 422, code: 'UNPROCESSABLE_FACTS' });
    expect(error.errors).toEqual([{ pointer: '/fhir/entry/0/resource/birthDate', message: '2026-07-01 is after appointmentStart (2026-06-20T09:00:00.000Z)' }]);
  });

  it('refuses an `at` fact that is not a dateTime of the catalog', () => {
    expect(() => compileFactCatalog({ a: { type: 'number', description: 'a', unit: 'a', fhir: { kind: 'patient-age', at: { fact: 'nope' } } } })).toThrow(
      "fact \"a\": at fact 'nope' must be a dateTime fact",
    );
  });
});

describe('patient-age in days, weeks and hours: elapsed time since the birth date', () => {
  it('gives a febrile neonate of 11 days and 12 hours 11.5 d, 1.642… wk and 276 h', () => {
    const { facts } = intake({ fhir: patient('2026-11-10'), asOf: '2026-11-21T12:00:00Z' });
    expect(facts.ageDays).toMatchObject({ value: 11.5, unit: 'd', rawValue: '2026-11-10' });
    expect(facts.ageWeeks?.value).toBeCloseTo(11.5 / 7, 10);
    expect(facts.ageHours?.value).toBe(276);
  });

  it.each([
    ['2026-11-20T23:59:59.999Z', true],
    ['2026-11-21T00:00:00.000Z', false],
  ])('born 2026-10-24, at %s is under 28 days: %p', (asOf, under) => {
    const days = intake({ fhir: patient('2026-10-24'), asOf }).facts.ageDays?.value as number;
    expect(days < 28).toBe(under);
  });

  it('counts from the patient-birthTime extension when it gives the time of birth with its zone', () => {
    const born = patient('2026-11-10', {
      _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '2026-11-10T18:00:00+01:00' }] },
    });
    expect(intake({ fhir: born, asOf: '2026-11-21T17:00:00Z' }).facts.ageDays?.value).toBe(11);
  });

  it('keeps years in calendar months: exactly 0.25 a at the third monthly anniversary', () => {
    expect(intake({ fhir: patient('2020-01-15'), asOf: '2020-04-15T00:00:00Z' }).facts.ageYears?.value).toBe(0.25);
  });
});

describe('exists with absentMeans unknown-unless-complete', () => {
  const withReferral = () => collection(fixture('hl7-r4-examples/patient-example.json'), fixture('hl7-r4-examples/servicerequest-example.json'));
  const withoutReferral = () => collection(fixture('hl7-r4-examples/patient-example.json'));

  it('is true when a matching ServiceRequest about the patient is in the data (HL7 example, status completed)', () => {
    expect(intake({ fhir: withReferral(), asOf: '2014-01-01T00:00:00Z' }).facts.hasReferral).toEqual({
      value: true,
      source: 'fhir',
      reference: 'ServiceRequest/example',
    });
  });

  it('is missing (not-in-supplied-data) when none is in the data and the search is not stated complete', () => {
    for (const fhirSearchComplete of [undefined, ['Coverage']]) {
      const result = intake({ fhir: withoutReferral(), asOf: '2014-01-01T00:00:00Z', ...(fhirSearchComplete && { fhirSearchComplete }) });
      expect(result.missing).toContain('hasReferral');
      expect(result.missingDetails.hasReferral).toEqual({
        reason: 'not-in-supplied-data',
        detail: 'no ServiceRequest about the patient in the data supplied, and the request does not state the search complete (fhirSearchComplete)',
      });
      // absentMeans false (the default) keeps reading "none" as false
      expect(result.facts.hasCondition).toEqual({ value: false, source: 'fhir' });
    }
  });

  it('is false when the caller states the ServiceRequest search complete, even with the ServiceRequest of another patient', () => {
    const other = { ...fixture('hl7-r4-examples/servicerequest-example.json'), subject: { reference: 'Patient/someone-else' } };
    const fhir = { ...withoutReferral(), entry: [...withoutReferral().entry, { resource: other }] };
    const result = intake({ fhir, asOf: '2014-01-01T00:00:00Z', fhirSearchComplete: ['ServiceRequest'] });
    expect(result.facts.hasReferral).toEqual({ value: false, source: 'fhir' });
    expect(result.ignoredResources).toEqual([expect.objectContaining({ reference: 'ServiceRequest/example', reason: 'other-patient' })]);
  });

  it('without FHIR: missing, unless the search is stated complete (then false)', () => {
    expect(intake({ facts: {}, asOf: '2014-01-01T00:00:00Z' }).missingDetails.hasReferral).toMatchObject({ reason: 'not-in-supplied-data' });
    const complete = intake({ facts: {}, asOf: '2014-01-01T00:00:00Z', fhirSearchComplete: ['ServiceRequest'] });
    expect(complete.facts.hasReferral).toEqual({ value: false, source: 'fhir' });
    expect(complete.missing).toContain('hasCondition');
  });

  it('refuses an unknown absentMeans', () => {
    expect(() =>
      compileFactCatalog({ b: { type: 'boolean', description: 'b', fhir: { kind: 'exists', resourceType: 'Coverage', absentMeans: 'maybe' as 'false' } } }),
    ).toThrow("fact \"b\": absentMeans 'maybe'");
  });
});
