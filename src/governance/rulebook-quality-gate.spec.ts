import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { checkRulebookStructure, runQualityGate } from './rulebook-quality-gate.js';

const read = (key: string, version = '1.1.0'): RulebookDocument =>
  JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', key, `${version}.json`), 'utf8')) as RulebookDocument;

const pointers = (problems: { pointer: string }[]) => problems.map((p) => p.pointer).sort();

describe('quality gate', () => {
  it.each(['ed-triage', 'scheduling-eligibility'])('passes the bundled rulebook %s, running every scenario', async (key) => {
    const report = await runQualityGate(read(key));
    expect(report.problems).toEqual([]);
    expect(report.scenarios?.results.length).toBeGreaterThanOrEqual(15);
  });

  it('refuses a triage rulebook in two-valued logic (ed-triage 1.0.0): a missing fact could lower the acuity', async () => {
    const report = await runQualityGate(read('ed-triage', '1.0.0'));
    expect(report.problems).toEqual([{ pointer: '/outcome', message: expect.stringContaining('"missingFactLogic": "kleene"') }]);
    expect(report.scenarios).toBeUndefined();
    const scheduling = await runQualityGate(read('scheduling-eligibility', '1.0.0'));
    expect(scheduling.problems).toEqual([]);
  });

  it('reports schema problems with pointers and stops there', () => {
    const doc = { ...read('ed-triage'), kind: 'radiology', extra: true } as unknown;
    const problems = checkRulebookStructure(doc);
    expect(pointers(problems)).toEqual(expect.arrayContaining(['', '/kind']));
    expect(problems.every((p) => p.message.startsWith('schema: '))).toBe(true);
  });

  it('points at the condition leaf that reads an undeclared fact, uses an unknown operator or compares the wrong type', () => {
    const doc = structuredClone(read('ed-triage'));
    const rr = doc.rules.findIndex((r) => r.name === 'news2-respiratory-rate-3-high');
    doc.rules[rr].conditions = { all: [{ fact: 'respiratoryRat', operator: 'greaterThan', value: 24 }] };
    const hr = doc.rules.findIndex((r) => r.name === 'news2-pulse-1-high');
    (doc.rules[hr].conditions as { all: { operator: string }[] }).all[1].operator = 'lessThanOrEqual';
    const loc = doc.rules.findIndex((r) => r.name === 'news2-consciousness-3');
    (doc.rules[loc].conditions as { all: { value: unknown }[] }).all[0].value = 'C';
    // An operator outside json-rules-engine's list is a schema problem, reported at the operator alone (not at
    // every alternative of the condition union).
    expect(checkRulebookStructure(doc)).toEqual([{ pointer: `/rules/${hr}/conditions/all/1/operator`, message: expect.stringMatching(/^schema: must match pattern/) }]);
    (doc.rules[hr].conditions as { all: { operator: string }[] }).all[1].operator = 'lessThanInclusive';
    const problems = checkRulebookStructure(doc);
    expect(problems).toEqual([
      { pointer: `/rules/${rr}/conditions/all/0/fact`, message: expect.stringContaining('fact "respiratoryRat" is not in the fact catalog') },
      { pointer: `/rules/${loc}/conditions/all/0/value`, message: expect.stringContaining('"in" needs an array value') },
    ]);
  });

  it('reports a fact used with a type it is not declared with, and a derived fact of the wrong type', () => {
    const doc = structuredClone(read('ed-triage'));
    doc.facts.spo2Scale2 = { ...doc.facts.spo2Scale2, type: 'string' } as RulebookDocument['facts'][string];
    delete doc.facts.spo2Scale2.default;
    doc.facts.news2Total = { ...doc.facts.news2Total, type: 'boolean' };
    const problems = checkRulebookStructure(doc);
    const usesScale2 = doc.rules.findIndex((r) => JSON.stringify(r.conditions).includes('"spo2Scale2"'));
    expect(problems.some((p) => p.pointer.startsWith(`/rules/${usesScale2}/conditions/`) && p.message.includes('spo2Scale2'))).toBe(true);
    expect(problems).toContainEqual({ pointer: '/facts/news2Total/type', message: expect.stringContaining('derived from the total of score "news2"') });
  });

  it('points a floor or undetermined path that collides with an outcome path at that path', () => {
    const doc = structuredClone(read('ed-triage'));
    const band = doc.outcome.fields.findIndex((f) => f.path === 'news2.riskBand');
    doc.outcome.fields[band].floorPath = 'news2.score';
    doc.outcome.undeterminedPath = 'acuityAtLeast';
    expect(checkRulebookStructure(doc).filter((p) => p.message.includes('collides'))).toEqual([
      { pointer: `/outcome/fields/${band}/floorPath`, message: 'floorPath of outcome field "news2.riskBand": path "news2.score" collides with outcome field "news2.score"' },
      { pointer: '/outcome/undeterminedPath', message: 'outcome undeterminedPath: path "acuityAtLeast" collides with floorPath of outcome field "acuity"' },
    ]);
  });

  it('checks the type of a fact derived from a floor or from a score-summary field too', () => {
    const doc = structuredClone(read('ed-triage'));
    doc.facts.news2RiskBandAtLeast = { type: 'integer', description: 'wrong type', derivedFrom: { field: 'news2.riskBandAtLeast' } };
    doc.facts.news2SoFar = { type: 'boolean', description: 'wrong type', derivedFrom: { field: 'news2.score' } };
    const problems = checkRulebookStructure(doc);
    expect(problems).toContainEqual({
      pointer: '/facts/news2RiskBandAtLeast/type',
      message: 'fact "news2RiskBandAtLeast" is derived from floorPath "news2.riskBandAtLeast" of outcome field "news2.riskBand", which takes "high", not a value of type integer',
    });
    expect(problems).toContainEqual({
      pointer: '/facts/news2SoFar/type',
      message: 'fact "news2SoFar" is derived from outcome field "news2.score", the total of score "news2", a number or integer, but is declared boolean',
    });
  });

  it('lists every broken fact of the catalog, not only the first', () => {
    const doc = structuredClone(read('ed-triage'));
    doc.facts.heartRate = { ...doc.facts.heartRate, unit: 'beats' };
    doc.facts.spo2 = { ...doc.facts.spo2, range: { min: 100, max: 0 } };
    const problems = checkRulebookStructure(doc);
    expect(pointers(problems)).toEqual(expect.arrayContaining(['/facts/heartRate', '/facts/spo2']));
  });

  it('reports a failing scenario at the expected value and a rule no scenario fires', async () => {
    const doc = structuredClone(read('ed-triage'));
    doc.scenarios[0].expect = { ...doc.scenarios[0].expect, acuity: 1 };
    const extra = structuredClone(doc.rules[0]);
    extra.name = 'respiratory-rate-above-140-unfired';
    extra.conditions = { all: [{ fact: 'respiratoryRate', operator: 'greaterThan', value: 140 }] };
    extra.event = { type: 'outcome', params: { add: { reasons: { code: 'X', text: 'never' } } } };
    doc.rules.push(extra);
    const report = await runQualityGate(doc);
    expect(report.problems).toEqual(expect.arrayContaining([
      { pointer: '/scenarios/0/expect/acuity', message: expect.stringMatching(/^scenario "adult-normal-vitals-one-resource": \/acuity expected 1, got 4/) },
      { pointer: `/rules/${doc.rules.length - 1}`, message: 'rule "respiratory-rate-above-140-unfired" is fired by no scenario; add a scenario that fires it' },
    ]));
  });

  it('does not run scenarios on a rulebook that does not compile', async () => {
    const doc = structuredClone(read('scheduling-eligibility'));
    doc.rules[0].event = { type: 'score', params: { score: 'nope', parameter: 'x', points: 1 } };
    const report = await runQualityGate(doc);
    expect(report.scenarios).toBeUndefined();
    expect(report.problems).toContainEqual({ pointer: '/rules/0/event', message: expect.stringContaining('score "nope" is not declared') });
  });
});
