import { readFileSync } from 'node:fs';
import type { FactDefinition, ObservationDerivation } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog, takeInFacts } from './fact-catalog.js';
import { warmUpFhirValidator } from './fhir-validator.js';
import type { FactIntake } from './taken-fact.js';
import { domainError } from '../../test/support/domain-error.js';

const fixture = (path: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/fhir/${path}`, import.meta.url), 'utf8'));

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';
const VITAL_SIGNS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

const observationOf = (codes: string[], extra: Partial<ObservationDerivation> = {}): ObservationDerivation => ({
  kind: 'observation',
  codes: codes.map((code) => `${LOINC}|${code}`),
  value: 'quantity',
  select: 'latest-at-or-before-asOf',
  ...extra,
});

/** Oxygen as the issue asks: a flow rate above 0 L/min or an inhaled concentration above room air (21 %), top level or in a pulse-oximetry panel. */
const OXYGEN: FactDefinition = {
  type: 'boolean',
  description: 'On supplemental oxygen',
  fhir: observationOf(['3151-8', '3150-0'], {
    value: 'quantity-above',
    components: { panelCodes: [`${LOINC}|59408-5`, `${LOINC}|2708-6`], codes: [`${LOINC}|3151-8`, `${LOINC}|3150-0`] },
    above: { [`${LOINC}|3151-8`]: { value: 0, unit: 'L/min' }, [`${LOINC}|3150-0`]: { value: 21, unit: '%' } },
  }),
};

const CATALOG: Record<string, FactDefinition> = {
  heartRate: { type: 'integer', description: 'HR', unit: '/min', range: { min: 0, max: 300 }, fhir: observationOf(['8867-4']) },
  heartRateRecent: {
    type: 'integer',
    description: 'HR within 4 hours, vital-signs category preferred',
    unit: '/min',
    range: { min: 0, max: 300 },
    maxAge: 'PT4H',
    fhir: observationOf(['8867-4'], { preferCategory: [VITAL_SIGNS] }),
  },
  heartRateFinalOnly: { type: 'integer', description: 'HR, final only', unit: '/min', fhir: observationOf(['8867-4'], { statuses: ['final'] }) },
  heartRateLenient: { type: 'integer', description: 'HR', unit: '/min', range: { min: 0, max: 300 }, onUnreadable: 'missing', fhir: observationOf(['8867-4']) },
  painScore: { type: 'integer', description: 'Pain', unit: '{score}', range: { min: 0, max: 10 }, fhir: observationOf(['72514-3']) },
  painScoreLenient: { type: 'integer', description: 'Pain', unit: '{score}', range: { min: 0, max: 10 }, onUnreadable: 'missing', fhir: observationOf(['72514-3']) },
  onSupplementalOxygen: OXYGEN,
  onOxygenLenient: { ...OXYGEN, onUnreadable: 'missing' },
  consciousness: {
    type: 'string',
    description: 'ACVPU',
    allowedValues: ['A', 'U'],
    fhir: observationOf(['67775-7'], { value: 'coded', codeMap: { [`${SNOMED}|248234008`]: 'A', [`${SNOMED}|422768004`]: 'U' } }),
  },
};
const ASOF = '2026-11-21T12:00:00.000Z';
// Compiled in each test, not once per file: mutation testing (coverageAnalysis perTest) runs for a mutant of the
// catalog compiler only the tests that compile a catalog themselves.
const intake = (fhir: unknown, asOf = ASOF): FactIntake => takeInFacts(compileFactCatalog(CATALOG), { fhir, asOf: new Date(asOf) });


const patient = { resourceType: 'Patient', id: 'p1', birthDate: '1970-01-01' };
const subject = { reference: 'Patient/p1' };
const bundle = (...resources: unknown[]) => ({ resourceType: 'Bundle', type: 'collection', entry: [patient, ...resources].map((resource) => ({ resource })) });

function observation(id: string, code: string, effective: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code }] },
    subject,
    effectiveDateTime: effective,
    ...value,
    ...extra,
  };
}
const quantity = (value: number, unit?: string) => ({ valueQuantity: { value, ...(unit !== undefined && { unit, system: UCUM, code: unit }) } });
const hr = (id: string, effective: string, value: number, extra: Record<string, unknown> = {}) => observation(id, '8867-4', effective, quantity(value, '/min'), extra);
const vitalSignsCategory = { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }] };

beforeAll(() => warmUpFhirValidator());

describe('observation facts: maximum age (maxAge)', () => {
  it('uses a reading exactly maxAge old, and not one a millisecond older: the fact is missing as stale with the reading named', () => {
    expect(intake(bundle(hr('hr-4h', '2026-11-21T08:00:00.000Z', 88))).facts.heartRateRecent).toMatchObject({ value: 88 });

    const stale = intake(bundle(hr('hr-old', '2026-11-21T07:59:59.999Z', 88)));
    expect(stale.missing).toContain('heartRateRecent');
    expect(stale.missingDetails.heartRateRecent).toEqual({
      reason: 'stale',
      detail: 'latest reading Observation/hr-old at 2026-11-21T07:59:59.999Z is older than the maximum age PT4H',
      reference: 'Observation/hr-old',
      effective: '2026-11-21T07:59:59.999Z',
      code: `${LOINC}|8867-4`,
      rawValue: 88,
      rawUnit: '/min',
      status: 'final',
    });
    // a fact without maxAge still takes the old reading (rulebook versions that do not ask are unchanged)
    expect(stale.facts.heartRate).toMatchObject({ value: 88, effective: '2026-11-21T07:59:59.999Z' });
  });

  it('takes a recent reading over a stale later-coded one, and reads days-old vital signs as stale (issue 7)', () => {
    const result = intake(bundle(hr('days-ago', '2026-11-18T09:00:00Z', 160), hr('now', '2026-11-21T11:30:00Z', 92)));
    expect(result.facts.heartRateRecent).toMatchObject({ value: 92, reference: 'Observation/now' });
    expect(intake(bundle(hr('days-ago', '2026-11-18T09:00:00Z', 160))).missingDetails.heartRateRecent).toMatchObject({ reason: 'stale' });
  });
});

describe('observation facts: status rule (statuses)', () => {
  it('counts a preliminary reading by default and shows its status', () => {
    const result = intake(bundle(hr('prelim', '2026-11-21T11:00:00Z', 150, { status: 'preliminary' })));
    expect(result.facts.heartRate).toMatchObject({ value: 150, status: 'preliminary' });
    expect(result.ignoredResources).toEqual([
      expect.objectContaining({ reference: 'Observation/prelim', reason: 'status-not-accepted', fact: 'heartRateFinalOnly' }),
    ]);
    expect(result.missingDetails.heartRateFinalOnly).toMatchObject({ reason: 'status-not-accepted', status: 'preliminary', reference: 'Observation/prelim' });
  });

  it.each(['amended', 'corrected'])('counts a %s reading by default', (status) => {
    expect(intake(bundle(hr('x', '2026-11-21T11:00:00Z', 70, { status }))).facts.heartRate).toMatchObject({ value: 70, status });
  });

  it.each(['registered', 'unknown', 'entered-in-error', 'cancelled'])('never counts a %s reading by default: an older final one stands in, and the other is listed', (status) => {
    const result = intake(bundle(hr('older', '2026-11-21T10:00:00Z', 80), hr('latest', '2026-11-21T11:00:00Z', 180, { status })));
    expect(result.facts.heartRate).toMatchObject({ value: 80, reference: 'Observation/older', status: 'final' });
    expect(result.ignoredResources).toContainEqual({
      reference: 'Observation/latest',
      resourceType: 'Observation',
      reason: 'status-not-accepted',
      detail: `status ${status} does not count for heartRate (accepted: final, amended, corrected, preliminary)`,
      fact: 'heartRate',
    });
  });

  it('says status-not-accepted when the only reading has a status that does not count', () => {
    const result = intake(bundle(hr('error', '2026-11-21T11:00:00Z', 180, { status: 'entered-in-error' })));
    expect(result.missingDetails.heartRate).toMatchObject({
      reason: 'status-not-accepted',
      detail: expect.stringContaining('has status entered-in-error, which does not count'),
      reference: 'Observation/error',
    });
  });

  it('says stale, naming the later reading of another status, when the latest accepted one is too old', () => {
    const result = intake(bundle(hr('old', '2026-11-21T02:00:00Z', 80), hr('error', '2026-11-21T11:00:00Z', 180, { status: 'entered-in-error' })));
    expect(result.missingDetails.heartRateRecent).toMatchObject({
      reason: 'stale',
      reference: 'Observation/old',
      detail: expect.stringContaining('the later Observation/error has status entered-in-error'),
    });
  });
});

describe('observation facts: preferred category (preferCategory)', () => {
  it('takes the latest vital-signs reading over a later one without the category; without it, the latest of all', () => {
    const result = intake(bundle(hr('vitals', '2026-11-21T10:00:00Z', 84, vitalSignsCategory), hr('exam', '2026-11-21T11:00:00Z', 130)));
    expect(result.facts.heartRateRecent).toMatchObject({ value: 84, reference: 'Observation/vitals' });
    expect(result.facts.heartRate).toMatchObject({ value: 130, reference: 'Observation/exam' }); // no preferCategory
    expect(intake(bundle(hr('a', '2026-11-21T10:00:00Z', 84), hr('b', '2026-11-21T11:00:00Z', 130))).facts.heartRateRecent).toMatchObject({ reference: 'Observation/b' });
  });

  it('does not prefer a vital-signs reading that is stale', () => {
    const result = intake(bundle(hr('vitals', '2026-11-21T01:00:00Z', 84, vitalSignsCategory), hr('exam', '2026-11-21T11:00:00Z', 130)));
    expect(result.facts.heartRateRecent).toMatchObject({ reference: 'Observation/exam' });
  });
});

describe('observation facts: oxygen (quantity-above)', () => {
  it('reads the flow-rate component 3151-8 of a US Core pulse-oximetry Observation (Inferno patient 85)', () => {
    const { facts } = intake(fixture('inferno-uscore/uscore_bundle_patient_85.json'), '1975-04-08T00:00:00Z');
    expect(facts.onSupplementalOxygen).toEqual({
      value: true,
      source: 'fhir',
      reference: 'Observation/f7940ba2-3a51-4534-b269-8432e052bf12',
      code: `${LOINC}|3151-8`,
      effective: '1975-04-07T06:51:45.000Z',
      rawValue: 6,
      rawUnit: 'L/min',
      status: 'final',
    });
  });

  const pulseOximetry = (id: string, effective: string, components: [string, number, string][]) =>
    observation(id, '59408-5', effective, quantity(95, '%'), {
      component: components.map(([code, value, unit]) => ({ code: { coding: [{ system: LOINC, code }] }, ...quantity(value, unit) })),
    });

  it.each<[string, [string, number, string][], boolean]>([
    ['inhaled oxygen 21 % (room air)', [['3150-0', 21, '%']], false],
    ['inhaled oxygen 28 %', [['3150-0', 28, '%']], true],
    ['flow 0 L/min', [['3151-8', 0, 'L/min']], false],
    ['flow 0 L/min but 28 % inhaled', [['3151-8', 0, 'L/min'], ['3150-0', 28, '%']], true],
    ['flow 500 mL/min (converted to 0.5 L/min)', [['3151-8', 500, 'mL/min']], true],
  ])('a pulse-oximetry panel with %s: %p', (_what, components, expected) => {
    const { facts } = intake(bundle(pulseOximetry('pox', '2026-11-21T11:00:00Z', components)));
    expect(facts.onSupplementalOxygen).toMatchObject({ value: expected, reference: 'Observation/pox' });
  });

  it('reads top-level 3151-8 and 3150-0 Observations, and the latest qualifying reading wins over an older one', () => {
    const flow = observation('flow', '3151-8', '2026-11-21T08:00:00Z', quantity(2, 'L/min'));
    expect(intake(bundle(flow)).facts.onSupplementalOxygen).toMatchObject({ value: true, code: `${LOINC}|3151-8` });
    const fio2 = observation('fio2', '3150-0', '2026-11-21T09:00:00Z', quantity(21, '%'));
    expect(intake(bundle(flow, fio2)).facts.onSupplementalOxygen).toMatchObject({ value: false, reference: 'Observation/fio2' });
    const later = pulseOximetry('pox', '2026-11-21T10:00:00Z', [['3150-0', 35, '%']]);
    expect(intake(bundle(flow, fio2, later)).facts.onSupplementalOxygen).toMatchObject({ value: true, reference: 'Observation/pox', code: `${LOINC}|3150-0` });
  });

  it('refuses an oxygen flow in a unit that is not a flow, unless the fact says onUnreadable missing', () => {
    const fhir = bundle(observation('flow', '3151-8', '2026-11-21T08:00:00Z', quantity(2, 'kg')));
    const error = domainError(() => intake(fhir));
    expect(error).toMatchObject({ status: 422, code: 'UNPROCESSABLE_FACTS' });
    expect(error.errors).toContainEqual({ pointer: '/fhir/entry/1/resource/valueQuantity', message: "unit 'kg' is not a UCUM unit convertible to L/min" });
    const lenient = compileFactCatalog({ onOxygenLenient: CATALOG.onOxygenLenient });
    const result = takeInFacts(lenient, { fhir, asOf: new Date(ASOF) });
    expect(result.missingDetails.onOxygenLenient).toMatchObject({ reason: 'unreadable', reference: 'Observation/flow', rawValue: 2, rawUnit: 'kg' });
  });
});

describe('observation facts: scores and numbers as systems send them', () => {
  it.each([
    ['a valueQuantity with no unit', quantity(7)],
    ['a valueInteger', { valueInteger: 7 }],
    ['a valueQuantity in {score}', quantity(7, '{score}')],
  ])('reads a pain score sent as %s', (_what, value) => {
    const { facts } = intake(bundle(observation('pain', '72514-3', '2026-11-21T11:00:00Z', value)));
    expect(facts.painScore).toMatchObject({ value: 7, unit: '{score}', rawValue: 7, reference: 'Observation/pain' });
  });

  it('refuses a heart rate sent as a valueInteger (no unit), or makes it missing with onUnreadable missing', () => {
    const fhir = bundle(observation('hr-int', '8867-4', '2026-11-21T11:00:00Z', { valueInteger: 80 }));
    const strict = compileFactCatalog({ heartRate: CATALOG.heartRate });
    const error = domainError(() => takeInFacts(strict, { fhir, asOf: new Date(ASOF) }));
    expect(error.errors).toEqual([{ pointer: '/fhir/entry/1/resource/valueInteger', message: 'is an integer without a unit; /min is needed' }]);
    const lenient = compileFactCatalog({ heartRateLenient: CATALOG.heartRateLenient });
    expect(takeInFacts(lenient, { fhir, asOf: new Date(ASOF) }).missingDetails.heartRateLenient).toEqual({
      reason: 'unreadable',
      detail: 'Observation/hr-int (/fhir/entry/1/resource/valueInteger) is an integer without a unit; /min is needed',
      reference: 'Observation/hr-int',
      code: `${LOINC}|8867-4`,
      effective: '2026-11-21T11:00:00.000Z',
      status: 'final',
      rawValue: 80,
    });
  });

  it.each([
    ['out of the catalog range', quantity(12, '{score}'), '/fhir/entry/1/resource/valueQuantity/value', 'outside the accepted range'],
    ['in a unit that is not a score', quantity(7, 'mm'), '/fhir/entry/1/resource/valueQuantity', "unit 'mm'"],
  ])('a pain score %s is 422 by default and missing (unreadable) with onUnreadable missing', (_what, value, pointer, message) => {
    const fhir = bundle(observation('pain', '72514-3', '2026-11-21T11:00:00Z', value));
    const strict = compileFactCatalog({ painScore: CATALOG.painScore });
    expect(domainError(() => takeInFacts(strict, { fhir, asOf: new Date(ASOF) })).errors).toEqual([{ pointer, message: expect.stringContaining(message) }]);
    const lenient = compileFactCatalog({ painScoreLenient: CATALOG.painScoreLenient, heartRate: CATALOG.heartRate });
    const result = takeInFacts(lenient, { fhir: { ...fhir, entry: [...fhir.entry, { resource: hr('hr', '2026-11-21T11:00:00Z', 90) }] }, asOf: new Date(ASOF) });
    expect(result.missingDetails.painScoreLenient).toMatchObject({ reason: 'unreadable', detail: expect.stringContaining(message), reference: 'Observation/pain' });
    expect(result.facts.heartRate).toMatchObject({ value: 90 }); // the rest of the decision goes on
  });

  it('makes a coded value with an unmapped code missing as unreadable (never refused)', () => {
    const acvpu = observation('acvpu', '67775-7', '2026-11-21T11:00:00Z', { valueCodeableConcept: { coding: [{ system: SNOMED, code: '999999' }] } });
    expect(intake(bundle(acvpu)).missingDetails.consciousness).toMatchObject({
      reason: 'unreadable',
      detail: `Observation/acvpu: no code among ${SNOMED}|999999 is mapped by the rulebook`,
      rawValue: `${SNOMED}|999999`,
    });
  });

  it('says not-in-supplied-data for a fact with no reading about the patient', () => {
    expect(intake(bundle()).missingDetails.heartRate).toEqual({
      reason: 'not-in-supplied-data',
      detail: `no Observation coded ${LOINC}|8867-4 with a value about the patient at or before asOf in the data supplied`,
    });
  });
});

describe('compileFactCatalog: observation fields', () => {
  const hrFact = (extra: Partial<FactDefinition>, fhir: Partial<ObservationDerivation> = {}): Record<string, FactDefinition> => ({
    hr: { type: 'integer', description: 'HR', unit: '/min', fhir: observationOf(['8867-4'], fhir), ...extra },
  });
  it.each<[string, Record<string, FactDefinition>, string]>([
    ['an invalid maxAge', hrFact({ maxAge: '4 hours' }), "fact \"hr\": maxAge '4 hours' is not an ISO 8601 duration"],
    ['a maxAge in months', hrFact({ maxAge: 'P1M' }), 'fact "hr": maxAge \'P1M\' uses years or months'],
    ['a maxAge on a fact not from an Observation', { a: { type: 'number', description: 'a', unit: 'a', maxAge: 'P1D', fhir: { kind: 'patient-age' } } }, 'fact "a": maxAge applies only'],
    ['statuses with entered-in-error', hrFact({}, { statuses: ['final', 'entered-in-error'] }), "fact \"hr\": statuses: 'entered-in-error' may never count"],
    ['statuses with cancelled', hrFact({}, { statuses: ['cancelled'] }), "fact \"hr\": statuses: 'cancelled' may never count"],
    ['statuses with an unknown code', hrFact({}, { statuses: ['done'] }), "fact \"hr\": statuses: 'done' is not an R4 Observation.status"],
    ['an empty statuses', hrFact({}, { statuses: [] }), 'fact "hr": statuses must list'],
    ['a preferCategory that is not a token', hrFact({}, { preferCategory: ['vital-signs'] }), "fact \"hr\": preferCategory: 'vital-signs'"],
    ['above on a quantity fact', hrFact({}, { above: { [`${LOINC}|8867-4`]: { value: 0, unit: '/min' } } }), "fact \"hr\": above goes only with value 'quantity-above'"],
    ['quantity-above on a number fact', { o: { ...OXYGEN, type: 'integer' } }, "fact \"o\": observation value 'quantity-above' gives a boolean"],
    ['quantity-above without a threshold for a component code', { o: { ...OXYGEN, fhir: { ...(OXYGEN.fhir as ObservationDerivation), above: { [`${LOINC}|3151-8`]: { value: 0, unit: 'L/min' } } } } }, `fact "o": above has no threshold for ${LOINC}|3150-0`],
    ['quantity-above with a threshold unit that is not UCUM', { o: { ...OXYGEN, fhir: { ...(OXYGEN.fhir as ObservationDerivation), above: { [`${LOINC}|3151-8`]: { value: 0, unit: 'litres' }, [`${LOINC}|3150-0`]: { value: 21, unit: '%' } } } } }, 'is not a valid UCUM unit'],
    ['onUnreadable on a request-only fact', { r: { type: 'integer', description: 'r', onUnreadable: 'missing' } }, 'fact "r": onUnreadable applies only to facts derived from FHIR'],
  ])('refuses %s, naming the fact', (_what, definitions, message) => {
    expect(() => compileFactCatalog(definitions)).toThrow(message);
  });
});

describe('platform fixes on a published version (ed-triage 1.0.0 as bundled)', () => {
  const published = JSON.parse(readFileSync(new URL('../../rulebooks/ed-triage/1.0.0.json', import.meta.url), 'utf8')) as { facts: Record<string, FactDefinition> };

  it('reads a pain score sent without a unit (it refused the whole decision before) and never counts a registered heart rate', () => {
    const fhir = bundle(
      observation('pain', '72514-3', '2026-11-21T11:00:00Z', quantity(8)),
      hr('final', '2026-11-21T10:00:00Z', 96),
      hr('registered', '2026-11-21T11:00:00Z', 40, { status: 'registered' }),
    );
    const result = takeInFacts(compileFactCatalog(published.facts), { fhir, asOf: new Date(ASOF) });
    expect(result.facts.painScore).toMatchObject({ value: 8, unit: '{score}', source: 'fhir' });
    expect(result.facts.heartRate).toMatchObject({ value: 96, reference: 'Observation/final' });
    expect(result.ignoredResources).toEqual([expect.objectContaining({ reference: 'Observation/registered', reason: 'status-not-accepted', fact: 'heartRate' })]);
  });
});
