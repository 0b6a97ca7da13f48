import { jsonPointer, type ProblemPointer } from '../common/domain-error.js';
import { compileRules, RulebookInconsistentError } from '../decisions/evaluation/index.js';
import { runScenarios, type ScenarioReport, type ScenarioResult } from '../decisions/scenario-runner.js';
import { compileFactCatalog } from '../facts/index.js';
import { validateRulebookDocument } from '../rulebooks/rulebook-schema.validator.js';
import type { ConditionNode, FactDefinition, RulebookDocument } from '../rulebooks/rulebook.types.js';
import { analyzeRulebookStatically } from './static-analysis/rulebook-static-analysis.js';

/** The result of the quality gate: every problem, located by a JSON Pointer (RFC 6901) into the rulebook document. */
export interface QualityGateReport {
  /** Empty when the rulebook passes. */
  problems: ProblemPointer[];
  /** The scenario results, when the scenarios ran (they run only on a rulebook that is structurally sound). */
  scenarios?: ScenarioReport;
}

/**
 * The structural part of the quality gate, without running anything:
 * 1. the rulebook JSON Schema (ajv, draft 2020-12); when it fails, only its problems are reported (the later checks
 *    assume the shape);
 * 2. the fact catalog (`compileFactCatalog`: types, UCUM units, precision, ranges, defaults, FHIR derivations), every
 *    broken fact reported;
 * 3. the rules and outcome policy (`compileRules`, the same compiler that prepares a version for evaluation): every
 *    fact a rule reads is declared in the catalog with a type that fits the operator and the value, only
 *    json-rules-engine's operators, derived facts read only from stage 2 on, events naming declared scores and
 *    fields, required and `whenMissing` facts declared as input facts;
 * 4. derived facts are declared with the type of what they are derived from (a score total is a number, `complete`
 *    a boolean, an outcome field's values their type);
 * 5. when the fact catalog compiles, the static analysis of the rules (`analyzeRulebookStatically`, interval analysis
 *    as DMN decision-table analysis does it): overlapping bands that would fail an evaluation (a score parameter
 *    scored twice, a `UNIQUE` field set to two values), one-value gaps between bands, rules that can never fire, and
 *    outcome fields no rule sets. Rules the compiler rejects are left out of it, so nothing is reported twice.
 *
 * @param document parsed JSON, of any shape
 * @returns the problems, each with a JSON Pointer into `document` (`/rules/3/conditions/all/0/fact`)
 */
export function checkRulebookStructure(document: unknown): ProblemPointer[] {
  const schemaProblems = validateRulebookDocument(document);
  if (schemaProblems.length > 0) return schemaProblems.map((p) => ({ pointer: p.pointer, message: `schema: ${p.message}` }));
  const doc = document as RulebookDocument;
  const catalog = catalogProblems(doc);
  // The analysis needs sound fact domains (ranges, precision); a broken catalog is reported first.
  const analysis = catalog.length === 0 ? analyzeRulebookStatically(doc) : [];
  return [...catalog, ...ruleProblems(doc), ...derivedTypeProblems(doc), ...analysis];
}

/**
 * "Missing data is never reassuring" for triage: a new `triage` version must evaluate in Kleene three-valued logic
 * (`outcome.missingFactLogic: "kleene"`), under which an outcome a missing fact could make more urgent is undetermined.
 * Two-valued triage rulebooks (format 1.0, ed-triage 1.0.0) read a missing fact as "the condition is false", which the
 * property test in `missing-data.property.spec.ts` shows can lower the acuity; they stay evaluable but can no longer be
 * submitted.
 * @returns the problem, pointing at `/outcome`, or nothing
 */
export function missingDataPolicyProblems(doc: RulebookDocument): ProblemPointer[] {
  if (doc.kind !== 'triage' || doc.outcome.missingFactLogic === 'kleene') return [];
  return [{
    pointer: '/outcome',
    message: 'a triage rulebook must set "missingFactLogic": "kleene" so that a missing fact never makes an answer less urgent ' +
      '(two-valued logic reads a missing vital sign as normal); see rulebooks/README.md, "Missing data is never reassuring"',
  }];
}

