import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../common/project-root.js';
import type { ConditionNode, FactDefinition, FactValue, OutcomeField, RulebookDocument } from '../../rulebooks/rulebook.types.js';
import { compileRules } from './rulebook-compiler.js';
import { evaluate } from './rulebook-evaluator.js';
import type { CompiledRules } from './evaluation.types.js';

/**
 * "Missing data is never reassuring" (rulebooks/README.md, "Missing data is never reassuring"), proved as a property over every bundled
 * triage rulebook: for fact vectors generated across the whole ranges of the fact catalog, removing any subset of the
 * facts never yields a less urgent outcome than the complete vector. Undetermined (`null`) is allowed; a less urgent
 * value is not; and the floor (`floorPath`, e.g. `acuityAtLeast`) given with an undetermined field is never more
 * urgent than the truth. Urgency is the field's `outputOrder` (PRIORITY, most urgent first).
 *
 * Facts with a catalog `default` are not "missing" when absent: the intake supplies the default (NEWS2 SpO2 Scale 1
 * unless Scale 2 is prescribed), so the property removes only facts without one. A rulebook written in two-valued
 * logic (format 1.0, ed-triage 1.0.0) is expected to FAIL the property: that failure is the proof that the test
 * catches the hazard, and the reason those versions are superseded.
 */

/**
 * Vectors per rulebook: 10,000 in `npm test`. The mutation run (`npm run test:mutation`) lowers it with
 * `VERDICT_PROPERTY_RUNS`, because it reruns this spec for every mutant it covers.
 */
const RUNS = Number(process.env.VERDICT_PROPERTY_RUNS ?? 10_000);

interface TriageVersion {
  file: string;
  doc: RulebookDocument;
  compiled: CompiledRules;
}

function bundledTriageVersions(): TriageVersion[] {
  const root = join(projectRoot(), 'rulebooks');
  const versions: TriageVersion[] = [];
  for (const key of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
    for (const name of readdirSync(join(root, key)).filter((f) => f.endsWith('.json'))) {
      const doc = JSON.parse(readFileSync(join(root, key, name), 'utf8')) as RulebookDocument;
      if (doc.kind === 'triage') versions.push({ file: `${key}/${name}`, doc, compiled: compileRules(doc) });
    }
  }
  return versions;
}

/** Every number a rule compares `fact` with: the values near a threshold are where a wrong answer hides. */
function thresholds(doc: RulebookDocument, fact: string): number[] {
  const found = new Set<number>();
  const visit = (node: ConditionNode): void => {
    const n = node as Record<string, unknown>;
    if (Array.isArray(n.all) || Array.isArray(n.any)) for (const c of (n.all ?? n.any) as ConditionNode[]) visit(c);
    else if (n.not) visit(n.not as ConditionNode);
    else if (n.fact === fact && typeof n.value === 'number') found.add(n.value);
  };
  for (const rule of doc.rules) visit(rule.conditions as ConditionNode);
  return [...found];
}

/** Values of one catalog fact: the whole range (at the catalog precision), and values at and next to every threshold. */
function factValue(doc: RulebookDocument, name: string, definition: FactDefinition): fc.Arbitrary<FactValue> {
  switch (definition.type) {
    case 'boolean':
      return fc.boolean();
    case 'string':
      return fc.constantFrom(...(definition.allowedValues ?? ['x']));
    case 'dateTime':
      return fc.constant('2026-01-01T00:00:00.000Z');
    default: {
      const min = definition.range?.min ?? 0;
      const max = definition.range?.max ?? 1000;
      const places = definition.type === 'integer' ? 0 : definition.precision;
      const step = places === undefined ? 0.001 : 10 ** -places;
      const round = (v: number): number => Number((Math.round(v / step) * step).toFixed(places ?? 3));
      const near = thresholds(doc, name).flatMap((t) => [t - step, t, t + step]).map(round).filter((v) => v >= min && v <= max);
      const whole = fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((i) => round(i * step));
      return near.length > 0 ? fc.oneof(whole, fc.constantFrom(...near)) : whole;
    }
  }
}

