import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../common/project-root.js';
import type { FactValue, RulebookDocument, RulebookScenario } from '../../rulebooks/rulebook.types.js';
import { compileRules } from './rulebook-compiler.js';
import { evaluate } from './rulebook-evaluator.js';

/** Every bundled rulebook, `rulebooks/<key>/<version>.json`. */
function bundledRulebooks(): { file: string; doc: RulebookDocument }[] {
  const dir = join(projectRoot(), 'rulebooks');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => readdirSync(join(dir, entry.name))
      .filter((name) => name.endsWith('.json'))
      .map((name) => {
        const file = join(entry.name, name);
        return { file, doc: JSON.parse(readFileSync(join(dir, file), 'utf8')) as RulebookDocument };
      }));
}

/** Scenario facts as fact intake would pass them: given value, else the catalog default, else null (missing). */
function scenarioFacts(doc: RulebookDocument, scenario: RulebookScenario): Record<string, FactValue> {
  const facts: Record<string, FactValue> = {};
  for (const [name, definition] of Object.entries(doc.facts)) {
    if (definition.derivedFrom) continue;
    const given = scenario.facts?.[name] as FactValue | undefined;
    facts[name] = given !== undefined ? given : (definition.default ?? null);
  }
  return facts;
}

const rulebooks = bundledRulebooks();

it('finds the bundled rulebooks', () => {
  expect(rulebooks.map((r) => r.file).sort()).toEqual(
    expect.arrayContaining(['ed-triage/1.0.0.json', 'scheduling-eligibility/1.0.0.json']),
  );
});

describe.each(rulebooks)('bundled rulebook $file', ({ doc }) => {
  const compiled = compileRules(doc);

  it('ships at least 15 scenarios, every rule documented and referenced', () => {
    expect(doc.scenarios.length).toBeGreaterThanOrEqual(15);
    for (const rule of doc.rules) {
      expect({ rule: rule.name, description: rule.description.length > 20 }).toEqual({ rule: rule.name, description: true });
      expect({ rule: rule.name, references: (rule.references ?? []).length > 0 }).toEqual({ rule: rule.name, references: true });
    }
  });

  it.each(doc.scenarios.map((s) => [s.name, s] as const))('scenario %s', async (_name, scenario) => {
    const result = await evaluate(compiled, scenarioFacts(doc, scenario));
    expect(result.outcome).toMatchObject(scenario.expect);
    const fired = result.rules.filter((r) => r.fired).map((r) => r.name);
    expect(fired).toEqual(expect.arrayContaining(scenario.expectFired ?? []));
  });

  it('fires every rule in at least one scenario', async () => {
    const fired = new Set<string>();
    for (const scenario of doc.scenarios) {
      const result = await evaluate(compiled, scenarioFacts(doc, scenario));
      for (const rule of result.rules) if (rule.fired) fired.add(rule.name);
    }
    expect(doc.rules.map((r) => r.name).filter((name) => !fired.has(name))).toEqual([]);
  });
});
