import type { FactDefinition, ObservationDerivation } from '../rulebooks/rulebook.types.js';
import { compileFactCatalog } from './fact-catalog.js';

/**
 * The catalog checks of `compileFactCatalog`, one refusal per check with its exact message (a rulebook author reads
 * it to fix the catalog: it names the fact and the field), and the catalogs it accepts at the edges of each check.
 * Every catalog is compiled inside its own test (mutation testing runs only the tests that reach the mutated code).
 */

const LOINC = 'http://loinc.org';
const HR = `${LOINC}|8867-4`;
const FLOW = `${LOINC}|3151-8`;
const FIO2 = `${LOINC}|3150-0`;
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const STATUSES = 'registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown';
const READ_TYPES = 'Patient, Observation, Condition, Encounter, Appointment, ServiceRequest, Coverage';
const THRESHOLDS = { [FLOW]: { value: 0, unit: 'L/min' }, [FIO2]: { value: 21, unit: '%' } };

const observation = (extra: Record<string, unknown> = {}): ObservationDerivation =>
  ({ kind: 'observation', codes: [HR], value: 'quantity', select: 'latest-at-or-before-asOf', ...extra }) as ObservationDerivation;
/** A heart rate fact with `extra` fields, its derivation changed by `fhir`. */
const hr = (extra: Record<string, unknown> = {}, fhir: Record<string, unknown> = {}): FactDefinition =>
  ({ type: 'integer', description: 'HR', unit: '/min', fhir: observation(fhir), ...extra }) as FactDefinition;
/** An oxygen fact (quantity-above) with its derivation changed by `fhir`. */
const oxygen = (fhir: Record<string, unknown> = {}): FactDefinition =>
  ({ type: 'boolean', description: 'O2', fhir: observation({ codes: [FLOW, FIO2], value: 'quantity-above', above: THRESHOLDS, ...fhir }) }) as FactDefinition;
const coded = (extra: Record<string, unknown> = {}, fhir: Record<string, unknown> = {}): FactDefinition =>
  ({ type: 'string', description: 'c', allowedValues: ['A'], fhir: observation({ value: 'coded', codeMap: { 's|a': 'A' }, ...fhir }), ...extra }) as FactDefinition;
const age = (extra: Record<string, unknown> = {}, fhir: Record<string, unknown> = {}): FactDefinition =>
  ({ type: 'number', description: 'age', unit: 'a', fhir: { kind: 'patient-age', ...fhir }, ...extra }) as FactDefinition;
const element = (extra: Record<string, unknown> = {}, fhir: Record<string, unknown> = {}): FactDefinition =>
  ({ type: 'dateTime', description: 'e', fhir: { kind: 'element', resourceType: 'Encounter', path: 'period.start', ...fhir }, ...extra }) as FactDefinition;
const exists = (extra: Record<string, unknown> = {}, fhir: Record<string, unknown> = {}): FactDefinition =>
  ({ type: 'boolean', description: 'x', fhir: { kind: 'exists', resourceType: 'Coverage', ...fhir }, ...extra }) as FactDefinition;
const plain = (type: string, extra: Record<string, unknown> = {}): FactDefinition => ({ type, description: 'p', ...extra }) as FactDefinition;
const arrival: FactDefinition = element();

/** The message `compileFactCatalog` refuses `catalog` with. */
function refusal(catalog: Record<string, FactDefinition>): string {
  try {
    compileFactCatalog(catalog);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
  }
  throw new Error('the catalog was accepted');
}