/**
 * The whole quality gate a version passes on submission (and `npm run rulebook -- test`): `checkRulebookStructure`, the
 * missing-data policy of triage rulebooks (`missingDataPolicyProblems`), then (when those pass and
 * `scenarios` is not false) every scenario through the real fact intake and evaluation: each must pass, and together
 * they must fire every rule.
 *
 * @param document parsed JSON, of any shape
 * @param options `scenarios: false` skips running the scenarios (`npm run rulebook -- validate`)
 */
export async function runQualityGate(document: unknown, options: { scenarios?: boolean } = {}): Promise<QualityGateReport> {
  const problems = checkRulebookStructure(document);
  if (problems.length === 0) problems.push(...missingDataPolicyProblems(document as RulebookDocument));
  if (problems.length > 0 || options.scenarios === false) return { problems };
  const doc = document as RulebookDocument;
  const scenarios = await runScenariosSafely(doc);
  for (const [index, result] of scenarios.results.entries()) problems.push(...scenarioProblems(doc, index, result));
  for (const name of scenarios.unfiredRules) {
    problems.push({ pointer: jsonPointer('rules', doc.rules.findIndex((r) => r.name === name)), message: `rule "${name}" is fired by no scenario; add a scenario that fires it` });
  }
  return { problems, scenarios };
}

/** Runs the scenarios; when one of them breaks the evaluation itself (a rulebook defect found at run time), runs them one by one so the others still report. */
async function runScenariosSafely(doc: RulebookDocument): Promise<ScenarioReport> {
  try {
    return await runScenarios(doc);
  } catch {
    const results: ScenarioResult[] = [];
    const fired = new Set<string>();
    for (const scenario of doc.scenarios) {
      try {
        const one = await runScenarios({ ...doc, scenarios: [scenario] });
        results.push(one.results[0]);
        one.results[0].fired.forEach((name) => fired.add(name));
      } catch (error) {
        results.push({ name: scenario.name, passed: false, problems: [`the evaluation failed: ${(error as Error).message}`], fired: [] });
      }
    }
    return { results, unfiredRules: doc.rules.map((r) => r.name).filter((name) => !fired.has(name)) };
  }
}

function scenarioProblems(doc: RulebookDocument, index: number, result: ScenarioResult): ProblemPointer[] {
  const scenario = doc.scenarios[index];
  const base = jsonPointer('scenarios', index);
  return result.problems.map((problem) => {
    const fired = /^rule (\S+) was expected to fire/.exec(problem);
    if (fired) {
      const k = (scenario.expectFired ?? []).indexOf(fired[1]);
      return { pointer: k >= 0 ? `${base}/expectFired/${k}` : base, message: `scenario "${scenario.name}": ${problem}` };
    }
    // subsetDifferences lines start with the pointer into the outcome: "/acuity: expected 2, got 3".
    const at = /^(\/[^:]*): (expected .*)$/.exec(problem);
    if (at) return { pointer: `${base}/expect${at[1] === '/' ? '' : at[1]}`, message: `scenario "${scenario.name}": ${at[1]} ${at[2]}` };
    return { pointer: base, message: `scenario "${scenario.name}": ${problem}` };
  });
}

/** Every broken fact of the catalog: `compileFactCatalog` stops at the first, so the broken fact is set aside and the rest checked again. */
function catalogProblems(doc: RulebookDocument): ProblemPointer[] {
  const problems: ProblemPointer[] = [];
  const catalog: Record<string, FactDefinition> = { ...doc.facts };
  for (let attempt = 0; attempt <= Object.keys(doc.facts).length; attempt += 1) {
    try {
      compileFactCatalog(catalog);
      break;
    } catch (error) {
      const message = (error as Error).message;
      const named = /^fact "([^"]+)": ([\s\S]*)$/.exec(message);
      if (!named || !(named[1] in catalog)) {
        problems.push({ pointer: '/facts', message });
        break;
      }
      problems.push({ pointer: jsonPointer('facts', named[1]), message: `fact "${named[1]}": ${named[2]}` });
      delete catalog[named[1]];
    }
  }
  return problems;
}

