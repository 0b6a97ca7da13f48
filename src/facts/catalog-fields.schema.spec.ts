import { readFileSync } from 'node:fs';
import { validateRulebookDocument } from '../rulebooks/rulebook-schema.validator.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog } from './fact-catalog.js';

/** The bundled ed-triage 1.0.0, a copy per test. */
const triage = (): RulebookDocument =>
  JSON.parse(readFileSync(new URL('../../rulebooks/ed-triage/1.0.0.json', import.meta.url), 'utf8')) as RulebookDocument;

const LOINC = 'http://loinc.org';

/** ed-triage 1.0.0 with every clinical-safety catalog field (`maxAge`, `onUnreadable`, `absentMeans`, …) used once, as a new rulebook version would. */
function withTimeAndOxygenFields(): RulebookDocument {
  const doc = triage();
  const facts = doc.facts as Record<string, any>;
  facts.heartRate.maxAge = 'PT4H';
  facts.heartRate.fhir.statuses = ['final', 'amended', 'corrected', 'preliminary'];
  facts.heartRate.fhir.preferCategory = ['http://terminology.hl7.org/CodeSystem/observation-category|vital-signs'];
  facts.painScore.onUnreadable = 'missing';
  facts.onSupplementalOxygen.fhir = {
    kind: 'observation',
    codes: [`${LOINC}|3151-8`, `${LOINC}|3150-0`],
    components: { panelCodes: [`${LOINC}|59408-5`, `${LOINC}|2708-6`], codes: [`${LOINC}|3151-8`, `${LOINC}|3150-0`] },
    value: 'quantity-above',
    above: { [`${LOINC}|3151-8`]: { value: 0, unit: 'L/min' }, [`${LOINC}|3150-0`]: { value: 21, unit: '%' } },
    select: 'latest-at-or-before-asOf',
  };
  facts.arrivalTime = { type: 'dateTime', description: 'Arrival', fhir: { kind: 'element', resourceType: 'Encounter', path: 'period.start' } };
  facts.ageDaysAtArrival = { type: 'number', unit: 'd', description: 'Age in days at arrival', fhir: { kind: 'patient-age', at: { fact: 'arrivalTime' } } };
  facts.hasReferral = { type: 'boolean', description: 'Referral', fhir: { kind: 'exists', resourceType: 'ServiceRequest', absentMeans: 'unknown-unless-complete' } };
  doc.scenarios[0].fhirSearchComplete = ['ServiceRequest'];
  return doc;
}

describe('rulebook schema and catalog compiler: the fields of facts in time, oxygen and completeness', () => {
  it('the compiler names the missing thresholds of quantity-above', () => {
    const doc = withTimeAndOxygenFields();
    delete (doc.facts.onSupplementalOxygen.fhir as { above?: unknown }).above;
    expect(() => compileFactCatalog(doc.facts)).toThrow('fact "onSupplementalOxygen": \'quantity-above\' needs a threshold per code in above');
  });

  it('accept a rulebook that uses each of them', () => {
    const doc = withTimeAndOxygenFields();
    expect(validateRulebookDocument(doc)).toEqual([]);
    expect(() => compileFactCatalog(doc.facts)).not.toThrow();
  });

  it.each<[string, (facts: Record<string, any>, doc: RulebookDocument) => void, string]>([
    ['a maxAge in months', (f) => (f.heartRate.maxAge = 'P1M'), '/facts/heartRate/maxAge'],
    ['a maxAge that is not a duration', (f) => (f.heartRate.maxAge = '4h'), '/facts/heartRate/maxAge'],
    ['statuses with entered-in-error', (f) => (f.heartRate.fhir.statuses = ['entered-in-error']), '/facts/heartRate/fhir/statuses/0'],
    ['an unknown onUnreadable', (f) => (f.painScore.onUnreadable = 'ignore'), '/facts/painScore/onUnreadable'],
    ['quantity-above without thresholds', (f) => delete f.onSupplementalOxygen.fhir.above, '/facts/onSupplementalOxygen/fhir'],
    ['a threshold without unit', (f) => delete f.onSupplementalOxygen.fhir.above[`${LOINC}|3151-8`].unit, `/facts/onSupplementalOxygen/fhir/above/${LOINC}|3151-8`],
    ['an unknown absentMeans', (f) => (f.hasReferral.fhir.absentMeans = 'maybe'), '/facts/hasReferral/fhir/absentMeans'],
    ['a patient-age at that is not a fact reference', (f) => (f.ageDaysAtArrival.fhir.at = 'arrival'), '/facts/ageDaysAtArrival/fhir/at'],
    ['a scenario fhirSearchComplete that is not a resource type', (_f, doc) => (doc.scenarios[0].fhirSearchComplete = ['service requests']), '/scenarios/0/fhirSearchComplete/0'],
  ])('the schema refuses %s, pointing at it', (_what, change, pointer) => {
    const doc = withTimeAndOxygenFields();
    change(doc.facts as Record<string, any>, doc);
    const pointers = validateRulebookDocument(doc).map((p) => p.pointer.replace(/~1/g, '/'));
    expect(pointers.some((at) => at === pointer || at.startsWith(`${pointer}/`))).toBe(true);
  });
});
