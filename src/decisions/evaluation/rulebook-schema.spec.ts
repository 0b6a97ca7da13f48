import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { projectRoot } from '../../common/project-root.js';

// ajv-formats is CommonJS: under Node ESM its default export is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

const read = (...path: string[]): Record<string, unknown> =>
  JSON.parse(readFileSync(join(projectRoot(), ...path), 'utf8')) as Record<string, unknown>;

// Strict mode catches schema mistakes (unknown keywords, types missing beside their keywords); `required` inside
// `not`/`oneOf` is the standard idiom for "not both"/"one of", and union types are plain JSON Schema.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(read('src', 'rulebooks', 'schema', 'rulebook.schema.json'));

const bundled = [['ed-triage'], ['scheduling-eligibility']];

describe('rulebook JSON Schema (draft 2020-12)', () => {
  it.each(bundled)('accepts the bundled rulebook %s', (key) => {
    const valid = validate(read('rulebooks', key, '1.0.0.json'));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  type Doc = Record<string, any>;
  const mistakes: [string, (doc: Doc) => void, string][] = [
    ['an unknown event type', (d) => { d.rules[0].event.type = 'notify'; }, '/rules/0/event'],
    ['a misspelled hit policy', (d) => { d.outcome.fields[0].hitPolicy = 'PRIORITIES'; }, '/outcome/fields/0'],
    ['a version that is not semver', (d) => { d.version = '1.0'; }, '/version'],
    ['a version with a leading zero', (d) => { d.version = '01.0.0'; }, '/version'],
    ['a misspelled property', (d) => { d.rules[0].descripton = d.rules[0].description; }, '/rules/0'],
    ['a key that is not kebab-case', (d) => { d.key = 'ED_Triage'; }, '/key'],
    ['a rule name that is not kebab-case', (d) => { d.rules[0].name = 'news2RespiratoryRate'; }, '/rules/0/name'],
    ['an unknown operator', (d) => { d.rules[0].conditions.all[0].operator = 'greaterThen'; }, '/rules/0/conditions'],
    ['an unknown fact type', (d) => { d.facts.ageYears.type = 'float'; }, '/facts/ageYears/type'],
    ['an unknown kind', (d) => { d.kind = 'triaging'; }, '/kind'],
    ['PRIORITY without outputOrder', (d) => { delete d.outcome.fields[0].outputOrder; }, '/outcome/fields/0'],
    ['outputOrder on a non-PRIORITY field', (d) => { d.outcome.fields[2].outputOrder = ['low']; }, '/outcome/fields/2'],
    ['a field with both from and hitPolicy', (d) => { d.outcome.fields[1].hitPolicy = 'FIRST'; }, '/outcome/fields/1'],
    ['a score event without points', (d) => { delete d.rules[0].event.params.points; }, '/rules/0/event'],
    ['a suppress event with a bad field path', (d) => { d.rules.find((r: Doc) => r.event.type === 'suppress').event.params.field = 'news2..score'; }, '/rules'],
    ['a stage of 0', (d) => { d.rules[0].stage = 0; }, '/rules/0/stage'],
    ['a fact with both fhir and derivedFrom', (d) => { d.facts.ageYears.derivedFrom = { field: 'acuity' }; }, '/facts/ageYears'],
    ['a coded observation without codeMap', (d) => { delete d.facts.consciousness.fhir.codeMap; }, '/facts/consciousness/fhir'],
    ['a coding token without a system', (d) => { d.facts.heartRate.fhir.codes = ['8867-4']; }, '/facts/heartRate/fhir'],
    ['allowedValues on a number fact', (d) => { d.facts.ageYears.allowedValues = ['1']; }, '/facts/ageYears'],
    ['a scenario without facts or fhir', (d) => { delete d.scenarios[0].facts; }, '/scenarios/0'],
    ['a scenario asOf that is not a date-time', (d) => { d.scenarios[0].asOf = 'yesterday'; }, '/scenarios/0/asOf'],
    ['a reason code that is not UPPER_SNAKE', (d) => { d.rules.find((r: Doc) => r.event.type === 'suppress').event.params.reason.code = 'not-snake'; }, '/rules'],
  ];

  it.each(mistakes)('rejects %s', (_label, mutate, pointer) => {
    const doc = read('rulebooks', 'ed-triage', '1.0.0.json') as Doc;
    mutate(doc);
    expect(validate(doc)).toBe(false);
    expect((validate.errors ?? []).some((e) => e.instancePath.startsWith(pointer))).toBe(true);
  });
});