/** The problems `compileRules` finds, each pointed at the rule, condition leaf, outcome field, score or fact at fault. */
function ruleProblems(doc: RulebookDocument): ProblemPointer[] {
  try {
    compileRules(doc);
    return [];
  } catch (error) {
    if (!(error instanceof RulebookInconsistentError)) return [{ pointer: '/rules', message: (error as Error).message }];
    const used = new Set<string>();
    return error.problems.map((problem) => {
      const pointer = locateCompilerProblem(doc, problem, used);
      used.add(`${pointer}\u0000${problem}`);
      return { pointer, message: problem };
    });
  }
}

/**
 * A JSON Pointer for one `compileRules` problem. The compiler names what each problem is about (`rule "x": …`,
 * `outcome field "p": …`, `floorPath of outcome field "p": …`, `outcome undeterminedPath: …`, `score "s": …`,
 * `fact "f": …`); within a rule, a problem about a fact or an operator is
 * pointed at the condition leaf that reads it (the first one not already reported with the same message).
 */
export function locateCompilerProblem(doc: RulebookDocument, problem: string, used: ReadonlySet<string> = new Set()): string {
  const rule = /^rule "([^"]*)": ([\s\S]*)$/.exec(problem);
  if (rule) {
    const indexes = doc.rules.map((r, i) => (r.name === rule[1] ? i : -1)).filter((i) => i >= 0);
    // "name is not unique": point at the second rule of that name.
    const index = /name is not unique/.test(rule[2]) && indexes.length > 1 ? indexes[1] : (indexes[0] ?? -1);
    if (index < 0) return '/rules';
    const base = jsonPointer('rules', index);
    const text = rule[2];
    if (/^stage /.test(text)) return `${base}/stage`;
    if (/^priority /.test(text)) return `${base}/priority`;
    if (/^conditions need|must be an array|named condition/.test(text)) return `${base}/conditions`;
    const fact = /fact "([^"]*)"/.exec(text)?.[1];
    if (fact !== undefined) {
      const operator = /unknown operator "([^"]*)"/.exec(text)?.[1];
      const leaves = conditionLeaves(doc.rules[index].conditions as ConditionNode, `${base}/conditions`);
      const readsAsValue = (leaf: LeafAt) => valueFact(leaf.leaf) === fact;
      const candidates = leaves.filter((leaf) => (operator !== undefined ? leaf.leaf.fact === fact && leaf.leaf.operator === operator
        : leaf.leaf.fact === fact || readsAsValue(leaf)));
      const chosen = candidates.find((leaf) => !used.has(`${pointerFor(leaf, fact, text)}\u0000${problem}`)) ?? candidates[0];
      if (chosen) return pointerFor(chosen, fact, text);
      return `${base}/conditions`;
    }
    if (/score|sets|adds|suppresses|outcome event|event/.test(text)) return `${base}/event`;
    return base;
  }
  const field = /^outcome field "([^"]*)": /.exec(problem);
  if (field) {
    const index = (doc.outcome.fields ?? []).findIndex((f) => f.path === field[1]);
    return index >= 0 ? jsonPointer('outcome', 'fields', index) : '/outcome/fields';
  }
  const floor = /^floorPath of outcome field "([^"]*)": /.exec(problem);
  if (floor) {
    const index = doc.outcome.fields.findIndex((f) => f.path === floor[1]);
    return index >= 0 ? jsonPointer('outcome', 'fields', index, 'floorPath') : '/outcome/fields';
  }
  if (/^outcome undeterminedPath: /.test(problem)) return '/outcome/undeterminedPath';
  const score = /^score "([^"]*)": required fact "([^"]*)"/.exec(problem);
  if (score) {
    const k = doc.outcome.scores?.[score[1]]?.requiredFacts.indexOf(score[2]) ?? -1;
    return k >= 0 ? jsonPointer('outcome', 'scores', score[1], 'requiredFacts', k) : jsonPointer('outcome', 'scores', score[1]);
  }
  const fact = /^fact "([^"]*)": /.exec(problem);
  if (fact) return /derivedFrom/.test(problem) ? jsonPointer('facts', fact[1], 'derivedFrom') : jsonPointer('facts', fact[1]);
  return '';
}

interface LeafAt {
  pointer: string;
  leaf: { fact?: unknown; operator?: unknown; value?: unknown };
}

