import jsonPatchModule from 'fast-json-patch';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { diffRulebooks } from './rulebook-diff.js';

const jsonPatch = ((jsonPatchModule as unknown as { default?: unknown }).default ?? jsonPatchModule) as typeof jsonPatchModule;
const triage = (): RulebookDocument =>
  JSON.parse(readFileSync(join(projectRoot(), 'rulebooks', 'ed-triage', '1.0.0.json'), 'utf8')) as RulebookDocument;

/** ed-triage 1.1.0 with a stricter respiratory-rate band: 3 points from 23/min instead of 25/min. */
function stricter(): RulebookDocument {
  const doc = triage();
  doc.version = '1.1.0';
  const two = doc.rules.find((r) => r.name === 'news2-respiratory-rate-2-high')!;
  (two.conditions as { all: { value: number }[] }).all[1].value = 22;
  const three = doc.rules.find((r) => r.name === 'news2-respiratory-rate-3-high')!;
  (three.conditions as { all: { value: number }[] }).all[0].value = 22;
  return doc;
}

describe('diffRulebooks', () => {
  it('finds only the version number between identical contents', () => {
    const diff = diffRulebooks(triage(), { ...triage(), version: '1.0.1' });
    expect(diff.identical).toBe(true);
    expect(diff.rules).toEqual({ added: [], removed: [], changed: [], reordered: false });
    expect(diff.summary).toEqual(['ed-triage 1.0.0 -> 1.0.1: no change besides the version number.']);
  });

  it('gives each changed rule an RFC 6902 patch that turns the old rule into the new one, and says it in words', () => {
    const before = triage();
    const after = stricter();
    const diff = diffRulebooks(before, after);
    expect(diff.identical).toBe(false);
    expect(diff.rules.changed.map((c) => c.name)).toEqual(['news2-respiratory-rate-2-high', 'news2-respiratory-rate-3-high']);
    expect(diff.rules.changed[1].patch).toEqual([{ op: 'replace', path: '/conditions/all/0/value', value: 22 }]);
    for (const change of diff.rules.changed) {
      const old = structuredClone(before.rules.find((r) => r.name === change.name));
      const patched = jsonPatch.applyPatch(old, change.patch, true, false).newDocument;
      expect(patched).toEqual(after.rules.find((r) => r.name === change.name));
    }
    expect(diff.summary).toContain('Rule news2-respiratory-rate-3-high changed: /conditions/all/0/value: 24 -> 22.');
    expect(diff.summary[0]).toMatch(/^ed-triage 1.0.0 -> 1.1.0\. Rules: 0 added, 0 removed, 2 changed; facts: 0 added, 0 removed, 0 changed/);
  });

  it('lists added and removed rules, facts, outcome fields and scenarios, and fact changes with patches', () => {
    const before = triage();
    const after = stricter();
    after.rules = after.rules.filter((r) => r.name !== 'acuity-severe-pain-prompt');
    after.rules.push({ ...structuredClone(before.rules[0]), name: 'news2-respiratory-rate-new', description: 'A new band for the test.' });
    after.facts.heartRate = { ...after.facts.heartRate, range: { min: 0, max: 250 } };
    after.facts.lactate = { type: 'number', unit: 'mmol/L', description: 'Serum lactate.' };
    after.outcome.fields.push({ path: 'sepsisScreen', hitPolicy: 'UNIQUE', default: false });
    after.scenarios = after.scenarios.slice(1);
    after.title = 'ED triage (stricter RR)';
    const diff = diffRulebooks(before, after);
    expect(diff.rules.added.map((r) => r.name)).toEqual(['news2-respiratory-rate-new']);
    expect(diff.rules.removed.map((r) => r.name)).toEqual(['acuity-severe-pain-prompt']);
    expect(diff.facts.added.map((f) => f.name)).toEqual(['lactate']);
    expect(diff.facts.changed).toEqual([{ name: 'heartRate', patch: [{ op: 'replace', path: '/range/max', value: 250 }] }]);
    expect(diff.outcome.fields.added.map((f) => f.name)).toEqual(['sepsisScreen']);
    expect(diff.scenarios.removed.map((s) => s.name)).toEqual([before.scenarios[0].name]);
    expect(diff.metadata).toEqual([{ op: 'replace', path: '/title', value: 'ED triage (stricter RR)' }]);
    expect(diff.summary).toEqual(expect.arrayContaining([
      'Rule news2-respiratory-rate-new added (stage 1): A new band for the test.',
      'Rule acuity-severe-pain-prompt removed.',
      'Fact heartRate changed: /range/max: 300 -> 250.',
      'Outcome field sepsisScreen added.',
      `Rulebook /title: ${JSON.stringify(before.title)} -> "ED triage (stricter RR)".`,
    ]));
  });

  it('notices rules that only moved', () => {
    const after = triage();
    after.version = '1.0.1';
    [after.rules[0], after.rules[1]] = [after.rules[1], after.rules[0]];
    const diff = diffRulebooks(triage(), after);
    expect(diff.rules.changed).toEqual([]);
    expect(diff.rules.reordered).toBe(true);
    expect(diff.identical).toBe(false);
  });
});
