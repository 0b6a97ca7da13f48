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
// Compiled in each test, not once per file: mutation testing (coverageAnalysis perTest) runs for a mutant of the
// catalog compiler only the tests that compile a catalog themselves.
const intake = (input: Omit<FactIntakeInput, 'asOf'> & { asOf: string }, catalog: Record<string, FactDefinition> = CATALOG): FactIntake =>
  takeInFacts(compileFactCatalog(catalog), { ...input, asOf: new Date(input.asOf) });


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

describe('facts from FHIR when the request has none', () => {
  it('leaves a FHIR fact missing (not-in-supplied-data), saying the request has no FHIR', () => {
    expect(intake({ facts: {}, asOf: '2026-06-01T00:00:00Z' }).missingDetails.ageYears).toStrictEqual({
      reason: 'not-in-supplied-data',
      detail: 'neither the request facts nor FHIR input (the request has none) give a value',
    });
  });
});

describe('patient-age: what the explanation and a 422 say', () => {
  const ASOF = '2026-06-01T12:00:00Z';
  const lenientAge: Record<string, FactDefinition> = {
    ageYears: { type: 'number', description: 'Age', unit: 'a', onUnreadable: 'missing', fhir: { kind: 'patient-age' } },
  };

  it('names the asOf instant when refusing a birth date after it', () => {
    const error = domainError(() => intake({ fhir: collection(patient('2026-06-02')), asOf: ASOF }, { ageYears: CATALOG.ageYears }));
    expect(error.errors).toEqual([{ pointer: '/fhir/entry/0/resource/birthDate', message: '2026-06-02 is after asOf (2026-06-01T12:00:00.000Z)' }]);
  });

  it('with onUnreadable missing, keeps the Patient and its birthDate in the missing fact', () => {
    expect(intake({ fhir: collection(patient('2026-06-02')), asOf: ASOF }, lenientAge).missingDetails.ageYears).toStrictEqual({
      reason: 'unreadable',
      detail: 'Patient/p (/fhir/entry/0/resource/birthDate) 2026-06-02 is after asOf (2026-06-01T12:00:00.000Z)',
      reference: 'Patient/p',
      rawValue: '2026-06-02',
    });
  });

  it('refuses a patient-birthTime after the instant, for an age in days, even on the day of birth', () => {
    const born = patient('2026-06-01', {
      _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '2026-06-01T18:00:00Z' }] },
    });
    const error = domainError(() => intake({ fhir: born, asOf: ASOF }, { ageDays: CATALOG.ageDays }));
    expect(error.errors).toEqual([{ pointer: '/fhir/birthDate', message: 'the birth time is after asOf (2026-06-01T12:00:00.000Z)' }]);
  });

  it('names the Patient without a birthDate', () => {
    const { id, resourceType } = patient('2000-01-01');
    expect(intake({ fhir: { resourceType, id }, asOf: ASOF }).missingDetails.ageYears).toStrictEqual({
      reason: 'not-in-supplied-data',
      detail: 'Patient/p has no birthDate',
    });
  });

  it('keeps the Patient and the birthDate of a year-only birthDate, and no reference when the Patient has none', () => {
    expect(intake({ fhir: collection(patient('1970')), asOf: ASOF }).missingDetails.ageYears).toStrictEqual({
      reason: 'unreadable',
      detail: 'birthDate 1970 is not a full date',
      reference: 'Patient/p',
      rawValue: '1970',
    });
    expect(intake({ fhir: { resourceType: 'Patient', birthDate: '1970-05' }, asOf: ASOF }).missingDetails.ageYears).toStrictEqual({
      reason: 'unreadable',
      detail: 'birthDate 1970-05 is not a full date',
      rawValue: '1970-05',
    });
  });

  it('counts in years when the fact has no unit', () => {
    const unitless: Record<string, FactDefinition> = { age: { type: 'number', description: 'Age', fhir: { kind: 'patient-age' } } };
    expect(intake({ fhir: patient('2020-01-15'), asOf: '2020-04-15T00:00:00Z' }, unitless).facts.age).toStrictEqual({
      value: 0.25,
      source: 'fhir',
      reference: 'Patient/p',
      rawValue: '2020-01-15',
    });
  });
});