function valueFact(leaf: LeafAt['leaf']): unknown {
  const value = leaf.value;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { fact?: unknown }).fact : undefined;
}

function pointerFor(at: LeafAt, fact: string, text: string): string {
  if (/unknown operator/.test(text)) return `${at.pointer}/operator`;
  if (/is not in the fact catalog|reads derived fact/.test(text)) return at.leaf.fact === fact ? `${at.pointer}/fact` : `${at.pointer}/value/fact`;
  if (/"params"/.test(text)) return `${at.pointer}/params`;
  if (/has no "value"/.test(text)) return at.pointer;
  if (/needs a number fact/.test(text)) return `${at.pointer}/fact`;
  return `${at.pointer}/value`;
}

function conditionLeaves(node: ConditionNode | undefined, pointer: string): LeafAt[] {
  if (node === null || typeof node !== 'object') return [];
  const n = node as Record<string, unknown>;
  for (const key of ['all', 'any'] as const) {
    if (key in n) return Array.isArray(n[key]) ? (n[key] as ConditionNode[]).flatMap((child, i) => conditionLeaves(child, `${pointer}/${key}/${i}`)) : [];
  }
  if ('not' in n) return conditionLeaves(n.not as ConditionNode, `${pointer}/not`);
  return [{ pointer, leaf: n as LeafAt['leaf'] }];
}

/**
 * A derived fact's declared type must fit what it is derived from: a score's total, known total or maximum (a number),
 * `complete` (a boolean); an outcome field's values (its outputOrder, default, whenMissing value and the values rules
 * set), a floor's (its field's outputOrder), a score-summary field's (a number).
 */
function derivedTypeProblems(doc: RulebookDocument): ProblemPointer[] {
  const problems: ProblemPointer[] = [];
  for (const [name, definition] of Object.entries(doc.facts)) {
    const source = definition.derivedFrom;
    if (!source) continue;
    const pointer = jsonPointer('facts', name, 'type');
    if ('score' in source) {
      const wanted = source.value === 'complete' ? ['boolean'] : ['number', 'integer'];
      if (!wanted.includes(definition.type)) {
        problems.push({ pointer, message: `fact "${name}" is derived from the ${source.value} of score "${source.score}", a ${wanted.join(' or ')}, but is declared ${definition.type}` });
      }
      continue;
    }
    const field = doc.outcome.fields.find((f) => f.path === source.field);
    const floorOf = field ? undefined : doc.outcome.fields.find((f) => f.floorPath === source.field);
    if (field?.from && field.from.value !== 'missing') {
      if (definition.type !== 'number' && definition.type !== 'integer') {
        problems.push({ pointer, message: `fact "${name}" is derived from outcome field "${source.field}", the ${field.from.value} of score "${field.from.score}", a number or integer, but is declared ${definition.type}` });
      }
      continue;
    }
    let values: unknown[];
    let what: string;
    if (floorOf) {
      // A floor takes the values of its field's outputOrder (or null).
      values = [...(floorOf.outputOrder ?? [])];
      what = `floorPath "${source.field}" of outcome field "${floorOf.path}"`;
    } else {
      if (!field || field.from || field.hitPolicy === 'COLLECT') continue; // reported by the compiler
      values = [...(field.outputOrder ?? []), field.default, field.whenMissing?.value];
      for (const rule of doc.rules) {
        if (rule.event.type === 'outcome' && rule.event.params.set && Object.hasOwn(rule.event.params.set, source.field)) values.push(rule.event.params.set[source.field]);
      }
      what = `outcome field "${source.field}"`;
    }
    const wrong = values.find((value) => value !== null && value !== undefined && !fitsType(definition, value));
    if (wrong !== undefined) {
      problems.push({ pointer, message: `fact "${name}" is derived from ${what}, which takes ${JSON.stringify(wrong)}, not a value of type ${definition.type}` });
    }
  }
  return problems;
}

function fitsType(definition: FactDefinition, value: unknown): boolean {
  switch (definition.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && (!definition.allowedValues || definition.allowedValues.includes(value));
    case 'dateTime':
      return typeof value === 'string';
  }
}