describe('compileFactCatalog refuses, naming the fact and the field', () => {
  it.each<[string, Record<string, FactDefinition>, string]>([
    // type, fhir/derivedFrom, unit
    ['an unknown type', { x: plain('float') }, `fact "x": unknown type 'float'`],
    ['fhir and derivedFrom together', { x: hr({ derivedFrom: { score: 's', value: 'total' } }) }, 'fact "x": has both fhir and derivedFrom'],
    ['a unit on a boolean fact', { x: plain('boolean', { unit: '1' }) }, 'fact "x": a boolean fact has no unit'],
    ['a unit on a string fact', { x: plain('string', { unit: '1' }) }, 'fact "x": a string fact has no unit'],
    ['a unit that is not UCUM', { x: hr({ unit: 'breaths/minute' }) }, "fact \"x\": unit 'breaths/minute' is not a valid UCUM unit"],
    // precision
    ['a precision on a string fact', { x: plain('string', { precision: 1 }) }, 'fact "x": precision 1 is not valid for a string fact (an integer 0-15; 0 for integers)'],
    ['a fractional precision', { x: plain('number', { precision: 1.5 }) }, 'fact "x": precision 1.5 is not valid for a number fact (an integer 0-15; 0 for integers)'],
    ['a negative precision', { x: plain('number', { precision: -1 }) }, 'fact "x": precision -1 is not valid for a number fact (an integer 0-15; 0 for integers)'],
    ['a precision above 15', { x: plain('number', { precision: 16 }) }, 'fact "x": precision 16 is not valid for a number fact (an integer 0-15; 0 for integers)'],
    ['a precision other than 0 on an integer', { x: plain('integer', { precision: 1 }) }, 'fact "x": precision 1 is not valid for a integer fact (an integer 0-15; 0 for integers)'],
    // range, allowedValues
    ['a range on a dateTime fact', { x: plain('dateTime', { range: { min: 0 } }) }, 'fact "x": a dateTime fact has no range'],
    ['a range whose min is above its max', { x: plain('number', { range: { min: 5, max: 4.5 } }) }, 'fact "x": range min 5 is above max 4.5'],
    ['allowedValues on a number fact', { x: plain('number', { allowedValues: ['1'] }) }, 'fact "x": allowedValues needs a string fact and at least one value'],
    ['an empty allowedValues', { x: plain('string', { allowedValues: [] }) }, 'fact "x": allowedValues needs a string fact and at least one value'],
    // default
    ['a string default on an integer', { x: plain('integer', { default: '80' }) }, 'fact "x": default "80" is not a number'],
    ['a NaN default', { x: plain('number', { default: Number.NaN }) }, 'fact "x": default null is not a number'],
    ['an infinite default', { x: plain('number', { default: Number.POSITIVE_INFINITY }) }, 'fact "x": default null is not a number'],
    ['a default finer than the precision', { x: plain('number', { precision: 1, default: 36.55 }) }, 'fact "x": default 36.55 has more than 1 decimal places'],
    ['a fractional default on an integer', { x: plain('integer', { default: 1.5 }) }, 'fact "x": default 1.5 has more than 0 decimal places'],
    ['a default above the range', { x: plain('integer', { unit: '%', range: { max: 100 }, default: 101 }) }, 'fact "x": default 101 % is outside the accepted range: must be at most 100 %'],
    ['a default below the range', { x: plain('number', { range: { min: 0, max: 10 }, default: -1 }) }, 'fact "x": default -1 is outside the accepted range: must be between 0 and 10'],
    ['a string default on a boolean', { x: plain('boolean', { default: 'yes' }) }, 'fact "x": default "yes" is not a boolean'],
    ['a number default on a string', { x: plain('string', { default: 1 }) }, 'fact "x": default 1 is not a string'],
    ['a default not among allowedValues', { x: plain('string', { allowedValues: ['A', 'B'], default: 'X' }) }, "fact \"x\": default 'X' is not one of 'A', 'B'"],
    ['a date default on a dateTime', { x: plain('dateTime', { default: '2026-01-01' }) }, 'fact "x": default "2026-01-01" is not an RFC 3339 date-time'],
    ['a number default on a dateTime', { x: plain('dateTime', { default: 5 }) }, 'fact "x": default 5 is not an RFC 3339 date-time'],
    // maxAge, onUnreadable
    ['a maxAge on a request fact', { x: plain('integer', { maxAge: 'PT4H' }) }, 'fact "x": maxAge applies only to facts derived from an Observation'],
    ['a maxAge on a patient age', { x: age({ maxAge: 'P1D' }) }, 'fact "x": maxAge applies only to facts derived from an Observation'],
    ['a maxAge that is not a duration', { x: hr({ maxAge: '4 hours' }) }, "fact \"x\": maxAge '4 hours' is not an ISO 8601 duration such as PT4H, P1D or P1DT12H"],
    ['an unknown onUnreadable', { x: hr({ onUnreadable: 'ignore' }) }, "fact \"x\": onUnreadable 'ignore' is not 'refuse' or 'missing'"],
    ['onUnreadable on a request fact', { x: plain('integer', { onUnreadable: 'missing' }) }, 'fact "x": onUnreadable applies only to facts derived from FHIR'],
    ['an unknown fhir kind', { x: plain('string', { fhir: { kind: 'bundle' } }) }, "fact \"x\": unknown fhir kind 'bundle'"],
  ])('%s', (_what, catalog, message) => {
    expect(refusal(catalog)).toBe(message);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['codes that are not a list', { codes: HR }, "codes must be a list of 'system|code' tokens"],
    ['a code without system', { codes: ['8867-4'] }, "codes: '8867-4' is not 'system|code'"],
    ['a code with an empty system', { codes: ['|8867-4'] }, "codes: '|8867-4' is not 'system|code'"],
    ['a code with an empty code', { codes: [`${LOINC}|`] }, `codes: '${LOINC}|' is not 'system|code'`],
    ['a code that is not a string', { codes: [42] }, "codes: '42' is not 'system|code'"],
    ['a panel code without system', { components: { panelCodes: ['85354-9'], codes: [HR] } }, "components.panelCodes: '85354-9' is not 'system|code'"],
    ['a component code without system', { components: { panelCodes: [HR], codes: ['8480-6'] } }, "components.codes: '8480-6' is not 'system|code'"],
    ['no codes and no components', { codes: [] }, 'observation needs codes'],
    ['no codes and no panel codes', { codes: [], components: { panelCodes: [], codes: [HR] } }, 'observation needs codes'],
    ['an unknown select', { select: 'latest' }, "unknown select 'latest'"],
    ['an unknown value kind', { value: 'range' }, "unknown observation value 'range'"],
    ['a value kind named like an Object member', { value: 'constructor' }, "unknown observation value 'constructor'"],
    ['an unknown status', { statuses: ['done'] }, `statuses: 'done' is not an R4 Observation.status (${STATUSES})`],
    ['statuses that are not a list', { statuses: 'final' }, 'statuses must list at least one Observation.status'],
    ['an empty statuses', { statuses: [] }, 'statuses must list at least one Observation.status'],
    ['statuses with cancelled', { statuses: ['final', 'cancelled'] }, "statuses: 'cancelled' may never count (the reading is a mistake or never happened)"],
    ['statuses with entered-in-error', { statuses: ['entered-in-error'] }, "statuses: 'entered-in-error' may never count (the reading is a mistake or never happened)"],
    ['a preferCategory that is not a token', { preferCategory: ['vital-signs'] }, "preferCategory: 'vital-signs' is not 'system|code'"],
    ['a preferCategory that is not a list', { preferCategory: 'a|b' }, "preferCategory must be a list of 'system|code' tokens"],
    ['above on a quantity fact', { above: { [HR]: { value: 0, unit: '/min' } } }, "above goes only with value 'quantity-above', not 'quantity'"],
  ])('an observation with %s', (_what, fhir, message) => {
    expect(refusal({ hr: hr({}, fhir) })).toBe(`fact "hr": ${message}`);
  });

  it.each<[string, Record<string, FactDefinition>, string]>([
    ['a quantity value on a boolean', { x: hr({ type: 'boolean', unit: undefined }) }, "observation value 'quantity' gives a number/integer, not a boolean"],
    ['a quantity-above value on an integer', { x: { ...oxygen(), type: 'integer' } }, "observation value 'quantity-above' gives a boolean, not a integer"],
    ['a coded value on a number', { x: coded({ type: 'number', allowedValues: undefined }) }, "observation value 'coded' gives a string, not a number"],
    ['a quantity without unit', { x: hr({ unit: undefined }) }, "a 'quantity' fact needs a UCUM unit"],
    ['a coded value without codeMap', { x: coded({}, { codeMap: undefined }) }, 'codeMap must map at least one code'],
    ['a coded value with an empty codeMap', { x: coded({}, { codeMap: {} }) }, 'codeMap must map at least one code'],
    ['a codeMap key that is not a token', { x: coded({}, { codeMap: { A: 'A' } }) }, "codeMap: 'A' is not 'system|code'"],
    ['a codeMap value not allowed', { x: coded({}, { codeMap: { 's|a': 'A', 's|b': 'B' } }) }, "codeMap value 'B' is not one of 'A'"],
    ['a codeMap value that is not a string', { x: coded({}, { codeMap: { 's|a': 5 } }) }, 'codeMap value is not a string'],
    ['quantity-above without above', { x: oxygen({ above: undefined }) }, "'quantity-above' needs a threshold per code in above"],
    ['quantity-above with an empty above', { x: oxygen({ above: {} }) }, "'quantity-above' needs a threshold per code in above"],
    ['quantity-above with above a list', { x: oxygen({ above: [{ value: 0, unit: 'L/min' }] }) }, "'quantity-above' needs a threshold per code in above"],
    ['quantity-above with above a string', { x: oxygen({ above: FLOW }) }, "'quantity-above' needs a threshold per code in above"],
    ['quantity-above with above null', { x: oxygen({ above: null }) }, "'quantity-above' needs a threshold per code in above"],
    ['a threshold code without system', { x: oxygen({ above: { '3151-8': { value: 0, unit: 'L/min' } } }) }, "above: '3151-8' is not 'system|code'"],
    ['a threshold that is a number', { x: oxygen({ above: { ...THRESHOLDS, [FLOW]: 0 } }) }, `above['${FLOW}'] must be { "value": number, "unit": UCUM unit }`],
    ['a threshold that is null', { x: oxygen({ above: { ...THRESHOLDS, [FLOW]: null } }) }, `above['${FLOW}'] must be { "value": number, "unit": UCUM unit }`],
    ['a threshold that is a list', { x: oxygen({ above: { ...THRESHOLDS, [FLOW]: [0, 'L/min'] } }) }, `above['${FLOW}'] must be { "value": number, "unit": UCUM unit }`],
    ['a threshold value that is a string', { x: oxygen({ above: { ...THRESHOLDS, [FLOW]: { value: '0', unit: 'L/min' } } }) }, `above['${FLOW}'] must be { "value": number, "unit": UCUM unit }`],
    ['a threshold value that is infinite', { x: oxygen({ above: { ...THRESHOLDS, [FLOW]: { value: Infinity, unit: 'L/min' } } }) }, `above['${FLOW}'] must be { "value": number, "unit": UCUM unit }`],
    ['a threshold without unit', { x: oxygen({ above: { ...THRESHOLDS, [FLOW]: { value: 0 } } }) }, `above['${FLOW}'] must be { "value": number, "unit": UCUM unit }`],
    ['a threshold unit that is not UCUM', { x: oxygen({ above: { ...THRESHOLDS, [FLOW]: { value: 0, unit: 'litres' } } }) }, `above['${FLOW}'] unit 'litres' is not a valid UCUM unit`],
    ['no threshold for a code', { x: oxygen({ above: { [FLOW]: THRESHOLDS[FLOW] } }) }, `above has no threshold for ${FIO2}`],
    [
      'no threshold for a component code',
      { x: oxygen({ codes: [FLOW], above: { [FLOW]: THRESHOLDS[FLOW] }, components: { panelCodes: [`${LOINC}|59408-5`], codes: [FIO2] } }) },
      `above has no threshold for ${FIO2}`,
    ],
  ])('an observation with %s', (_what, catalog, message) => {
    expect(refusal(catalog)).toBe(`fact "x": ${message}`);
  });

  it.each<[string, Record<string, FactDefinition>, string]>([
    ['a patient age that is a boolean', { x: age({ type: 'boolean', unit: undefined }) }, 'patient-age gives a number, not a boolean'],
    ['a patient age that is a string', { x: age({ type: 'string', unit: undefined }) }, 'patient-age gives a number, not a string'],
    ['a patient age in a unit that is not time', { x: age({ unit: 'kg' }) }, "patient-age cannot be expressed in 'kg' (a unit of time is needed)"],
    ['a patient age at a fact not in the catalog', { x: age({}, { at: { fact: 'arrival' } }) }, "at fact 'arrival' must be a dateTime fact of the catalog that is not derived"],
    ['a patient age at an Object member', { x: age({}, { at: { fact: 'toString' } }) }, "at fact 'toString' must be a dateTime fact of the catalog that is not derived"],
    ['a patient age at a number fact', { x: age({}, { at: { fact: 'n' } }), n: plain('number') }, "at fact 'n' must be a dateTime fact of the catalog that is not derived"],
    [
      'a patient age at a derived dateTime fact',
      { x: age({}, { at: { fact: 'd' } }), d: plain('dateTime', { derivedFrom: { score: 's', value: 'at' } }) },
      "at fact 'd' must be a dateTime fact of the catalog that is not derived",
    ],
    ['an element of a type Verdict does not read', { x: element({}, { resourceType: 'Claim' }) }, `resourceType 'Claim' is not one Verdict reads (${READ_TYPES})`],
    ['an element without path', { x: element({}, { path: undefined }) }, 'element needs a FHIRPath path'],
    ['an element with a blank path', { x: element({}, { path: '  ' }) }, 'element needs a FHIRPath path'],
    ['an element with a path that is not a string', { x: element({}, { path: 5 }) }, 'element needs a FHIRPath path'],
    ['an element with a codeMap on a number fact', { x: element({ type: 'number' }, { path: 'class', codeMap: { [`${ACT_CODE}|EMER`]: 'emergency' } }) }, 'codeMap gives strings, but the fact is a number'],
    ['an element with an empty codeMap', { x: element({ type: 'string' }, { path: 'class', codeMap: {} }) }, 'codeMap must map at least one code'],
    ['an exists of a type Verdict does not read', { x: exists({}, { resourceType: 'Claim' }) }, `resourceType 'Claim' is not one Verdict reads (${READ_TYPES})`],
    ['an exists fact that is a string', { x: exists({ type: 'string' }) }, 'exists gives a boolean, not a string'],
    ['an exists with codePath and no codes', { x: exists({}, { codePath: 'type' }) }, 'codePath and codes go together'],
    ['an exists with codes and no codePath', { x: exists({}, { codes: [`${ACT_CODE}|EHCPOL`] }) }, 'codePath and codes go together'],
    ['an exists code without system', { x: exists({}, { codePath: 'type', codes: ['EHCPOL'] }) }, "codes: 'EHCPOL' is not 'system|code'"],
    ['an exists active at a fact not in the catalog', { x: exists({}, { activeAt: { period: 'period', at: { fact: 'arrival' } } }) }, "activeAt.at fact 'arrival' must be a dateTime fact of the catalog that is not derived"],
    ['an unknown absentMeans', { x: exists({}, { absentMeans: 'maybe' }) }, "absentMeans 'maybe' is not 'false' or 'unknown-unless-complete'"],
  ])('%s', (_what, catalog, message) => {
    expect(refusal(catalog)).toBe(`fact "x": ${message}`);
  });

  it('keeps the check that failed as the cause, and names the first fact that fails', () => {
    let thrown: unknown;
    try {
      compileFactCatalog({ ok: hr(), bad: hr({ unit: 'beats' }), worse: plain('float') });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe("fact \"bad\": unit 'beats' is not a valid UCUM unit");
    expect((thrown as Error).cause).toBeInstanceOf(Error);
    expect(((thrown as Error).cause as Error).message).toBe("unit 'beats' is not a valid UCUM unit");
  });
});

describe('compileFactCatalog accepts every field at the edge of its check', () => {
  /** One fact of each kind and shape a rulebook may write, in an order where readers of an `at` fact come first. */
  const EDGES = (): Record<string, FactDefinition> => ({
    coveredAtArrival: exists({}, { activeAt: { period: 'period', at: { fact: 'arrival' } } }),
    ageAtArrival: age({}, { at: { fact: 'arrival' } }),
    precisionZero: plain('number', { unit: 'Cel', precision: 0, range: { min: 30, max: 45 }, default: 37 }),
    precisionFifteen: plain('number', { precision: 15, default: 0.123456789012345 }),
    anyDecimals: plain('number', { default: 36.55 }),
    onePlace: plain('number', { precision: 1, range: { min: 36.5, max: 36.5 }, default: 36.5 }),
    wholeInteger: plain('integer', { unit: '/min', precision: 0, range: { min: 5, max: 5 }, default: 5 }),
    fromZero: plain('integer', { range: { min: 0 }, default: 0 }),
    yes: plain('boolean', { default: true }),
    no: plain('boolean', { default: false }),
    triage: plain('string', { allowedValues: ['green', 'red'], default: 'red' }),
    anyText: plain('string', { default: 'free text' }),
    seenAt: plain('dateTime', { default: '2026-01-01T00:00:00+01:00' }),
    news2: plain('integer', { derivedFrom: { score: 'news2', value: 'total' } }),
    heartRate: hr({ maxAge: 'PT4H', onUnreadable: 'refuse', default: 70, range: { min: 0, max: 300 } }, { statuses: ['final', 'amended'], preferCategory: ['http://terminology.hl7.org/CodeSystem/observation-category|vital-signs'] }),
    systolic: hr({ unit: 'mm[Hg]' }, { codes: [], components: { panelCodes: [`${LOINC}|85354-9`], codes: [`${LOINC}|8480-6`] } }),
    consciousness: coded({ onUnreadable: 'missing' }),
    oxygen: { ...oxygen({ codes: [FLOW], components: { panelCodes: [`${LOINC}|59408-5`], codes: [FIO2] } }), onUnreadable: 'missing' },
    oxygenTopLevel: oxygen(),
    onOxygen: { type: 'boolean', description: 'flow', fhir: observation({ codes: [FLOW], value: 'quantity-nonzero' }) },
    ageMonths: age({ type: 'integer', unit: 'mo' }, { at: 'asOf' }),
    ageNoUnit: age({ unit: undefined }),
    arrival,
    encounterClass: element({ type: 'string', allowedValues: ['emergency'] }, { path: 'class', codeMap: { [`${ACT_CODE}|EMER`]: 'emergency' } }),
    minutes: element({ type: 'integer' }, { resourceType: 'Appointment', path: 'minutesDuration', where: "status = 'booked'" }),
    anyCoverage: exists(),
    extended: exists({}, { codePath: 'type', codes: [`${ACT_CODE}|EHCPOL`], absentMeans: 'false' }),
    activeNow: exists({}, { activeAt: { period: 'period', at: 'asOf' }, absentMeans: 'unknown-unless-complete' }),
    referral: exists({}, { resourceType: 'ServiceRequest', absentMeans: 'unknown-unless-complete' }),
  });

  it('keeps the definitions as written, takes facts in with at-readers last, and lists them in catalog order without derived ones', () => {
    const catalog = EDGES();
    const compiled = compileFactCatalog(catalog);
    expect(compiled.definitions).toBe(catalog);
    const taken = Object.keys(catalog).filter((name) => name !== 'news2');
    expect(compiled.catalogOrder).toStrictEqual(taken);
    expect(compiled.intakeOrder.map((fact) => fact.name)).toStrictEqual([...taken.filter((n) => n !== 'coveredAtArrival' && n !== 'ageAtArrival'), 'coveredAtArrival', 'ageAtArrival']);
    for (const fact of compiled.intakeOrder) {
      expect(fact.definition).toBe(catalog[fact.name]);
      expect(fact.derivation?.kind).toBe(catalog[fact.name].fhir?.kind);
    }
  });

  it('gives a fact taken from the request only no derivation at all (not an undefined one)', () => {
    const compiled = compileFactCatalog({ yes: plain('boolean'), arrival });
    expect(compiled.intakeOrder[0]).toStrictEqual({ name: 'yes', definition: plain('boolean') });
    expect(Object.keys(compiled.intakeOrder[1])).toStrictEqual(['name', 'definition', 'derivation']);
  });

  it('keeps catalog order among facts that all read an at fact, and among those that read none', () => {
    const compiled = compileFactCatalog({
      a1: age({}, { at: { fact: 'arrival' } }),
      e1: exists({}, { activeAt: { period: 'period', at: { fact: 'arrival' } } }),
      n1: age({}, { at: 'asOf' }),
      e2: exists({}, { activeAt: { period: 'period', at: 'asOf' } }),
      a2: age({}, { at: { fact: 'arrival' } }),
      n2: exists(),
      arrival,
    });
    expect(compiled.intakeOrder.map((fact) => fact.name)).toStrictEqual(['n1', 'e2', 'n2', 'arrival', 'a1', 'e1', 'a2']);
    expect(compiled.catalogOrder).toStrictEqual(['a1', 'e1', 'n1', 'e2', 'a2', 'n2', 'arrival']);
  });

  it('accepts an empty catalog', () => {
    expect(compileFactCatalog({})).toStrictEqual({ definitions: {}, intakeOrder: [], catalogOrder: [] });
  });
});
