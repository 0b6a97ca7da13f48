import { canonicalJson } from '../common/canonical-json.js';
import { DomainError } from '../common/domain-error.js';
import { compileFactCatalog, takeInFacts } from '../facts/index.js';
import type { RulebookDocument, RulebookScenario } from '../rulebooks/rulebook.types.js';
import { ruleInput } from './decision-explanation.js';
import { compileRules, evaluate } from './evaluation/index.js';
import { annotateOutcomeFacts } from './outcome-fact-annotation.js';

/** The result of one rulebook scenario. */
export interface ScenarioResult {
  name: string;
  passed: boolean;
  /** What differed, one readable line each (`/acuity: expected 2, got 3`). */
  problems: string[];
  outcome?: Record<string, unknown>;
  fired: string[];
}

/** The results of every scenario of a rulebook, and the rules no scenario fired. */
export interface ScenarioReport {
  results: ScenarioResult[];
  unfiredRules: string[];
}

/**
 * Lists where `actual` does not contain `expected` as a deep subset: objects match key by key (extra keys in `actual`
 * are fine), arrays element by element with the same length, anything else by equality of canonical JSON.
 * @returns readable differences, each starting with the JSON Pointer of the place
 */
export function subsetDifferences(expected: unknown, actual: unknown, pointer = ''): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${pointer || '/'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    return expected.flatMap((item, i) => subsetDifferences(item, actual[i], `${pointer}/${i}`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${pointer || '/'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => subsetDifferences(value, (actual as Record<string, unknown>)[key], `${pointer}/${key}`));
  }
  return canonicalJson(expected ?? null) === canonicalJson(actual ?? null) ? [] : [`${pointer || '/'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/**
 * Runs every scenario of a rulebook through the same fact intake (request facts and FHIR R4), rules and outcome
 * policy as the service, without recording anything. A scenario passes when its `expect` is a deep subset of the
 * outcome and every rule in `expectFired` fired; input refused by intake fails the scenario with the problem.
 *
 * @param document a rulebook document (schema-valid)
 * @throws Error when the rulebook's rules or fact catalog do not compile
 */
export async function runScenarios(document: RulebookDocument): Promise<ScenarioReport> {
  const catalog = compileFactCatalog(document.facts);
  const rules = compileRules(document);
  const fired = new Set<string>();
  const results: ScenarioResult[] = [];
  for (const scenario of document.scenarios) {
    const result = await runOne(document, catalog, rules, scenario);
    result.fired.forEach((name) => fired.add(name));
    results.push(result);
  }
  return { results, unfiredRules: document.rules.map((r) => r.name).filter((name) => !fired.has(name)) };
}

async function runOne(
  document: RulebookDocument,
  catalog: ReturnType<typeof compileFactCatalog>,
  rules: ReturnType<typeof compileRules>,
  scenario: RulebookScenario,
): Promise<ScenarioResult> {
  try {
    const intake = takeInFacts(catalog, { facts: scenario.facts, fhir: scenario.fhir, asOf: new Date(scenario.asOf), fhirSearchComplete: scenario.fhirSearchComplete });
    const evaluation = await evaluate(rules, ruleInput(document, intake));
    const fired = evaluation.rules.filter((r) => r.fired).map((r) => r.name);
    evaluation.outcome = annotateOutcomeFacts(evaluation.outcome, intake);
    const problems = subsetDifferences(scenario.expect, evaluation.outcome);
    for (const name of scenario.expectFired ?? []) if (!fired.includes(name)) problems.push(`rule ${name} was expected to fire and did not`);
    return { name: scenario.name, passed: problems.length === 0, problems, outcome: evaluation.outcome, fired };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const where = (error.errors ?? []).map((e) => `${e.pointer}: ${e.message}`).join('; ');
    return { name: scenario.name, passed: false, problems: [`input refused (${error.code}): ${error.detail}${where ? ` ${where}` : ''}`], fired: [] };
  }
}