/** A complete input vector over the catalog's input facts, and a subset of the facts without a default to remove. */
function caseArbitrary(doc: RulebookDocument): fc.Arbitrary<{ facts: Record<string, FactValue>; removed: string[] }> {
  const inputs = Object.entries(doc.facts).filter(([, d]) => !d.derivedFrom);
  const removable = inputs.filter(([, d]) => d.default === undefined).map(([name]) => name);
  return fc.record({
    facts: fc.record(Object.fromEntries(inputs.map(([name, d]) => [name, factValue(doc, name, d)]))),
    removed: fc.subarray(removable, { minLength: 1 }),
  });
}

function read(outcome: Record<string, unknown>, path: string): unknown {
  let node: unknown = outcome;
  for (const key of path.split('.')) node = node === null || typeof node !== 'object' ? null : (node as Record<string, unknown>)[key];
  return node ?? null;
}

/**
 * What makes `partial` less urgent than `complete` on one PRIORITY field, or undefined when it is safe.
 * `checkFloor`: also require the floor to be no more urgent than the truth. A floor is certain up to suppression: a
 * suppress rule that only could fire (NEWS2 "not applicable under 16" with the age missing) is not applied, so the
 * adult NEWS2 floors still count, an over-triage the property tolerates.
 */
function violation(field: OutcomeField, complete: Record<string, unknown>, partial: Record<string, unknown>, checkFloor: boolean): string | undefined {
  const order = (field.outputOrder ?? []).map((v) => JSON.stringify(v));
  const rank = (v: unknown): number => order.indexOf(JSON.stringify(v));
  const truth = read(complete, field.path);
  if (truth === null || rank(truth) < 0) return undefined; // not applicable with complete data (e.g. NEWS2 under 16)
  const answer = read(partial, field.path);
  if (answer !== null && rank(answer) > rank(truth)) {
    return `${field.path} is ${JSON.stringify(answer)} with facts missing but ${JSON.stringify(truth)} with all of them`;
  }
  if (answer === null && field.floorPath && checkFloor) {
    const floor = read(partial, field.floorPath);
    if (floor !== null && rank(floor) < rank(truth)) {
      return `${field.floorPath} is ${JSON.stringify(floor)}, more urgent than the complete answer ${JSON.stringify(truth)}`;
    }
  }
  return undefined;
}

async function holds(version: TriageVersion, facts: Record<string, FactValue>, removed: string[]): Promise<string | undefined> {
  const complete = await evaluate(version.compiled, facts);
  const partialFacts = { ...facts };
  for (const name of removed) partialFacts[name] = null;
  const partial = await evaluate(version.compiled, partialFacts);
  const suppressions = (e: typeof complete): string[] => e.rules.filter((r) => r.fired && r.event.type === 'suppress').map((r) => r.name);
  const sameSuppression = suppressions(complete).every((name) => suppressions(partial).includes(name));
  for (const field of version.doc.outcome.fields.filter((f) => f.hitPolicy === 'PRIORITY')) {
    const problem = violation(field, complete.outcome, partial.outcome, sameSuppression);
    if (problem) return problem;
  }
  return undefined;
}

const versions = bundledTriageVersions();

describe('missing data is never reassuring (property, every bundled triage rulebook)', () => {
  it('finds the bundled triage rulebooks, current ones in Kleene logic', () => {
    expect(versions.map((v) => v.file)).toContain('ed-triage/1.0.0.json');
    expect(versions.some((v) => v.doc.outcome.missingFactLogic === 'kleene')).toBe(true);
  });

  for (const version of versions.filter((v) => v.doc.outcome.missingFactLogic === 'kleene')) {
    it(`${version.file}: removing any facts never makes an outcome less urgent (${RUNS} vectors)`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArbitrary(version.doc), async ({ facts, removed }) => {
          const problem = await holds(version, facts, removed);
          if (problem) throw new Error(problem);
        }),
        { numRuns: RUNS },
      );
    }, 300_000);
  }

  for (const version of versions.filter((v) => v.doc.outcome.missingFactLogic !== 'kleene')) {
    it(`${version.file} (two-valued logic) fails the property: the test catches the hazard`, async () => {
      const result = await fc.check(
        fc.asyncProperty(caseArbitrary(version.doc), async ({ facts, removed }) => (await holds(version, facts, removed)) === undefined),
        { numRuns: RUNS, seed: 7 },
      );
      expect(result.failed).toBe(true);
    }, 300_000);
  }
});
