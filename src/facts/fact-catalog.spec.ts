import { readFileSync } from 'node:fs';
import type { FactDefinition, ObservationDerivation } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog, takeInFacts, type FactIntakeInput } from './fact-catalog.js';
import { warmUpFhirValidator } from './fhir-validator.js';
import type { FactIntake } from './taken-fact.js';
import { domainError } from '../../test/support/domain-error.js';

const fixture = (path: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/fhir/${path}`, import.meta.url), 'utf8'));

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const UCUM = 'http://unitsofmeasure.org';

const observationOf = (codes: string[], extra: Partial<ObservationDerivation> = {}): ObservationDerivation => ({
  kind: 'observation',
  codes: codes.map((code) => `${LOINC}|${code}`),
  value: 'quantity',
  select: 'latest-at-or-before-asOf',
  ...extra,
});

/** A test catalog mirroring the ed-triage catalog (rulebooks/README.md), plus one fact of each other FHIR kind. */
const CATALOG: Record<string, FactDefinition> = {
  ageYears: { type: 'number', description: 'Exact age', unit: 'a', range: { min: 0, max: 150 }, fhir: { kind: 'patient-age' } },
  respiratoryRate: { type: 'integer', description: 'RR', unit: '/min', range: { min: 0, max: 80 }, fhir: observationOf(['9279-1']) },
  heartRate: { type: 'integer', description: 'HR', unit: '/min', range: { min: 0, max: 300 }, fhir: observationOf(['8867-4']) },
  spo2: { type: 'integer', description: 'SpO2', unit: '%', range: { min: 0, max: 100 }, fhir: observationOf(['2708-6', '59408-5']) },
  systolicBp: {
    type: 'integer',
    description: 'SBP',
    unit: 'mm[Hg]',
    range: { min: 0, max: 300 },
    fhir: observationOf(['8480-6'], { components: { panelCodes: [`${LOINC}|85354-9`, `${LOINC}|55284-4`], codes: [`${LOINC}|8480-6`] } }),
  },
  temperatureC: {
    type: 'number',
    description: 'Body temperature',
    unit: 'Cel',
    precision: 1,
    range: { min: 25, max: 45 },
    fhir: observationOf(['8310-5', '8331-1']),
  },
  painScore: { type: 'integer', description: 'Pain', unit: '{score}', range: { min: 0, max: 10 }, fhir: observationOf(['72514-3']) },
  consciousness: {
    type: 'string',
    description: 'ACVPU',
    allowedValues: ['A', 'C', 'V', 'P', 'U'],
    fhir: observationOf(['67775-7'], { value: 'coded', codeMap: { [`${SNOMED}|248234008`]: 'A', [`${SNOMED}|422768004`]: 'U' } }),
  },
  onSupplementalOxygen: {
    type: 'boolean',
    description: 'On oxygen',
    fhir: observationOf(['3151-8', '3150-0'], { value: 'quantity-nonzero' }),
  },
  spo2Scale2: { type: 'boolean', description: 'SpO2 scale 2 prescribed', default: false },
  news2Total: { type: 'integer', description: 'NEWS2 total', derivedFrom: { score: 'news2', value: 'total' } },
  // read before arrivalTime in catalog order, taken after it
  coveredAtArrival: {
    type: 'boolean',
    description: 'Coverage in force at arrival',
    fhir: { kind: 'exists', resourceType: 'Coverage', activeAt: { period: 'period', at: { fact: 'arrivalTime' } } },
  },
  arrivalTime: { type: 'dateTime', description: 'Arrival', fhir: { kind: 'element', resourceType: 'Encounter', path: 'period.start' } },
  encounterClass: {
    type: 'string',
    description: 'Encounter class',
    allowedValues: ['emergency', 'inpatient', 'ambulatory'],
    fhir: {
      kind: 'element',
      resourceType: 'Encounter',
      path: 'class',
      codeMap: { [`${ACT_CODE}|EMER`]: 'emergency', [`${ACT_CODE}|IMP`]: 'inpatient', [`${ACT_CODE}|AMB`]: 'ambulatory' },
    },
  },
  hasActiveCoverage: {
    type: 'boolean',
    description: 'Active Coverage at asOf',
    fhir: { kind: 'exists', resourceType: 'Coverage', where: "status = 'active'", activeAt: { period: 'period', at: 'asOf' } },
  },
  hasExtendedHealthcare: {
    type: 'boolean',
    description: 'Extended healthcare policy',
    fhir: { kind: 'exists', resourceType: 'Coverage', codePath: 'type', codes: [`${ACT_CODE}|EHCPOL`] },
  },
};

// Compiled in each test, not once per file: mutation testing (coverageAnalysis perTest) runs for a mutant of the
// catalog compiler only the tests that compile a catalog themselves.
const intake = (input: Omit<FactIntakeInput, 'asOf'> & { asOf: string }): FactIntake =>
  takeInFacts(compileFactCatalog(CATALOG), { ...input, asOf: new Date(input.asOf) });


const bundle = (...resources: unknown[]) => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: resources.map((resource, index) => ({ fullUrl: `urn:uuid:00000000-0000-0000-0000-${String(index).padStart(12, '0')}`, resource })),
});

const vital = (id: string, code: string, effective: string | undefined, value: number, unit: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: LOINC, code }] },
  ...(effective && { effectiveDateTime: effective }),
  valueQuantity: { value, unit, system: UCUM, code: unit },
  ...extra,
});

beforeAll(() => warmUpFhirValidator());

describe('takeInFacts: vital signs from FHIR Observations', () => {
  it('takes the respiratory rate (LOINC 9279-1) of the HL7 example Observation', () => {
    const { facts } = intake({ fhir: fixture('hl7-r4-examples/observation-example-respiratory-rate.json'), asOf: '2000-01-01T00:00:00Z' });
    expect(facts.respiratoryRate).toEqual({
      value: 26,
      unit: '/min',
      source: 'fhir',
      reference: 'Observation/respiratory-rate',
      code: `${LOINC}|9279-1`,
      effective: '1999-07-02T00:00:00.000Z',
      rawValue: 26,
      rawUnit: '/min',
      status: 'final',
    });
  });

  it('takes the heart rate (8867-4) by its UCUM code, not its display unit "beats/minute"', () => {
    const { facts } = intake({ fhir: fixture('hl7-r4-examples/observation-example-heart-rate.json'), asOf: '2000-01-01T00:00:00Z' });
    expect(facts.heartRate).toMatchObject({ value: 44, unit: '/min', reference: 'Observation/heart-rate', rawUnit: '/min' });
  });

  it('takes SpO2 from an Observation with two LOINC codings, naming the first one matched', () => {
    const { facts } = intake({ fhir: fixture('hl7-r4-examples/observation-example-satO2.json'), asOf: '2015-01-01T00:00:00Z' });
    expect(facts.spo2).toEqual({
      value: 95,
      unit: '%',
      source: 'fhir',
      reference: 'Observation/satO2',
      code: `${LOINC}|2708-6`,
      effective: '2014-12-05T08:30:10.000Z',
      rawValue: 95,
      rawUnit: '%',
      status: 'final',
    });
  });

  it('takes every vital of a Synthea COVID-19 child (batch bundle), rounded half up', () => {
    const result = intake({
      fhir: fixture('synthea-covid-pediatric/Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json'),
      asOf: '2020-03-07T12:00:00Z',
    });
    const effective = '2020-03-07T04:20:23.000Z';
    expect(result.facts).toMatchObject({
      temperatureC: { value: 40.9, unit: 'Cel', rawValue: 40.894, code: `${LOINC}|8310-5`, effective, reference: 'Observation/492fca20-2597-36b4-9da2-724a179c3bd0' },
      respiratoryRate: { value: 39, rawValue: 38.641, effective },
      heartRate: { value: 107, rawValue: 106.98 },
      spo2: { value: 86, rawValue: 85.76, code: `${LOINC}|2708-6` },
      systolicBp: {
        value: 116,
        unit: 'mm[Hg]',
        code: `${LOINC}|8480-6`,
        reference: 'Observation/4eec3a72-563d-917a-b569-ef53381031f9',
        effective,
      },
      spo2Scale2: { value: false, source: 'default' },
      hasActiveCoverage: { value: false, source: 'fhir' },
    });
    // born 2009-04-29: 130 complete months at 2020-02-29, then 7.5 of the 29 days to 2020-03-29
    expect(result.facts.ageYears).toEqual({
      value: (130 + 7.5 / 29) / 12,
      unit: 'a',
      source: 'fhir',
      reference: 'Patient/475d72ca-91c7-7211-97e3-f000af33fc04',
      rawValue: '2009-04-29',
    });
    expect(result.facts.hasActiveCoverage).not.toHaveProperty('reference');
    expect(result.missing).toEqual(['painScore', 'consciousness', 'onSupplementalOxygen']);
  });

  it('takes the systolic pressure from the 85354-9 panel of the other COVID-19 child', () => {
    const { facts } = intake({
      fhir: fixture('synthea-covid-pediatric/Les282_Bernier607_4f1ad84a-f8a2-2de6-343d-007efe781585.json'),
      asOf: '2020-03-11T00:00:00Z',
    });
    expect(facts).toMatchObject({
      systolicBp: { value: 134, reference: 'Observation/e06dec54-ccc4-cce6-56ec-f86a62edfe2e', effective: '2020-03-10T20:00:04.000Z' },
      temperatureC: { value: 41.6, rawValue: 41.573 },
      spo2: { value: 89, rawValue: 88.81 },
    });
  });

  it('takes the systolic pressure from a 55284-4 panel (older Synthea) and the latest pain score at or before asOf', () => {
    const alexis = fixture('synthea-smart-r4/Alexis_Toy_68cd1181-6359-4047-a77f-a165d7912480.json');
    const { facts } = intake({ fhir: alexis, asOf: '2019-01-01T00:00:00Z' });
    expect(facts.systolicBp).toEqual({
      value: 116,
      unit: 'mm[Hg]',
      source: 'fhir',
      reference: 'Observation/a9e4e056-71ae-4cbb-a126-d3ea5bfe4b66',
      code: `${LOINC}|8480-6`,
      effective: '2018-12-01T03:19:07.000Z',
      rawValue: 115.70196670424998,
      rawUnit: 'mm[Hg]',
      status: 'final',
    });
    expect(facts.painScore).toMatchObject({ value: 1, unit: '{score}', rawValue: 1.2843767496709928 });
    // one second earlier, the readings of 2018-12-01 are in the future
    const earlier = intake({ fhir: alexis, asOf: '2018-12-01T03:19:06Z' }).facts;
    expect(earlier.systolicBp).toMatchObject({ value: 114, effective: '2018-09-29T03:19:07.000Z' });
  });

  it('takes the Inferno patient 355 vitals, skipping dataAbsentReason Observations and ending effectivePeriods at their end', () => {
    const patient355 = fixture('inferno-uscore/uscore_bundle_patient_355.json');
    patient355.entry.splice(266, 1); // its effectivePeriod has a "stop" element: not valid R4 (see fhir-validator.spec)
    const { facts } = intake({ fhir: patient355, asOf: '2020-01-01T00:00:00Z' });
    expect(facts).toMatchObject({
      heartRate: { value: 65, reference: 'Observation/6d04d2d8-d984-468e-bca2-b1f31956b508', effective: '2003-07-11T00:33:18.000Z' },
      respiratoryRate: { value: 14, reference: 'Observation/5c5c96db-52b0-4c06-a1a5-4711a2ff6bf6' },
      temperatureC: { value: 37.8, rawValue: 37.799, reference: 'Observation/2691f7de-5775-428a-9bd8-b28b7d0afd8f' },
    });
  });

  it('keeps bundle order between Observations of the same time (Inferno pat015 SpO2)', () => {
    const pat015 = fixture('inferno-uscore/dtr_bundle_patient_pat015.json');
    expect(intake({ fhir: pat015, asOf: '2020-06-01T00:00:00Z' }).facts.spo2).toMatchObject({
      value: 80,
      reference: 'Observation/obs-pat015-o2excercise',
      effective: '2020-03-20T00:00:00.000Z',
    });
    expect(intake({ fhir: pat015, asOf: '2020-08-01T00:00:00Z' }).facts.spo2).toMatchObject({ value: 95, reference: 'Observation/obs015-o2sat-resting' });
  });

  describe('latest at or before asOf', () => {
    const temperatures = bundle(
      vital('t-0800', '8310-5', '2020-03-06T08:00:00Z', 37.04, 'Cel'),
      vital('t-0900-error', '8310-5', '2020-03-06T09:00:00Z', 38.0, 'Cel', { status: 'entered-in-error' }),
      vital('t-0830-cancelled', '8310-5', '2020-03-06T08:30:00Z', 41.0, 'Cel', { status: 'cancelled' }),
      vital('t-0845-absent', '8310-5', '2020-03-06T08:45:00Z', 0, 'Cel', {
        valueQuantity: undefined,
        dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'asked-declined' }] },
      }),
      vital('t-none', '8310-5', undefined, 40.0, 'Cel'),
      vital('t-1000', '8331-1', '2020-03-06T10:00:00Z', 39.0, 'Cel'),
    );
    it.each([
      ['2020-03-06T07:59:59.999Z', undefined],
      ['2020-03-06T08:00:00.000Z', 't-0800'],
      ['2020-03-06T09:30:00.000Z', 't-0800'],
      ['2020-03-06T10:00:00.000Z', 't-1000'],
      ['2030-01-01T00:00:00.000Z', 't-1000'],
    ])('at %s takes %s', (asOf, id) => {
      const { facts } = intake({ fhir: JSON.parse(JSON.stringify(temperatures)), asOf });
      expect(facts.temperatureC?.reference).toBe(id && `Observation/${id}`);
    });
  });

  it('converts [degF] to Cel with UCUM, keeping the raw value and unit', () => {
    const fever = vital('fever', '8310-5', '2020-03-06T08:00:00Z', 101.3, '[degF]', {
      valueQuantity: { value: 101.3, unit: '°F', system: UCUM, code: '[degF]' },
    });
    const { facts } = intake({ fhir: fever, asOf: '2020-03-07T00:00:00Z' });
    expect(facts.temperatureC).toMatchObject({ value: 38.5, unit: 'Cel', rawValue: 101.3, rawUnit: '[degF]' });
  });

  it('reads the unit from Quantity.unit when the system is not UCUM', () => {
    const fever = vital('fever', '8310-5', '2020-03-06T08:00:00Z', 98.6, '[degF]', { valueQuantity: { value: 98.6, unit: '[degF]' } });
    expect(intake({ fhir: fever, asOf: '2020-03-07T00:00:00Z' }).facts.temperatureC).toMatchObject({ value: 37, rawUnit: '[degF]' });
  });

  it.each([
    [36.05, 36.1],
    [37.25, 37.3],
    [37.24, 37.2],
  ])('rounds a FHIR temperature of %p half up to %p', (raw, expected) => {
    const fhir = vital('t', '8310-5', '2020-03-06T08:00:00Z', raw, 'Cel');
    expect(intake({ fhir, asOf: '2020-03-07T00:00:00Z' }).facts.temperatureC).toMatchObject({ value: expected, rawValue: raw });
  });

  it('derives supplemental oxygen from a flow rate above zero', () => {
    const flow = (value: number) => vital('o2', '3151-8', '2020-03-06T08:00:00Z', value, 'L/min');
    expect(intake({ fhir: flow(2), asOf: '2020-03-07T00:00:00Z' }).facts.onSupplementalOxygen).toMatchObject({ value: true, rawValue: 2, rawUnit: 'L/min' });
    expect(intake({ fhir: flow(0), asOf: '2020-03-07T00:00:00Z' }).facts.onSupplementalOxygen).toMatchObject({ value: false });
  });

  it('maps a coded Observation value through codeMap; an unmapped code leaves the fact missing', () => {
    const responsiveness = (code: string) => ({
      resourceType: 'Observation',
      id: 'acvpu',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '67775-7' }] },
      effectiveDateTime: '2020-03-06T08:00:00Z',
      valueCodeableConcept: { coding: [{ system: SNOMED, code }] },
    });
    const alert = intake({ fhir: responsiveness('248234008'), asOf: '2020-03-07T00:00:00Z' });
    expect(alert.facts.consciousness).toMatchObject({ value: 'A', code: `${LOINC}|67775-7`, rawValue: `${SNOMED}|248234008` });
    const unknown = intake({ fhir: responsiveness('999999'), asOf: '2020-03-07T00:00:00Z' });
    expect(unknown.missing).toContain('consciousness');
  });
});

describe('takeInFacts: precedence', () => {
  const bibi = () => fixture('synthea-covid-pediatric/Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json');

  it('lets an explicit request fact override the FHIR value', () => {
    const { facts } = intake({ facts: { respiratoryRate: 20 }, fhir: bibi(), asOf: '2020-03-07T12:00:00Z' });
    expect(facts.respiratoryRate).toEqual({ value: 20, unit: '/min', source: 'request', rawValue: 20 });
    expect(facts.heartRate).toMatchObject({ source: 'fhir' });
  });

  it('overrides a FHIR value that would be refused (the request value is used, no 422)', () => {
    const fhir = vital('bad', '8310-5', '2020-03-06T08:00:00Z', 37, 'kg');
    expect(intake({ facts: { temperatureC: 37 }, fhir, asOf: '2020-03-07T00:00:00Z' }).facts.temperatureC).toMatchObject({ source: 'request' });
  });

  it('uses the catalog default, and lists missing facts in catalog order without derived ones', () => {
    const result = intake({ facts: { heartRate: 80 }, asOf: '2020-03-07T12:00:00Z' });
    expect(result.facts).toEqual({
      heartRate: { value: 80, unit: '/min', source: 'request', rawValue: 80 },
      spo2Scale2: { value: false, source: 'default' },
    });
    expect(result.missing).toEqual([
      'ageYears',
      'respiratoryRate',
      'spo2',
      'systolicBp',
      'temperatureC',
      'painScore',
      'consciousness',
      'onSupplementalOxygen',
      'coveredAtArrival',
      'arrivalTime',
      'encounterClass',
      'hasActiveCoverage',
      'hasExtendedHealthcare',
    ]);
  });

  it('lets the request set a defaulted fact', () => {
    expect(intake({ facts: { spo2Scale2: true }, asOf: '2020-03-07T12:00:00Z' }).facts.spo2Scale2).toEqual({
      value: true,
      source: 'request',
      rawValue: true,
    });
  });
});

describe('takeInFacts: request facts', () => {
  it.each([
    ['an integer rounded half up', { respiratoryRate: 37.5 }, 'respiratoryRate', { value: 38, rawValue: 37.5 }],
    ['0.5 to 1 for an integer', { painScore: 0.5 }, 'painScore', { value: 1, unit: '{score}' }],
    ['a temperature rounded to 0.1', { temperatureC: 36.05 }, 'temperatureC', { value: 36.1, rawValue: 36.05 }],
    ['a value in [degF]', { temperatureC: { value: 101.3, unit: '[degF]' } }, 'temperatureC', { value: 38.5, unit: 'Cel', rawValue: 101.3, rawUnit: '[degF]' }],
    ['a value in the catalog unit, as an object', { heartRate: { value: 80, unit: '/min' } }, 'heartRate', { value: 80, rawUnit: '/min' }],
    ['a value rounded into range (100.4 %)', { spo2: 100.4 }, 'spo2', { value: 100 }],
    ['an allowed string', { consciousness: 'V' }, 'consciousness', { value: 'V', source: 'request' }],
    ['a date-time, in UTC', { arrivalTime: '2026-11-21T10:30:00+01:00' }, 'arrivalTime', { value: '2026-11-21T09:30:00.000Z', rawValue: '2026-11-21T10:30:00+01:00' }],
  ])('accepts %s', (_what, facts, name, expected) => {
    expect(intake({ facts, asOf: '2026-11-21T12:00:00Z' }).facts[name]).toMatchObject(expected);
  });

  it.each([
    ['an unknown fact', { bogus: 1 }, ['/facts/bogus']],
    ['a derived fact', { news2Total: 3 }, ['/facts/news2Total']],
    ['a string for a number', { heartRate: '80' }, ['/facts/heartRate']],
    ['a boolean for a number', { heartRate: true }, ['/facts/heartRate']],
    ['null for a number', { heartRate: null }, ['/facts/heartRate']],
    ['a quantity without a numeric value', { temperatureC: { value: '37', unit: 'Cel' } }, ['/facts/temperatureC/value']],
    ['a quantity with a non-string unit', { temperatureC: { value: 37, unit: 1 } }, ['/facts/temperatureC/unit']],
    ['a quantity with an unknown key', { temperatureC: { value: 37, scale: 'C' } }, ['/facts/temperatureC/scale']],
    ['a number for a boolean', { onSupplementalOxygen: 1 }, ['/facts/onSupplementalOxygen']],
    ['a number for a string', { consciousness: 1 }, ['/facts/consciousness']],
    ['a date for a date-time', { arrivalTime: '2026-11-21' }, ['/facts/arrivalTime']],
    ['a date-time without zone', { arrivalTime: '2026-11-21T09:30:00' }, ['/facts/arrivalTime']],
    ['facts that are not an object', ['heartRate'], ['/facts']],
    ['a name with a slash (escaped pointer)', { 'a/b': 1 }, ['/facts/a~1b']],
    ['several problems at once', { bogus: 1, heartRate: '80', spo2: { value: 90, extra: 1 } }, ['/facts/bogus', '/facts/heartRate', '/facts/spo2/extra']],
  ])('refuses %s with 400 VALIDATION_FAILED', (_what, facts, pointers) => {
    const error = domainError(() => intake({ facts: facts as Record<string, unknown>, asOf: '2026-11-21T12:00:00Z' }));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.errors?.map((e) => e.pointer)).toEqual(pointers);
  });

  it.each([
    ['an inconvertible unit', { temperatureC: { value: 37, unit: 'kg' } }, ['/facts/temperatureC/unit']],
    ['a unit that is not UCUM', { temperatureC: { value: 98.6, unit: 'degrees F' } }, ['/facts/temperatureC/unit']],
    ['a value above range', { spo2: 101 }, ['/facts/spo2']],
    ['a value that rounds above range (100.5 %)', { spo2: 100.5 }, ['/facts/spo2']],
    ['a value below range', { heartRate: -1 }, ['/facts/heartRate']],
    ['an age above 150', { ageYears: 151 }, ['/facts/ageYears']],
    ['a string not allowed', { consciousness: 'X' }, ['/facts/consciousness']],
    ['every problem at once', { spo2: 101, heartRate: -1, temperatureC: { value: 37, unit: 'kg' } }, ['/facts/spo2', '/facts/heartRate', '/facts/temperatureC/unit']],
  ])('refuses %s with 422 UNPROCESSABLE_FACTS', (_what, facts, pointers) => {
    const error = domainError(() => intake({ facts, asOf: '2026-11-21T12:00:00Z' }));
    expect(error).toMatchObject({ status: 422, code: 'UNPROCESSABLE_FACTS' });
    expect(error.errors?.map((e) => e.pointer)).toEqual(pointers);
  });

  it('reports 400 problems before 422 ones', () => {
    const error = domainError(() => intake({ facts: { spo2: 101, bogus: 1 }, asOf: '2026-11-21T12:00:00Z' }));
    expect(error).toMatchObject({ status: 400, errors: [{ pointer: '/facts/bogus', message: 'is not a fact of this rulebook' }] });
  });

  it('does not let FHIR or a default stand in for a refused request value', () => {
    const error = domainError(() =>
      intake({ facts: { spo2: 101 }, fhir: fixture('hl7-r4-examples/observation-example-satO2.json'), asOf: '2015-01-01T00:00:00Z' }),
    );
    expect(error.errors?.map((e) => e.pointer)).toEqual(['/facts/spo2']);
  });

  it('refuses an invalid asOf with 400 at /asOf', () => {
    const error = domainError(() => takeInFacts(compileFactCatalog(CATALOG), { facts: {}, asOf: new Date('nonsense') }));
    expect(error).toMatchObject({ status: 400, errors: [{ pointer: '/asOf' }] });
  });
});

describe('takeInFacts: FHIR problems', () => {
  it.each([
    ['an SpO2 above 100 %', bundle(vital('s', '2708-6', '2020-03-06T08:00:00Z', 101, '%')), '/fhir/entry/0/resource/valueQuantity/value'],
    [
      'a systolic pressure out of range in a panel component',
      bundle({
        ...vital('bp', '85354-9', '2020-03-06T08:00:00Z', 0, 'mm[Hg]'),
        valueQuantity: undefined,
        component: [
          { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 80, system: UCUM, code: 'mm[Hg]' } },
          { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 400, system: UCUM, code: 'mm[Hg]' } },
        ],
      }),
      '/fhir/entry/0/resource/component/1/valueQuantity/value',
    ],
    ['an inconvertible unit', vital('t', '8310-5', '2020-03-06T08:00:00Z', 37, 'kg'), '/fhir/valueQuantity'],
    ['a unit that is not UCUM', vital('t', '8310-5', '2020-03-06T08:00:00Z', 37, 'x', { valueQuantity: { value: 37, unit: 'degrees' } }), '/fhir/valueQuantity'],
    ['a quantity without unit', vital('t', '8310-5', '2020-03-06T08:00:00Z', 37, 'x', { valueQuantity: { value: 37 } }), '/fhir/valueQuantity'],
    ['a birthDate after asOf', { resourceType: 'Patient', id: 'p', birthDate: '2021-01-01' }, '/fhir/birthDate'],
    ['an age above 150', { resourceType: 'Patient', id: 'p', birthDate: '1850-01-01' }, '/fhir/birthDate'],
  ])('refuses %s with 422 UNPROCESSABLE_FACTS at the value', (_what, fhir, pointer) => {
    const error = domainError(() => intake({ fhir, asOf: '2020-03-07T00:00:00Z' }));
    expect(error).toMatchObject({ status: 422, code: 'UNPROCESSABLE_FACTS' });
    expect(error.errors?.map((e) => e.pointer)).toEqual([pointer]);
  });

  it('collects request and FHIR problems into one error', () => {
    const fhir = bundle(vital('s', '2708-6', '2020-03-06T08:00:00Z', 101, '%'));
    const error = domainError(() => intake({ facts: { heartRate: -1 }, fhir, asOf: '2020-03-07T00:00:00Z' }));
    expect(error.errors?.map((e) => e.pointer)).toEqual(['/facts/heartRate', '/fhir/entry/0/resource/valueQuantity/value']);
  });

  it('refuses a structurally invalid Observation (status: 42) with 422 FHIR_INVALID before deriving anything', () => {
    const fhir = bundle({ resourceType: 'Patient', id: 'p', birthDate: '2010-01-01' }, vital('rr', '9279-1', '2020-03-06T08:00:00Z', 20, '/min', { status: 42 }));
    const error = domainError(() => intake({ fhir, asOf: '2020-03-07T00:00:00Z' }));
    expect(error).toMatchObject({ status: 422, code: 'FHIR_INVALID', errors: [{ pointer: '/fhir/entry/1/resource/status' }] });
  });
});

describe('takeInFacts: patient age', () => {
  const ageAt = (birthDate: string, asOf: string) =>
    intake({ fhir: { resourceType: 'Patient', id: 'p', birthDate }, asOf }).facts.ageYears?.value;

  it.each([
    ['2020-01-15', '2020-04-15T00:00:00.000Z', 0.25],
    ['2017-03-10', '2020-03-10T00:00:00.000Z', 3],
    ['2012-06-01', '2020-06-01T00:00:00.000Z', 8],
  ])('born %s is exactly %p years old at %s', (birthDate, asOf, years) => {
    expect(ageAt(birthDate, asOf)).toBe(years);
  });

  it.each([
    ['2020-01-15', '2020-04-14T00:00:00.000Z', 0.25],
    ['2017-03-10', '2020-03-09T00:00:00.000Z', 3],
    ['2012-06-01', '2020-05-31T00:00:00.000Z', 8],
  ])('born %s, the day before the anniversary is under %p', (birthDate, asOf, edge) => {
    expect(ageAt(birthDate, asOf)).toBeLessThan(edge);
  });

  it('computes the age of the Inferno pat015 child at asOf, in years with full precision', () => {
    // born 2015-02-23: 65 complete months at 2020-07-23, then 9 of the 31 days to 2020-08-23
    const { facts } = intake({ fhir: fixture('inferno-uscore/dtr_bundle_patient_pat015.json'), asOf: '2020-08-01T00:00:00Z' });
    expect(facts.ageYears).toMatchObject({ value: (65 + 9 / 31) / 12, reference: 'Patient/pat015' });
  });

  it.each(['2015', '2015-02'])('leaves the age missing for the imprecise birthDate %s', (birthDate) => {
    expect(intake({ fhir: { resourceType: 'Patient', birthDate }, asOf: '2020-01-01T00:00:00Z' }).missing).toContain('ageYears');
  });

  it('rounds and converts when the catalog asks for whole months', () => {
    const months = compileFactCatalog({
      ageMonths: { type: 'integer', description: 'Age in months', unit: 'mo', fhir: { kind: 'patient-age' } },
    });
    const { facts } = takeInFacts(months, { fhir: { resourceType: 'Patient', birthDate: '2020-01-15' }, asOf: new Date('2020-04-30T00:00:00Z') });
    expect(facts.ageMonths).toMatchObject({ value: 4, unit: 'mo' }); // 3.5 months, half up
  });
});

describe('takeInFacts: Coverage active at an instant (exists)', () => {
  const coverage = () => fixture('hl7-r4-examples/coverage-example.json'); // period 2011-05-23 .. 2012-05-23
  it.each([
    ['inside the period', '2012-01-01T00:00:00Z', true],
    ['on the last day (a date-only end covers it)', '2012-05-23T23:59:59Z', true],
    ['after the end', '2012-05-24T00:00:00Z', false],
    ['before the start', '2011-05-22T00:00:00Z', false],
  ])('%s: %p', (_when, asOf, active) => {
    const fact = intake({ fhir: coverage(), asOf }).facts.hasActiveCoverage;
    expect(fact).toEqual(active ? { value: true, source: 'fhir', reference: 'Coverage/9876B1' } : { value: false, source: 'fhir' });
  });

  it('treats an open end as unbounded', () => {
    const openEnded = coverage();
    delete openEnded.period.end;
    expect(intake({ fhir: openEnded, asOf: '2030-01-01T00:00:00Z' }).facts.hasActiveCoverage).toMatchObject({ value: true });
  });

  it('treats a Coverage without period as in force (Inferno pat015)', () => {
    const { facts } = intake({ fhir: fixture('inferno-uscore/dtr_bundle_patient_pat015.json'), asOf: '2020-08-01T00:00:00Z' });
    expect(facts.hasActiveCoverage).toEqual({ value: true, source: 'fhir', reference: 'Coverage/cov015' });
  });

  it('applies where (status active)', () => {
    const cancelled = { ...coverage(), status: 'cancelled' };
    expect(intake({ fhir: cancelled, asOf: '2012-01-01T00:00:00Z' }).facts.hasActiveCoverage).toMatchObject({ value: false });
  });

  it('matches codes at codePath and names the coding', () => {
    expect(intake({ fhir: coverage(), asOf: '2012-01-01T00:00:00Z' }).facts.hasExtendedHealthcare).toEqual({
      value: true,
      source: 'fhir',
      reference: 'Coverage/9876B1',
      code: `${ACT_CODE}|EHCPOL`,
    });
  });

  it('checks the period at another dateTime fact, and at asOf when that fact is missing', () => {
    const facts = { arrivalTime: '2012-01-01T10:00:00Z' };
    const atArrival = intake({ facts, fhir: coverage(), asOf: '2013-01-01T00:00:00Z' }).facts;
    expect(atArrival).toMatchObject({ coveredAtArrival: { value: true }, hasActiveCoverage: { value: false } });
    const noArrival = intake({ fhir: coverage(), asOf: '2013-01-01T00:00:00Z' });
    expect(noArrival.facts.coveredAtArrival).toMatchObject({ value: false });
    expect(noArrival.missing).toContain('arrivalTime');
  });

  it('is missing when the request has no FHIR at all', () => {
    expect(intake({ facts: {}, asOf: '2012-01-01T00:00:00Z' }).missing).toContain('hasActiveCoverage');
  });
});

describe('takeInFacts: elements (FHIRPath)', () => {
  it('reads the emergency encounter start as UTC and maps its class through codeMap', () => {
    const fhir = fixture('hl7-r4-examples/encounter-example-emerg.json');
    const { facts } = intake({ fhir, asOf: '2017-02-02T00:00:00Z' });
    expect(facts.arrivalTime).toEqual({
      value: '2017-01-31T21:15:00.000Z',
      source: 'fhir',
      reference: 'Encounter/emerg',
      rawValue: '2017-02-01T07:15:00+10:00',
    });
    expect(facts.encounterClass).toMatchObject({ value: 'inpatient', code: `${ACT_CODE}|IMP` });
  });

  it('takes the first resource in bundle order that passes where', () => {
    const emergencies = compileFactCatalog({
      emergencyStart: {
        type: 'dateTime',
        description: 'Start of the emergency encounter',
        fhir: { kind: 'element', resourceType: 'Encounter', path: 'period.start', where: "class.code = 'EMER'" },
      },
    });
    const encounter = (id: string, code: string, start: string) => ({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { system: ACT_CODE, code },
      period: { start },
    });
    const fhir = bundle(encounter('amb', 'AMB', '2020-01-01'), encounter('er-1', 'EMER', '2020-02-01T10:00:00Z'), encounter('er-2', 'EMER', '2020-03-01'));
    const { facts } = takeInFacts(emergencies, { fhir, asOf: new Date('2021-01-01T00:00:00Z') });
    expect(facts.emergencyStart).toMatchObject({ value: '2020-02-01T10:00:00.000Z', reference: 'Encounter/er-1' });
  });

  it('points at the element when a value cannot be read as the fact type', () => {
    const odd = compileFactCatalog({
      encounterStatus: { type: 'number', description: 'misconfigured', fhir: { kind: 'element', resourceType: 'Encounter', path: 'statusHistory.status' } },
    });
    const error = domainError(() => takeInFacts(odd, { fhir: fixture('hl7-r4-examples/encounter-example-emerg.json'), asOf: new Date() }));
    expect(error).toMatchObject({ status: 422, code: 'UNPROCESSABLE_FACTS', errors: [{ pointer: '/fhir/statusHistory/0/status' }] });
  });

  it('points at a choice element with its type suffix', () => {
    const temperature = compileFactCatalog({
      anyTemperature: { type: 'number', description: 't', unit: 'Cel', range: { max: 45 }, fhir: { kind: 'element', resourceType: 'Observation', path: 'value' } },
    });
    const fhir = bundle(vital('t', '8310-5', '2020-03-06T08:00:00Z', 50, 'Cel'));
    const error = domainError(() => takeInFacts(temperature, { fhir, asOf: new Date('2021-01-01T00:00:00Z') }));
    expect(error.errors?.map((e) => e.pointer)).toEqual(['/fhir/entry/0/resource/valueQuantity/value']);
  });
});

describe('compileFactCatalog', () => {
  const base: FactDefinition = { type: 'integer', description: 'x', unit: '/min', fhir: observationOf(['9279-1']) };
  it.each<[string, Record<string, FactDefinition>, string]>([
    ['an invalid UCUM unit', { rr: { ...base, unit: 'breaths/minute' } }, 'fact "rr": unit'],
    ['fhir and derivedFrom together', { rr: { ...base, derivedFrom: { score: 's', value: 'total' } } }, 'fact "rr": has both'],
    ['a token without system', { rr: { ...base, fhir: { ...observationOf([]), codes: ['9279-1'] } } }, "fact \"rr\": codes: '9279-1'"],
    ['a quantity fact without unit', { rr: { ...base, unit: undefined } }, 'fact "rr": a \'quantity\' fact needs a UCUM unit'],
    ['a precision on an integer', { rr: { ...base, precision: 1 } }, 'fact "rr": precision 1'],
    ['a coded observation without codeMap', { c: { type: 'string', description: 'c', fhir: observationOf(['1-1'], { value: 'coded' }) } }, 'fact "c": codeMap'],
    [
      'a codeMap value not allowed',
      { c: { type: 'string', description: 'c', allowedValues: ['A'], fhir: observationOf(['1-1'], { value: 'coded', codeMap: { 's|x': 'B' } }) } },
      'fact "c": codeMap value',
    ],
    ['a default out of range', { s: { type: 'integer', description: 's', range: { max: 100 }, default: 101 } }, 'fact "s": default 101'],
    ['a FHIRPath syntax error', { e: { type: 'string', description: 'e', fhir: { kind: 'element', resourceType: 'Encounter', path: 'period.(' } } }, 'fact "e": path'],
    ['an unknown FHIRPath function', { e: { type: 'string', description: 'e', fhir: { kind: 'element', resourceType: 'Encounter', path: 'frobnicate()' } } }, 'fact "e": path'],
    ['a resource type Verdict does not read', { e: { type: 'string', description: 'e', fhir: { kind: 'element', resourceType: 'Claim' as 'Coverage', path: 'status' } } }, "fact \"e\": resourceType 'Claim'"],
    [
      'an activeAt fact that is not a dateTime',
      { b: { type: 'boolean', description: 'b', fhir: { kind: 'exists', resourceType: 'Coverage', activeAt: { period: 'period', at: { fact: 'rr' } } } }, rr: base },
      "fact \"b\": activeAt.at fact 'rr'",
    ],
    ['an exists fact that is not boolean', { b: { type: 'string', description: 'b', fhir: { kind: 'exists', resourceType: 'Coverage' } } }, 'fact "b": exists gives a boolean'],
    ['a patient age in a unit that is not time', { a: { type: 'number', description: 'a', unit: 'kg', fhir: { kind: 'patient-age' } } }, 'fact "a": patient-age'],
  ])('refuses %s, naming the fact', (_what, definitions, message) => {
    expect(() => compileFactCatalog(definitions)).toThrow(message);
  });

  it('orders a fact read as activeAt.at before the facts reading it, and keeps catalog order for output', () => {
    const catalog = compileFactCatalog(CATALOG);
    expect(catalog.intakeOrder.map((f) => f.name).indexOf('arrivalTime')).toBeLessThan(
      catalog.intakeOrder.map((f) => f.name).indexOf('coveredAtArrival'),
    );
    expect(catalog.catalogOrder.indexOf('coveredAtArrival')).toBeLessThan(catalog.catalogOrder.indexOf('arrivalTime'));
    expect(catalog.catalogOrder).not.toContain('news2Total');
  });
});
