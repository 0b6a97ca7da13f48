import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { projectRoot } from '../common/project-root.js';
import type { RulebookDocument } from './rulebook.types.js';

/**
 * The hazard logs (`rulebooks/<key>/HAZARDS.md`, DCB0129 form) stay true: every hazard names a control and a test,
 * and every rule, scenario and file they name exists in the latest bundled version. The scenarios themselves run in
 * `test/e2e/scenarios.e2e-spec.ts` and the files named are specs of this suite, so "exists" here means "runs and
 * passes" in the same `npm test`.
 */

const root = join(projectRoot(), 'rulebooks');
const keys = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

function latest(key: string): RulebookDocument {
  const versions = readdirSync(join(root, key)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  const newest = versions.sort(semver.rcompare)[0];
  return JSON.parse(readFileSync(join(root, key, `${newest}.json`), 'utf8')) as RulebookDocument;
}

interface Hazard {
  id: string;
  text: string;
  field(name: string): string;
}

function hazards(key: string): Hazard[] {
  const text = readFileSync(join(root, key, 'HAZARDS.md'), 'utf8');
  return text.split(/^## /m).slice(1).map((section) => {
    const id = /^(\w+):/.exec(section)?.[1] ?? section.slice(0, 20);
    return {
      id,
      text: section,
      field(name: string): string {
        const match = new RegExp(`^- \\*\\*${name}[^*]*:\\*\\*([\\s\\S]*?)(?=^- \\*\\*|$(?![\\s\\S]))`, 'm').exec(section);
        return match?.[1] ?? '';
      },
    };
  });
}

const named = (text: string, kind: 'rule' | 'scenario'): string[] =>
  [...text.matchAll(new RegExp(`${kind} \`([^\`]+)\``, 'g'))].map((m) => m[1]);
const files = (text: string): string[] => [...text.matchAll(/`((?:src|test|migrations)\/[^`]+\.ts)`/g)].map((m) => m[1]);

describe.each(keys)('hazard log of %s', (key) => {
  const doc = latest(key);
  const log = hazards(key);

  it('has hazards, each with cause, effect, severity and likelihood, controls, tests and residual risk', () => {
    expect(log.length).toBeGreaterThanOrEqual(5);
    for (const hazard of log) {
      for (const field of ['Cause', 'Effect', 'Severity / likelihood', 'Controls', 'Tests', 'Residual risk']) {
        expect({ hazard: hazard.id, field, text: hazard.field(field).trim().length > 0 }).toEqual({ hazard: hazard.id, field, text: true });
      }
    }
  });

  it('names, for every hazard, a control (a rule or code) and a test (a scenario or spec), all of which exist', () => {
    const rules = new Set(doc.rules.map((r) => r.name));
    const scenarios = new Set(doc.scenarios.map((s) => s.name));
    for (const hazard of log) {
      const controls = hazard.field('Controls');
      const tests = hazard.field('Tests');
      expect({ hazard: hazard.id, control: named(controls, 'rule').length + files(controls).length + (controls.includes('catalog') ? 1 : 0) > 0 })
        .toEqual({ hazard: hazard.id, control: true });
      expect({ hazard: hazard.id, test: named(tests, 'scenario').length + files(tests).length > 0 }).toEqual({ hazard: hazard.id, test: true });
      for (const rule of named(hazard.text, 'rule')) expect({ hazard: hazard.id, rule, exists: rules.has(rule) }).toEqual({ hazard: hazard.id, rule, exists: true });
      for (const scenario of named(hazard.text, 'scenario')) {
        expect({ hazard: hazard.id, scenario, exists: scenarios.has(scenario) }).toEqual({ hazard: hazard.id, scenario, exists: true });
      }
      for (const file of files(hazard.text)) {
        expect({ hazard: hazard.id, file, exists: existsSync(join(projectRoot(), file)) }).toEqual({ hazard: hazard.id, file, exists: true });
      }
    }
  });
});

describe('reason texts of current triage rulebooks', () => {
  it('never call the acuity an "ESI level" (it is Verdict acuity, modelled on ESI v4)', () => {
    for (const key of keys) {
      const doc = latest(key);
      if (doc.kind !== 'triage') continue;
      const texts = JSON.stringify(doc.rules.map((r) => r.event)).match(/"text":"[^"]*"/g) ?? [];
      expect(texts.length).toBeGreaterThan(5);
      expect(texts.filter((t) => /ESI level/i.test(t))).toEqual([]);
      expect(texts.filter((t) => /acuity/i.test(t) && !/Verdict/.test(t))).toEqual([]);
    }
  });
});
