import { readFileSync } from 'node:fs';
import type { FactDefinition } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog, takeInFacts } from './fact-catalog.js';
import { warmUpFhirValidator } from './fhir-validator.js';
import type { FactIntake } from './taken-fact.js';

/**
 * Edges of FHIR fact derivation that a wrong answer would hide: a code list that must be honoured, dates too
 * imprecise to be instants, panels coded more than once, a birth on the day of the decision, an element that is not
 * there, and missing facts that must not appear among the facts. Each would change a clinical answer silently.
 */

const fixture = (path: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/fhir/${path}`, import.meta.url), 'utf8'));

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const SEPSIS = `${SNOMED}|91302008`;

const CATALOG: Record<string, FactDefinition> = {
  hasSepsis: {
    type: 'boolean',
    description: 'An active sepsis Condition',
    fhir: { kind: 'exists', resourceType: 'Condition', codePath: 'code', codes: [SEPSIS] },
  },
  systolicBp: {
    type: 'number',
    description: 'Systolic blood pressure',
    unit: 'mm[Hg]',
    fhir: {
      kind: 'observation',
      codes: [`${LOINC}|8480-6`],
      value: 'quantity',
      select: 'latest-at-or-before-asOf',
      components: { panelCodes: [`${LOINC}|85354-9`], codes: [`${LOINC}|8480-6`] },
    },
  },
  ageDays: { type: 'number', description: 'Age in days', unit: 'd', fhir: { kind: 'patient-age' } },
  ageYears: { type: 'number', description: 'Age in years', unit: 'a', fhir: { kind: 'patient-age' } },
  appointmentStart: { type: 'dateTime', description: 'Start', fhir: { kind: 'element', resourceType: 'Appointment', path: 'start' } },
  conditionRecorded: { type: 'dateTime', description: 'When the Condition was recorded', fhir: { kind: 'element', resourceType: 'Condition', path: 'recordedDate' } },
  appointmentMinutes: { type: 'integer', description: 'Planned minutes', fhir: { kind: 'element', resourceType: 'Appointment', path: 'minutesDuration' } },
};
// Compiled in each test, not once per file: mutation testing (coverageAnalysis perTest) runs for a mutant of the
// catalog compiler only the tests that compile a catalog themselves.
const intake = (resources: unknown[], asOf = '2026-06-01T12:00:00Z', facts: Record<string, unknown> = {}): FactIntake =>
  takeInFacts(compileFactCatalog(CATALOG), {
    fhir: { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) },
    facts,
    asOf: new Date(asOf),
  });

const patient = (birthDate = '1970-01-01') => ({ resourceType: 'Patient', id: 'p', birthDate });
const subject = { reference: 'Patient/p' };
const condition = (id: string, system: string, code: string) => ({
  resourceType: 'Condition', id, subject, code: { coding: [{ system, code }] },
});
const appointment = (fields: Record<string, unknown>) => ({
  resourceType: 'Appointment', id: 'appt', status: 'booked', participant: [{ actor: subject, status: 'accepted' }], ...fields,
});

beforeAll(() => warmUpFhirValidator());

describe('exists with codes: only a resource with one of the codes counts', () => {
  it('is false when the only Condition has another code, and true with the listed code (reference and code named)', () => {
    expect(intake([patient(), condition('asthma', SNOMED, '195967001')]).facts.hasSepsis).toStrictEqual({ value: false, source: 'fhir' });
    expect(intake([patient(), condition('asthma', SNOMED, '195967001'), condition('sepsis', SNOMED, '91302008')]).facts.hasSepsis).toStrictEqual({
      value: true, source: 'fhir', reference: 'Condition/sepsis', code: SEPSIS,
    });
  });

  it('does not take the code from another system with the same code value', () => {
    expect(intake([patient(), condition('other', 'http://example.org/codes', '91302008')]).facts.hasSepsis?.value).toBe(false);
  });
});

describe('blood pressure panels', () => {
  it('reads the systolic component of the HL7 85354-9 panel, whose components carry three codings each', () => {
    const panel = { ...fixture('hl7-r4-examples/observation-example-bloodpressure.json'), subject };
    const result = intake([patient(), panel]);
    expect(result.facts.systolicBp).toMatchObject({ value: 107, unit: 'mm[Hg]', reference: 'Observation/blood-pressure' });
  });

  it('reads a panel whose own code carries a second coding beside the LOINC panel code', () => {
    const example = fixture('hl7-r4-examples/observation-example-bloodpressure.json');
    const panel = { ...example, subject, code: { coding: [{ system: SNOMED, code: '75367002' }, ...example.code.coding] } };
    expect(intake([patient(), panel]).facts.systolicBp?.value).toBe(107);
  });
});

describe('patient age on the day of birth', () => {
  it('is 0 when the birth date is the decision day (00:00 UTC), not refused as a future birth', () => {
    const result = intake([patient('2026-06-01')], '2026-06-01T00:00:00Z');
    expect(result.facts.ageDays?.value).toBe(0);
    expect(result.facts.ageYears?.value).toBe(0);
  });

  it('refuses a birth date after asOf, at the birthDate', () => {
    expect(() => intake([patient('2026-06-02')], '2026-06-01T23:59:59Z')).toThrow(expect.objectContaining({ status: 422 }));
  });

  it('leaves the age missing for a birthDate of only a year or a year and month (too imprecise)', () => {
    for (const birthDate of ['1970', '1970-05']) {
      const result = intake([patient(birthDate)]);
      expect(result.facts).not.toHaveProperty('ageYears');
      expect(result.missingDetails.ageYears).toMatchObject({ reason: 'unreadable', detail: `birthDate ${birthDate} is not a full date` });
    }
  });
});

describe('element facts', () => {
  it('takes a dateTime with a day or a time, and leaves a year-only or year-month date missing as too imprecise', () => {
    const recorded = (recordedDate: string) => ({ ...condition('c', SNOMED, '195967001'), recordedDate });
    expect(intake([patient(), recorded('2026-05-20')]).facts.conditionRecorded?.value).toBe('2026-05-20T00:00:00.000Z');
    expect(intake([patient(), recorded('2026-05-20T09:00:00+02:00')]).facts.conditionRecorded?.value).toBe('2026-05-20T07:00:00.000Z');
    for (const date of ['2026', '2026-05']) {
      const result = intake([patient(), recorded(date)]);
      expect(result.facts).not.toHaveProperty('conditionRecorded');
      expect(result.missingDetails.conditionRecorded).toMatchObject({ reason: 'unreadable', detail: `Condition/c: ${date} is only a ${date.length === 4 ? 'year' : 'month'}, too imprecise` });
    }
  });

  it('leaves the fact missing (not-in-supplied-data) when the path finds nothing, instead of failing the request', () => {
    const result = intake([patient(), appointment({ start: '2026-06-20T09:00:00Z' })]);
    expect(result.missingDetails.appointmentMinutes).toStrictEqual({ reason: 'not-in-supplied-data', detail: 'Appointment/appt has no value there' });
  });
});

describe('missing facts are absent from facts, never present as undefined', () => {
  it('lists a missing fact in missing and missingDetails only', () => {
    const result = intake([patient()]);
    expect(result.missing).toEqual(expect.arrayContaining(['systolicBp', 'appointmentStart', 'appointmentMinutes', 'conditionRecorded']));
    for (const name of result.missing) expect(Object.keys(result.facts)).not.toContain(name);
    expect(Object.keys(result.facts).sort()).toStrictEqual(['ageDays', 'ageYears', 'hasSepsis']);
  });
});
