import { readFileSync } from 'node:fs';
import type { FactDefinition } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog, takeInFacts } from './fact-catalog.js';
import { warmUpFhirValidator } from './fhir-validator.js';
import { resolveReference } from './patient-binding.js';
import type { FactIntake } from './taken-fact.js';
import { domainError } from '../../test/support/domain-error.js';

const fixture = (path: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/fhir/${path}`, import.meta.url), 'utf8'));

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const BIBI = '475d72ca-91c7-7211-97e3-f000af33fc04'; // born 2009-04-29, HR 107 (rounded) at 2020-03-07T04:20:23Z
const LES = '4f1ad84a-f8a2-2de6-343d-007efe781585'; // born 2017-05-13, vitals at 2020-03-10T20:00:04Z
const bibi = () => fixture(`synthea-covid-pediatric/Bibi254_Schowalter414_${BIBI}.json`);
const les = () => fixture(`synthea-covid-pediatric/Les282_Bernier607_${LES}.json`);

const CATALOG: Record<string, FactDefinition> = {
  ageYears: { type: 'number', description: 'Age', unit: 'a', range: { min: 0, max: 150 }, fhir: { kind: 'patient-age' } },
  heartRate: {
    type: 'integer',
    description: 'HR',
    unit: '/min',
    range: { min: 0, max: 300 },
    fhir: { kind: 'observation', codes: [`${LOINC}|8867-4`], value: 'quantity', select: 'latest-at-or-before-asOf' },
  },
  spo2: {
    type: 'integer',
    description: 'SpO2',
    unit: '%',
    range: { min: 0, max: 100 },
    fhir: { kind: 'observation', codes: [`${LOINC}|2708-6`, `${LOINC}|59408-5`], value: 'quantity', select: 'latest-at-or-before-asOf' },
  },
  hasCoverage: { type: 'boolean', description: 'Coverage', fhir: { kind: 'exists', resourceType: 'Coverage' } },
  appointmentStart: { type: 'dateTime', description: 'Start', fhir: { kind: 'element', resourceType: 'Appointment', path: 'start' } },
};
// Compiled in each test, not once per file: mutation testing (coverageAnalysis perTest) runs for a mutant of the
// catalog compiler only the tests that compile a catalog themselves.
const intake = (fhir: unknown, asOf: string, patientRef?: string): FactIntake =>
  takeInFacts(compileFactCatalog(CATALOG), { fhir, asOf: new Date(asOf), ...(patientRef !== undefined && { patientRef }) });


/** Two Synthea bundles' entries in one searchset, as a query across patients would return them. */
const searchset = (...bundles: Record<string, any>[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: bundles.flatMap((b) => b.entry),
});

/**
 * A Synthea bundle as a FHIR server returns it: RESTful `fullUrl`s on `base` and relative references
 * (`urn:uuid:X` -> `Patient/X`), as in a searchset of `GET [base]/Observation?patient=…`.
 */
function fromServer(bundle: Record<string, any>, base: string): Record<string, any> {
  const json = JSON.stringify(bundle.entry).replace(/"reference":"urn:uuid:([^"]+)"/g, (_m, id) => {
    const type = bundle.entry.find((e: any) => e.resource.id === id)?.resource.resourceType ?? 'Patient';
    return `"reference":"${type}/${id}"`;
  });
  const entry = JSON.parse(json).map((e: any) => ({ ...e, fullUrl: `${base}/${e.resource.resourceType}/${e.resource.id}` }));
  return { resourceType: 'Bundle', type: 'searchset', entry };
}

const heartRate = (id: string, subject: Record<string, unknown> | undefined, value: number, effective = '2020-03-07T05:00:00Z') => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: LOINC, code: '8867-4' }] },
  ...(subject && { subject }),
  effectiveDateTime: effective,
  valueQuantity: { value, unit: '/min', system: UCUM, code: '/min' },
});

beforeAll(() => warmUpFhirValidator());

describe('resolveReference (FHIR R4 bundle.html#references)', () => {
  it.each([
    ['urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a', undefined, 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a'],
    ['urn:oid:1.2.3.4', 'https://ehr.example/fhir/Observation/1', 'urn:oid:1.2.3.4'],
    ['Patient/123', 'https://ehr.example/fhir/Observation/9', 'https://ehr.example/fhir/Patient/123'],
    ['Patient/123/_history/2', 'https://ehr.example/fhir/Observation/9/_history/1', 'https://ehr.example/fhir/Patient/123'],
    ['Patient/123', undefined, 'local:Patient/123'],
    ['Patient/123', 'urn:uuid:0b1d', 'local:Patient/123'],
    ['https://ehr.example/fhir/Patient/123', 'https://other.example/fhir/Observation/9', 'https://ehr.example/fhir/Patient/123'],
    ['https://ehr.example/fhir/Patient/123/_history/7', undefined, 'https://ehr.example/fhir/Patient/123'],
    ['Patient?identifier=http://hospital.example/mrn|42', undefined, 'Patient?identifier=http://hospital.example/mrn|42'],
    ['#p1', undefined, '#p1'],
  ])('%s in an entry with fullUrl %s identifies %s', (reference, fullUrl, key) => {
    expect(resolveReference(reference, fullUrl).key).toBe(key);
  });

  it('knows the type of a relative, absolute or conditional reference', () => {
    expect(resolveReference('Group/g1')).toMatchObject({ type: 'Group', id: 'g1' });
    expect(resolveReference('https://ehr.example/fhir/Patient/1')).toMatchObject({ type: 'Patient', id: '1', base: 'https://ehr.example/fhir' });
    expect(resolveReference('Patient?identifier=x')).toMatchObject({ type: 'Patient' });
    expect(resolveReference('urn:uuid:1')).not.toHaveProperty('type');
  });
});

describe('takeInFacts: the decision is about one patient', () => {
  const asOf = '2020-03-11T00:00:00Z';

  it('refuses a searchset with two Patients and no patientRef: 422 AMBIGUOUS_PATIENT naming both', () => {
    const error = domainError(() => intake(searchset(bibi(), les()), asOf));
    expect(error).toMatchObject({ status: 422, code: 'AMBIGUOUS_PATIENT' });
    expect(error.errors).toEqual([{ pointer: '/fhir', message: expect.stringContaining(`Patient/${BIBI}, Patient/${LES}`) }]);
    expect(error.detail).toContain('context.patientRef');
  });

  it('with patientRef takes the age and vital signs of that patient only, and lists the other one as ignored', () => {
    const both = searchset(bibi(), les());
    const result = intake(both, asOf, `Patient/${BIBI}`);
    expect(result.patient).toBe(`Patient/${BIBI}`);
    expect(result.facts.ageYears).toMatchObject({ reference: `Patient/${BIBI}`, rawValue: '2009-04-29' });
    // Les282's heart rate (2020-03-10) is later than Bibi's (2020-03-07) and must not be taken
    expect(result.facts.heartRate).toMatchObject({ value: 107, effective: '2020-03-07T04:20:23.000Z' });
    const ignored = result.ignoredResources.filter((r) => r.reason === 'other-patient');
    expect(ignored).toContainEqual({ reference: `Patient/${LES}`, resourceType: 'Patient', reason: 'other-patient', detail: `is not the decision's patient (Patient/${BIBI})` });
    expect(ignored).toContainEqual(expect.objectContaining({ resourceType: 'Observation', detail: `subject urn:uuid:${LES} is not the decision's patient (Patient/${BIBI})` }));
    // every read resource of Les282 is listed, none of Bibi's
    const lesRead = les().entry.filter((e: any) => ['Patient', 'Observation', 'Condition', 'Encounter'].includes(e.resource.resourceType)).length;
    expect(result.ignoredResources).toHaveLength(lesRead);

    const other = intake(searchset(bibi(), les()), asOf, `urn:uuid:${LES}`);
    expect(other.facts.ageYears).toMatchObject({ reference: `Patient/${LES}` });
    expect(other.facts.heartRate).toMatchObject({ effective: '2020-03-10T20:00:04.000Z' });
  });

  it('resolves relative references against RESTful fullUrls (server searchset), with relative or absolute patientRef', () => {
    const base = 'https://ehr.example/fhir';
    const both = { ...fromServer(bibi(), base), entry: [...fromServer(bibi(), base).entry, ...fromServer(les(), base).entry] };
    for (const patientRef of [`Patient/${LES}`, `${base}/Patient/${LES}`, `${base}/Patient/${LES}/_history/3`]) {
      const result = intake(both, asOf, patientRef);
      expect(result.facts.ageYears).toMatchObject({ reference: `Patient/${LES}`, rawValue: '2017-05-13' });
      expect(result.facts.heartRate).toMatchObject({ effective: '2020-03-10T20:00:04.000Z' });
      expect(result.ignoredResources.some((r) => r.reference === `Patient/${BIBI}`)).toBe(true);
    }
  });

  it('uses nothing of a Patient on another server base than the absolute patientRef names', () => {
    const result = intake(fromServer(les(), 'https://ehr.example/fhir'), asOf, `https://other.example/fhir/Patient/${LES}`);
    expect(result.facts).toEqual({ hasCoverage: { value: false, source: 'fhir' } }); // absentMeans false: none about the patient
    expect(result.missingDetails.ageYears).toMatchObject({ reason: 'not-in-supplied-data' });
    expect(result.ignoredResources.find((r) => r.resourceType === 'Patient')).toMatchObject({ reason: 'other-patient' });
  });

  it('when patientRef matches no Patient of the input, no Patient counts: the age is missing and every resource is ignored', () => {
    const result = intake(bibi(), asOf, 'Patient/someone-else');
    expect(result.patient).toBe('Patient/someone-else');
    expect(result.missing).toEqual(['ageYears', 'heartRate', 'spo2', 'appointmentStart']);
    expect(result.missingDetails.ageYears).toEqual({ reason: 'not-in-supplied-data', detail: "no Patient resource of the decision's patient in the data supplied" });
    expect(result.ignoredResources.map((r) => r.reason)).toEqual(expect.arrayContaining(['other-patient']));
    expect(new Set(result.ignoredResources.map((r) => r.reason))).toEqual(new Set(['other-patient']));
  });

  it('ignores an Observation about another subject and lists it, even when it is the latest', () => {
    const fhir = bibi();
    fhir.entry.push({ fullUrl: 'urn:uuid:foreign-hr', resource: heartRate('foreign-hr', { reference: 'Patient/infant-1' }, 190) });
    const result = intake(fhir, '2020-03-08T00:00:00Z');
    expect(result.facts.heartRate).toMatchObject({ value: 107, reference: 'Observation/44f49704-29cd-b278-31af-53103fa7b957' });
    expect(result.ignoredResources).toEqual([
      {
        reference: 'Observation/foreign-hr',
        resourceType: 'Observation',
        reason: 'other-patient',
        detail: `subject Patient/infant-1 is not the decision's patient (Patient/${BIBI})`,
      },
    ]);
  });

  it('ignores an Observation without subject while the patient is known, and one whose subject is a Group', () => {
    const fhir = bibi();
    fhir.entry.push({ resource: heartRate('no-subject', undefined, 190) });
    fhir.entry.push({ resource: heartRate('group', { reference: 'Group/ward-3' }, 190) });
    const result = intake(fhir, '2020-03-08T00:00:00Z');
    expect(result.facts.heartRate.value).toBe(107);
    expect(result.ignoredResources).toEqual([
      expect.objectContaining({ reference: 'Observation/no-subject', reason: 'no-patient-reference' }),
      expect.objectContaining({ reference: 'Observation/group', reason: 'not-a-patient-resource', detail: 'subject Group/ward-3 refers to a Group, not a Patient' }),
    ]);
  });

  it('without a Patient, takes the one subject the resources refer to; two subjects are ambiguous', () => {
    const one = { resourceType: 'Bundle', type: 'collection', entry: [heartRate('a', { reference: 'Patient/p1' }, 80), heartRate('b', { reference: 'Patient/p1' }, 90, '2020-03-07T06:00:00Z'), heartRate('c', undefined, 200)].map((resource) => ({ resource })) };
    const result = intake(one, asOf);
    expect(result.patient).toBe('Patient/p1');
    expect(result.facts.heartRate).toMatchObject({ value: 90, reference: 'Observation/b' });
    expect(result.ignoredResources).toEqual([expect.objectContaining({ reference: 'Observation/c', reason: 'no-patient-reference' })]);

    const two = { resourceType: 'Bundle', type: 'collection', entry: [heartRate('a', { reference: 'Patient/p1' }, 80), heartRate('b', { reference: 'Patient/p2' }, 190)].map((resource) => ({ resource })) };
    const error = domainError(() => intake(two, asOf));
    expect(error).toMatchObject({ status: 422, code: 'AMBIGUOUS_PATIENT', errors: [{ pointer: '/fhir', message: expect.stringContaining('Patient/p1, Patient/p2') }] });
    expect(intake(two, asOf, 'Patient/p2').facts.heartRate).toMatchObject({ value: 190 });
  });

  it('reads every resource when nothing names a patient (a lone Observation without subject)', () => {
    const result = intake(heartRate('lone', undefined, 72), asOf);
    expect(result).toMatchObject({ facts: { heartRate: { value: 72 } }, ignoredResources: [] });
    expect(result).not.toHaveProperty('patient');
  });

  it('ties relative Patient/pat015 references made in urn:uuid entries to the Patient with that id (Inferno pat015)', () => {
    const result = intake(fixture('inferno-uscore/dtr_bundle_patient_pat015.json'), '2020-08-01T00:00:00Z');
    expect(result.patient).toBe('Patient/pat015');
    expect(result.facts).toMatchObject({ spo2: { value: 95 }, hasCoverage: { value: true, reference: 'Coverage/cov015' }, ageYears: { reference: 'Patient/pat015' } });
    expect(result.ignoredResources).toEqual([]);
  });

  it('matches an absolute reference, with or without _history, to the entry with that RESTful fullUrl', () => {
    const base = 'https://ehr.example/fhir';
    const fhir = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: `${base}/Patient/p1`, resource: { resourceType: 'Patient', id: 'p1', birthDate: '1980-01-01' } },
        { fullUrl: `${base}/Observation/a`, resource: heartRate('a', { reference: `${base}/Patient/p1/_history/2` }, 80) },
        { fullUrl: `https://other.example/fhir/Observation/b`, resource: heartRate('b', { reference: 'Patient/p1' }, 190, '2020-03-08T00:00:00Z') },
      ],
    };
    const result = intake(fhir, asOf);
    expect(result.facts.heartRate).toMatchObject({ value: 80, reference: 'Observation/a' });
    expect(result.ignoredResources).toEqual([
      expect.objectContaining({ reference: 'Observation/b', reason: 'other-patient', detail: "subject Patient/p1 is not the decision's patient (Patient/p1)" }),
    ]);
  });

  it('refuses a relative patientRef that matches Patients of two servers', () => {
    const fhir = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { fullUrl: 'https://a.example/fhir/Patient/7', resource: { resourceType: 'Patient', id: '7' } },
        { fullUrl: 'https://b.example/fhir/Patient/7', resource: { resourceType: 'Patient', id: '7' } },
      ],
    };
    expect(domainError(() => intake(fhir, asOf, 'Patient/7'))).toMatchObject({ status: 422, code: 'AMBIGUOUS_PATIENT' });
    expect(intake(fhir, asOf, 'https://b.example/fhir/Patient/7').ignoredResources).toEqual([
      expect.objectContaining({ reference: 'Patient/7', reason: 'other-patient' }),
    ]);
  });

  it('reads an Appointment whose participant is the patient, and ignores a Coverage whose beneficiary is not (HL7 examples)', () => {
    const fhir = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [fixture('hl7-r4-examples/patient-example.json'), fixture('hl7-r4-examples/appointment-example.json'), fixture('hl7-r4-examples/coverage-example.json')].map(
        (resource) => ({ resource }),
      ),
    };
    const result = intake(fhir, '2013-12-01T00:00:00Z');
    expect(result.facts.appointmentStart).toMatchObject({ value: '2013-12-10T09:00:00.000Z', reference: 'Appointment/example' });
    expect(result.facts.hasCoverage).toEqual({ value: false, source: 'fhir' });
    expect(result.ignoredResources).toEqual([
      { reference: 'Coverage/9876B1', resourceType: 'Coverage', reason: 'other-patient', detail: "beneficiary Patient/4 is not the decision's patient (Patient/example)" },
    ]);
    const appointmentOfOther = intake(fhir, '2013-12-01T00:00:00Z', 'Patient/4');
    expect(appointmentOfOther.facts).toEqual({ hasCoverage: { value: true, source: 'fhir', reference: 'Coverage/9876B1' } });
  });
});