describe('element facts: each fact type, and what is missing or refused', () => {
  const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
  const ASOF = '2026-06-01T12:00:00Z';
  const subject = { reference: 'Patient/p' };
  const appt = (fields: Record<string, unknown> = {}) => ({ ...appointment('2026-06-20T09:00:00Z'), minutesDuration: 30, ...fields });
  const encounter = (fields: Record<string, unknown>) => ({ resourceType: 'Encounter', status: 'finished', subject, ...fields });
  const ELEMENTS: Record<string, FactDefinition> = {
    minutes: { type: 'integer', description: 'Planned minutes', fhir: { kind: 'element', resourceType: 'Appointment', path: 'minutesDuration' } },
    doubledMinutes: {
      type: 'integer',
      description: 'A computed value, which has no element to point at',
      range: { max: 100 },
      fhir: { kind: 'element', resourceType: 'Appointment', path: 'minutesDuration * 2' },
    },
    apptStatus: {
      type: 'string',
      description: 'Appointment status',
      allowedValues: ['booked', 'arrived'],
      fhir: { kind: 'element', resourceType: 'Appointment', path: 'status' },
    },
    patientActive: { type: 'boolean', description: 'Patient record active', fhir: { kind: 'element', resourceType: 'Patient', path: 'active' } },
  };
  const only = (...names: string[]): Record<string, FactDefinition> => Object.fromEntries(names.map((name) => [name, ELEMENTS[name]]));

  it('takes a number, a string and a boolean with the resource and the value as found', () => {
    const { facts } = intake({ fhir: collection(patient('1970-01-01', { active: true }), appt()), asOf: ASOF }, only('minutes', 'apptStatus', 'patientActive'));
    expect(facts).toStrictEqual({
      minutes: { value: 30, source: 'fhir', reference: 'Appointment/appt', rawValue: 30 },
      apptStatus: { value: 'booked', source: 'fhir', reference: 'Appointment/appt', rawValue: 'booked' },
      patientActive: { value: true, source: 'fhir', reference: 'Patient/p', rawValue: true },
    });
  });

  it.each<FactDefinition['type']>(['integer', 'boolean'])('refuses a string for a %s fact, at the element', (type) => {
    const status: FactDefinition = { type, description: 'misconfigured', fhir: { kind: 'element', resourceType: 'Appointment', path: 'status' } };
    const error = domainError(() => intake({ fhir: collection(patient('1970-01-01'), appt()), asOf: ASOF }, { status }));
    expect(error.errors).toEqual([{ pointer: '/fhir/entry/1/resource/status', message: `is "booked", which cannot be read as the ${type} the rulebook needs` }]);
  });

  it('refuses a number where a string is needed, and a string not allowed', () => {
    const asString: FactDefinition = { ...ELEMENTS.apptStatus, fhir: { kind: 'element', resourceType: 'Appointment', path: 'minutesDuration' } };
    const error = domainError(() => intake({ fhir: collection(patient('1970-01-01'), appt({ status: 'cancelled' })), asOf: ASOF }, { apptStatus: ELEMENTS.apptStatus, asString }));
    expect(error.errors).toEqual([
      { pointer: '/fhir/entry/1/resource/status', message: "'cancelled' is not one of 'booked', 'arrived'" },
      { pointer: '/fhir/entry/1/resource/minutesDuration', message: 'is 30, which cannot be read as the string the rulebook needs' },
    ]);
  });

  it('with onUnreadable missing, keeps the resource and the value as found in the missing fact', () => {
    const lenient: FactDefinition = { ...ELEMENTS.minutes, onUnreadable: 'missing', fhir: { kind: 'element', resourceType: 'Appointment', path: 'status' } };
    expect(intake({ fhir: collection(patient('1970-01-01'), appt()), asOf: ASOF }, { lenient }).missingDetails.lenient).toStrictEqual({
      reason: 'unreadable',
      detail: 'Appointment/appt (/fhir/entry/1/resource/status) is "booked", which cannot be read as the integer the rulebook needs',
      reference: 'Appointment/appt',
      rawValue: 'booked',
    });
  });

  it('reads an integer element as a number in the fact unit, and points a 422 at the element', () => {
    // fhirpath.js holds integer and decimal elements as its own decimal type, which is no Quantity
    const planned: FactDefinition = { ...ELEMENTS.minutes, unit: 'min', range: { max: 60 } };
    const fhir = (minutesDuration: number) => collection(patient('1970-01-01'), appt({ minutesDuration }));
    expect(intake({ fhir: fhir(30), asOf: ASOF }, { planned }).facts.planned).toStrictEqual({
      value: 30,
      unit: 'min',
      source: 'fhir',
      reference: 'Appointment/appt',
      rawValue: 30,
    });
    expect(domainError(() => intake({ fhir: fhir(90), asOf: ASOF }, { planned })).errors).toEqual([
      { pointer: '/fhir/entry/1/resource/minutesDuration', message: '90 min is outside the accepted range: must be at most 60 min' },
    ]);
  });

  it('points at the resource when a computed value is out of range', () => {
    const error = domainError(() => intake({ fhir: collection(patient('1970-01-01'), appt({ minutesDuration: 60 })), asOf: ASOF }, only('doubledMinutes')));
    expect(error.errors).toEqual([{ pointer: '/fhir/entry/1/resource', message: '120 is outside the accepted range: must be at most 100' }]);
  });

  it('says which resource type is not in the data, and whether the rulebook asked for a match', () => {
    const arrival: FactDefinition = { type: 'dateTime', description: 'Arrival', fhir: { kind: 'element', resourceType: 'Encounter', path: 'period.start', where: "class.code = 'EMER'" } };
    const result = intake({ fhir: collection(patient('1970-01-01')), asOf: ASOF }, { minutes: ELEMENTS.minutes, arrival });
    expect(result.missingDetails).toStrictEqual({
      minutes: { reason: 'not-in-supplied-data', detail: 'no Appointment about the patient in the data supplied' },
      arrival: { reason: 'not-in-supplied-data', detail: 'no Encounter about the patient that matches the rulebook in the data supplied' },
    });
  });

  describe('with codeMap', () => {
    const encounterClass: Record<string, FactDefinition> = {
      encounterClass: {
        type: 'string',
        description: 'Encounter class',
        fhir: { kind: 'element', resourceType: 'Encounter', path: 'class', codeMap: { [`${ACT_CODE}|EMER`]: 'emergency' } },
      },
    };
    const classOf = (fhir: unknown) => intake({ fhir, asOf: ASOF }, encounterClass);

    it('leaves the fact missing as unreadable when no code is mapped, naming the resource and the first code', () => {
      expect(classOf(collection(patient('1970-01-01'), encounter({ id: 'e', class: { system: ACT_CODE, code: 'AMB' } }))).missingDetails.encounterClass).toStrictEqual({
        reason: 'unreadable',
        detail: `Encounter/e: no code among ${ACT_CODE}|AMB is mapped by the rulebook`,
        reference: 'Encounter/e',
        rawValue: `${ACT_CODE}|AMB`,
      });
      expect(classOf(encounter({ class: { system: ACT_CODE, code: 'AMB' } })).missingDetails.encounterClass).toStrictEqual({
        reason: 'unreadable',
        detail: `/fhir: no code among ${ACT_CODE}|AMB is mapped by the rulebook`,
        rawValue: `${ACT_CODE}|AMB`,
      });
    });

    it('leaves the fact missing as not in the data when the element has no code with a system', () => {
      expect(classOf(collection(patient('1970-01-01'), encounter({ id: 'e', class: { code: 'EMER' } }))).missingDetails.encounterClass).toStrictEqual({
        reason: 'not-in-supplied-data',
        detail: 'Encounter/e has no coded value there',
      });
    });
  });

  it("refuses a resource the rulebook's where cannot be evaluated on (single() over two codings), or leaves the fact missing", () => {
    const where = "code.coding.single().code = '91302008'";
    const recorded = (onUnreadable?: 'missing'): Record<string, FactDefinition> => ({
      recorded: {
        type: 'dateTime',
        description: 'When the sepsis was recorded',
        ...(onUnreadable && { onUnreadable }),
        fhir: { kind: 'element', resourceType: 'Condition', path: 'recordedDate', where },
      },
    });
    const SNOMED = 'http://snomed.info/sct';
    const condition = { resourceType: 'Condition', id: 'c', subject, recordedDate: '2026-05-01', code: { coding: [{ system: SNOMED, code: '91302008' }, { system: 'http://example.org', code: 'x' }] } };
    const fhir = collection(patient('1970-01-01'), condition);
    const message = expect.stringMatching(/^cannot be read by the rulebook's FHIRPath: .+/);
    expect(domainError(() => intake({ fhir, asOf: ASOF }, recorded())).errors).toEqual([{ pointer: '/fhir/entry/1/resource', message }]);
    expect(intake({ fhir, asOf: ASOF }, recorded('missing')).missingDetails.recorded).toStrictEqual({
      reason: 'unreadable',
      detail: expect.stringMatching(/^Condition\/c \(\/fhir\/entry\/1\/resource\) cannot be read by the rulebook's FHIRPath: .+/),
      reference: 'Condition/c',
    });
  });
});

describe('exists active at an instant: the Periods at activeAt.period', () => {
  const ASOF = '2026-06-01T12:00:00Z';
  const subject = { reference: 'Patient/p' };
  const existsWith = (resourceType: 'Encounter' | 'Coverage', period: string): Record<string, FactDefinition> => ({
    active: { type: 'boolean', description: 'Active at asOf', fhir: { kind: 'exists', resourceType, activeAt: { period, at: 'asOf' } } },
  });

  it('is true when any one of several Periods contains the instant', () => {
    const encounter = {
      resourceType: 'Encounter',
      id: 'e',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
      subject,
      statusHistory: [
        { status: 'arrived', period: { start: '2026-05-01T00:00:00Z', end: '2026-05-02T00:00:00Z' } },
        { status: 'in-progress', period: { start: '2026-06-01T10:00:00Z' } },
      ],
    };
    expect(intake({ fhir: collection(patient('1970-01-01'), encounter), asOf: ASOF }, existsWith('Encounter', 'statusHistory.period')).facts.active).toStrictEqual({
      value: true,
      source: 'fhir',
      reference: 'Encounter/e',
    });
  });

  it('reads only Periods among the results: a dateTime there is not an open Period', () => {
    const coverage = {
      resourceType: 'Coverage',
      id: 'cov',
      status: 'active',
      beneficiary: subject,
      payor: [{ reference: 'Organization/o' }],
      period: { start: '2020-01-01', end: '2020-12-31' },
    };
    const fact = intake({ fhir: collection(patient('1970-01-01'), coverage), asOf: ASOF }, existsWith('Coverage', 'period | period.end')).facts.active;
    expect(fact).toStrictEqual({ value: false, source: 'fhir' });
  });
});

describe('compileDerivation: an expression that is not FHIRPath is refused, naming the field', () => {
  it.each<[string, string, FactDefinition['fhir']]>([
    ['path', 'element', { kind: 'element', resourceType: 'Encounter', path: 'period.(' }],
    ['where', 'element', { kind: 'element', resourceType: 'Encounter', path: 'period.start', where: 'period.(' }],
    ['where', 'exists', { kind: 'exists', resourceType: 'Encounter', where: 'period.(' }],
    ['codePath', 'exists', { kind: 'exists', resourceType: 'Condition', codePath: 'period.(', codes: ['http://snomed.info/sct|91302008'] }],
    ['activeAt.period', 'exists', { kind: 'exists', resourceType: 'Coverage', activeAt: { period: 'period.(', at: 'asOf' } }],
  ])('%s of an %s fact', (field, kind, fhir) => {
    const type = kind === 'exists' ? 'boolean' : 'dateTime';
    expect(() => compileFactCatalog({ f: { type, description: 'f', fhir } })).toThrow(`fact "f": ${field} 'period.(' is not valid FHIRPath: `);
  });
});
