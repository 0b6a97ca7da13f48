import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { runScenarios, subsetDifferences } from './scenario-runner.js';

const dir = join(projectRoot(), 'rulebooks');
const bundled = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())
  .flatMap((e) => readdirSync(join(dir, e.name)).filter((n) => n.endsWith('.json')).map((n) => join(e.name, n)));

describe('bundled rulebook scenarios, through the real fact intake', () => {
  it.each(bundled)('%s: every scenario passes and together they fire every rule', async (file) => {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RulebookDocument;
    const report = await runScenarios(doc);
    expect(report.results.filter((r) => !r.passed).map((r) => ({ name: r.name, problems: r.problems }))).toEqual([]);
    expect(report.results.length).toBeGreaterThanOrEqual(15);
    expect(report.unfiredRules).toEqual([]);
  });

  it.each(bundled)('%s: every rule is documented and referenced', (file) => {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RulebookDocument;
    const undocumented = doc.rules.filter((r) => r.description.length < 20 || (r.references ?? []).length === 0).map((r) => r.name);
    expect(undocumented).toEqual([]);
  });
});

describe('subsetDifferences', () => {
  it.each([
    [{ a: 1 }, { a: 1, b: 2 }, []],
    [{ news2: { score: 7 } }, { news2: { score: 7, riskBand: 'high' } }, []],
    [{ news2: null }, { news2: null }, []],
    [{ a: [1, 2] }, { a: [1, 2] }, []],
  ])('accepts %j within %j', (expected, actual, differences) => {
    expect(subsetDifferences(expected, actual)).toEqual(differences);
  });

  it.each([
    [{ acuity: 2 }, { acuity: 3 }, '/acuity: expected 2, got 3'],
    [{ news2: { score: 7 } }, { news2: null }, '/news2: expected {"score":7}, got null'],
    [{ a: [1] }, { a: [1, 2] }, '/a: expected [1], got [1,2]'],
    [{ a: 1 }, {}, '/a: expected 1, got undefined'],
  ])('reports %j against %j', (expected, actual, difference) => {
    expect(subsetDifferences(expected, actual)).toEqual([difference]);
  });
});
