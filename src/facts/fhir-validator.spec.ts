import { readFileSync } from 'node:fs';
import { DomainError } from '../common/domain-error.js';
import { validateFhirInput, warmUpFhirValidator } from './fhir-validator.js';

const fixture = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/fhir/${path}`, import.meta.url), 'utf8'));

/** The DomainError `validateFhirInput` throws for `fhir`, or undefined when it passes. */
function fhirError(fhir: unknown): DomainError | undefined {
  try {
    validateFhirInput(fhir);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

const pointers = (error: DomainError | undefined) => error?.errors?.map((e) => e.pointer);

const observation = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '9279-1' }] },
  effectiveDateTime: '2020-03-06T20:20:23-08:00',
  valueQuantity: { value: 20, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  ...extra,
});

const bundle = (...resources: unknown[]) => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: resources.map((resource) => ({ resource })),
});

beforeAll(() => warmUpFhirValidator());

describe('validateFhirInput', () => {
  it.each([
    'synthea-smart-r4/Alexis_Toy_68cd1181-6359-4047-a77f-a165d7912480.json',
    'synthea-smart-r4/Adalberto_Hartmann_44ec4447-9e2c-4eb9-bd4f-0bdb416b806e.json',
    'synthea-covid-pediatric/Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json',
    'synthea-covid-pediatric/Les282_Bernier607_4f1ad84a-f8a2-2de6-343d-007efe781585.json',
    'inferno-uscore/dtr_bundle_patient_pat015.json',
    'hl7-r4-examples/observation-example-respiratory-rate.json',
    'hl7-r4-examples/observation-example-satO2.json',
    'hl7-r4-examples/observation-example-bloodpressure.json',
    'hl7-r4-examples/coverage-example.json',
    'hl7-r4-examples/patient-example.json',
    'hl7-r4-examples/encounter-example-emerg.json',
  ])('accepts the real FHIR R4 input %s', (path) => {
    expect(fhirError(fixture(path))).toBeUndefined();
  });

  it('points at the element of a structurally invalid Observation in a bundle (status: 42)', () => {
    const error = fhirError(bundle(fixture('hl7-r4-examples/patient-example.json'), observation({ status: 42 })));
    expect(error).toMatchObject({ status: 422, code: 'FHIR_INVALID' });
    expect(pointers(error)).toEqual(['/fhir/entry/1/resource/status']);
  });

  it('reports the published Inferno bundle whose Period has a "stop" element', () => {
    const error = fhirError(fixture('inferno-uscore/uscore_bundle_patient_355.json'));
    expect(error).toMatchObject({ status: 422, code: 'FHIR_INVALID' });
    expect(error?.errors).toEqual([
      { pointer: '/fhir/entry/266/resource/effectivePeriod/stop', message: 'is not an element of this FHIR R4 type' },
    ]);
  });

  it('lists every problem of a single resource, with the allowed codes', () => {
    const error = fhirError(observation({ status: 'done', valueQuantity: { value: '20' }, colour: 'red' }));
    expect(error?.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/fhir/status', message: expect.stringContaining('"final"') },
        { pointer: '/fhir/valueQuantity/value', message: expect.any(String) },
        { pointer: '/fhir/colour', message: 'is not an element of this FHIR R4 type' },
      ]),
    );
  });

  it.each([
    ['an array', '/fhir', []],
    ['a string', '/fhir', 'Patient/1'],
    ['null', '/fhir', null],
    ['a resource without resourceType', '/fhir/resourceType', { id: 'x' }],
    ['an unknown resource type', '/fhir/resourceType', { resourceType: 'Pateint' }],
    ['an entry without resourceType', '/fhir/entry/0/resource/resourceType', bundle({ id: 'x' })],
    ['an entry that is not an object', '/fhir/entry/0/resource', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: 7 }] }],
    ['a Bundle of an unknown type', '/fhir/type', { resourceType: 'Bundle', type: 'bag' }],
    ['a Bundle whose entry is not an array', '/fhir/entry', { resourceType: 'Bundle', type: 'collection', entry: {} }],
    ['a Bundle entry that is a number', '/fhir/entry/0', { resourceType: 'Bundle', type: 'collection', entry: [1] }],
    ['a Bundle entry that is a string', '/fhir/entry/0', { resourceType: 'Bundle', type: 'collection', entry: ['Patient/1'] }],
    ['a Bundle entry that is null', '/fhir/entry/0', { resourceType: 'Bundle', type: 'collection', entry: [null] }],
    ['a Bundle entry that is an array', '/fhir/entry/0', { resourceType: 'Bundle', type: 'collection', entry: [[{ resource: { resourceType: 'Patient' } }]] }],
    ['a Bundle entry with neither resource, request nor response (bdl-5)', '/fhir/entry/0', { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:1' }] }],
    ['a complex element that is not an object', '/fhir/entry/0/resource/code', bundle(observation({ code: 'respiratory rate' }))],
    ['a quantity that is not an object', '/fhir/valueQuantity', observation({ valueQuantity: 20 })],
  ])('refuses %s with 422 FHIR_INVALID at %s', (_what, pointer, fhir) => {
    const error = fhirError(fhir);
    expect(error).toMatchObject({ status: 422, code: 'FHIR_INVALID' });
    expect(pointers(error)).toEqual([pointer]);
  });

  it('accepts a Bundle entry without a resource when it has a request or response (transaction, batch-response)', () => {
    expect(fhirError({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'Patient/1' } }] })).toBeUndefined();
    expect(fhirError({ resourceType: 'Bundle', type: 'batch-response', entry: [{ response: { status: '204' } }] })).toBeUndefined();
  });

  it('lets resources Verdict does not read pass unvalidated', () => {
    const claim = { resourceType: 'Claim', status: 42, whatever: true };
    expect(fhirError(bundle(claim, observation()))).toBeUndefined();
    expect(fhirError(claim)).toBeUndefined();
  });

  it('caps the list of problems at 50 and says how many there were', () => {
    const error = fhirError(bundle(...Array.from({ length: 60 }, () => observation({ status: 42 }))));
    expect(error?.errors).toHaveLength(50);
    expect(error?.detail).toContain('50 of 60');
  });
});
