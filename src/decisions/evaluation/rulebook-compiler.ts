import { canonicalJson } from '../../common/canonical-json.js';
import type { FactDefinition, OutcomeField, RulebookDocument } from '../../rulebooks/rulebook.types.js';
import type {
  CompiledField,
  CompiledRule,
  CompiledRules,
  CompiledStage,
  DerivedFact,
} from './evaluation.types.js';
import { buildEngineStage } from './rule-engine.adapter.js';
import { checkConditions, checkEvent, checkNamedFacts } from './rule-consistency.js';

/**
 * Thrown by `compileRules`: the message lists every inconsistency; `problems` holds them one by one, each starting
 * with what it is about (`rule "name": …`, `outcome field "path": …`, `score "name": …`, `fact "name": …`).
 */
export class RulebookInconsistentError extends Error {
  constructor(doc: Pick<RulebookDocument, 'key' | 'version'>, readonly problems: readonly string[]) {
    super(`Rulebook ${doc.key}@${doc.version} is inconsistent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RulebookInconsistentError';
  }
}

/**
 * Compiles a rulebook version for evaluation: once per version, never per request.
 *
 * Builds the json-rules-engine `Rule` objects of each stage, puts the rules in evaluation order (stage ascending, then
 * priority descending, then file order), resolves the outcome policy (`PRIORITY` ranks), and checks the rulebook's
 * internal consistency, which its JSON Schema cannot express:
 * - rule names are unique; stages and priorities are integers ≥ 1;
 * - every fact a condition reads (including `value: { fact }`) is in the catalog, and a fact with `derivedFrom` is
 *   read only in stages after the first (derived facts are computed between stages);
 * - operators are json-rules-engine operators; numeric operators compare numeric facts with numbers; `equal`/`in`
 *   values have the fact's type and, for facts with `allowedValues`, are allowed values (catches typos);
 * - `score` events name a declared score; `outcome` events `set` fields that have a single-value hit policy (values
 *   of a `PRIORITY` field must be in its `outputOrder`) and `add` to `COLLECT` fields; `suppress` events name a field
 *   or a parent of fields;
 * - outcome fields have exactly one of `from` and `hitPolicy`, distinct paths none of which is the parent of another,
 *   `outputOrder` for `PRIORITY`, and `whenMissing` facts from the catalog (not derived);
 * - score `requiredFacts` are input facts; derived facts name a declared score or a single-value outcome field.
 * The checks of each rule's conditions and event are in `rule-consistency.ts`.
 *
 * The document is not modified; the compiled rules share nothing mutable with it.
 * @param doc a rulebook that passed its JSON Schema (`rulebook.schema.json`): the checks assume its shape (`facts`,
 *   `rules` and `outcome.fields` present)
 * @throws RulebookInconsistentError listing every inconsistency, each naming the rule, field or fact at fault
 */
export function compileRules(doc: RulebookDocument): CompiledRules {
  const problems: string[] = [];
  const catalog = doc.facts;
  const scores = doc.outcome.scores ?? {};

  // Fact catalog.
  const inputFacts: string[] = [];
  const derivedFacts: DerivedFact[] = [];
  for (const [name, definition] of Object.entries(catalog)) {
    if (definition.fhir && definition.derivedFrom) {
      problems.push(`fact "${name}": has both "fhir" and "derivedFrom"`);
    }
    if (definition.derivedFrom) {
      derivedFacts.push(deepFreeze(structuredClone({ name, definition, source: definition.derivedFrom })));
    } else {
      inputFacts.push(name);
    }
  }
  const isInput = (fact: string): boolean => catalog[fact] !== undefined && !catalog[fact].derivedFrom;

  // Scores.
  for (const [score, definition] of Object.entries(scores)) {
    for (const fact of definition.requiredFacts) {
      if (!isInput(fact)) problems.push(`score "${score}": required fact "${fact}" is not an input fact of the catalog`);
    }
  }

  // Outcome fields, their floors and the undetermined list.
  const fields = compileFields(doc.outcome.fields, scores, isInput, problems);
  const fieldByPath = new Map(fields.map((f) => [f.path, f]));
  const logic = doc.outcome.missingFactLogic ?? 'two-valued';
  if (logic !== 'two-valued' && logic !== 'kleene') problems.push(`outcome: unknown missingFactLogic "${String(logic)}"`);
  const undeterminedPath = doc.outcome.undeterminedPath;
  checkExtraPaths(fields, undeterminedPath, problems);

  // Derived facts.
  for (const { name, source } of derivedFacts) {
    if ('score' in source) {
      if (!scores[source.score]) problems.push(`fact "${name}": derivedFrom score "${source.score}" is not declared`);
    } else {
      // A floor (`floorPath`) holds a value of its field's outputOrder, so it is read like the field.
      const field = fieldByPath.get(source.field) ?? fields.find((f) => f.floorPath === source.field);
      if (!field) problems.push(`fact "${name}": derivedFrom field "${source.field}" is not an outcome field or floor`);
      else if (field.hitPolicy === 'COLLECT' || field.from?.value === 'missing') {
        problems.push(`fact "${name}": derivedFrom field "${source.field}" is a list, not a single value`);
      }
    }
  }

  // Rules.
  const seen = new Set<string>();
  const compiled: Omit<CompiledRule, 'order'>[] = [];
  for (const rule of doc.rules) {
    const where = `rule "${rule.name}"`;
    if (seen.has(rule.name)) problems.push(`${where}: name is not unique`);
    seen.add(rule.name);
    const stage = rule.stage ?? 1;
    const priority = rule.priority ?? 1;
    if (!Number.isInteger(stage) || stage < 1) problems.push(`${where}: stage must be an integer ≥ 1`);
    if (!Number.isInteger(priority) || priority < 1) problems.push(`${where}: priority must be an integer ≥ 1`);
    checkConditions(rule, stage, catalog, problems);
    checkEvent(rule.event, where, scores, fieldByPath, fields, problems);
    checkNamedFacts(rule.event, where, isInput, problems);
    compiled.push({
      name: rule.name,
      stage,
      priority,
      event: deepFreeze(structuredClone(rule.event)),
      conditions: deepFreeze(structuredClone(rule.conditions)),
    });
  }

  if (problems.length > 0) throw new RulebookInconsistentError(doc, problems);

  // Array.prototype.sort is stable (ECMAScript 2019): rules of the same stage and priority keep their file order.
  const ordered: CompiledRule[] = compiled
    .sort((a, b) => a.stage - b.stage || b.priority - a.priority)
    .map((rule, order) => Object.freeze({ ...rule, order }));
  const stageNumbers = [...new Set(ordered.map((r) => r.stage))];
  const stages: CompiledStage[] = stageNumbers.map((stage) => {
    const rules = Object.freeze(ordered.filter((r) => r.stage === stage));
    return Object.freeze({ stage, rules, engine: buildEngineStage(rules) });
  });

  return Object.freeze({
    key: doc.key,
    version: doc.version,
    inputFacts: Object.freeze(inputFacts),
    inputDomains: inputDomains(catalog, inputFacts),
    derivedFacts: Object.freeze(derivedFacts),
    stages: Object.freeze(stages),
    rules: Object.freeze(ordered),
    scores: deepFreeze(structuredClone(scores)),
    fields: Object.freeze(fields),
    logic,
    undeterminedPath,
  });
}

/** The values each input fact could take, from its catalog definition (see `CompiledRules.inputDomains`). */
function inputDomains(catalog: Record<string, FactDefinition>, inputFacts: readonly string[]): CompiledRules['inputDomains'] {
  const domains = new Map<string, { range?: { min: number; max: number }; values?: readonly unknown[] }>();
  // Only string facts have allowedValues, and only number and integer facts a range (the schema and the fact catalog
  // refuse them on other types).
  for (const name of inputFacts) {
    const { type, range, allowedValues } = catalog[name];
    if (type === 'boolean') domains.set(name, deepFreeze({ values: [true, false] }));
    else if (allowedValues) domains.set(name, deepFreeze({ values: [...allowedValues] }));
    else if (range?.min !== undefined && range.max !== undefined) {
      domains.set(name, deepFreeze({ range: { min: range.min, max: range.max } }));
    }
  }
  return domains;
}

/**
 * Floor paths and the undetermined path are outcome paths too: each must be distinct from every other path, and
 * neither the parent nor a child of one (the outcome is a tree of leaves).
 */
function checkExtraPaths(fields: readonly CompiledField[], undeterminedPath: string | undefined, problems: string[]): void {
  const taken = fields.map((f) => ({ path: f.path, what: `outcome field "${f.path}"` }));
  const extra = [
    ...fields.flatMap((f) => (f.floorPath !== undefined ? [{ path: f.floorPath, what: `floorPath of outcome field "${f.path}"` }] : [])),
    ...(undeterminedPath !== undefined ? [{ path: undeterminedPath, what: 'outcome undeterminedPath' }] : []),
  ];
  for (const field of fields) {
    if (field.floorPath !== undefined && field.hitPolicy !== 'PRIORITY') {
      problems.push(`outcome field "${field.path}": "floorPath" is only for hit policy PRIORITY`);
    }
  }
  const clash = (a: string, b: string): boolean => a === b || a.startsWith(b + '.') || b.startsWith(a + '.');
  for (const [index, { path, what }] of extra.entries()) {
    const other = [...taken, ...extra.slice(0, index)].find((t) => clash(t.path, path));
    if (other) problems.push(`${what}: path "${path}" collides with ${other.what}`);
  }
}

function compileFields(
  source: readonly OutcomeField[],
  scores: Record<string, unknown>,
  isInput: (fact: string) => boolean,
  problems: string[],
): CompiledField[] {
  const paths = source.map((f) => f.path);
  return source.map((original) => {
    const field = structuredClone(original);
    const where = `outcome field "${field.path}"`;
    if (paths.indexOf(field.path) !== paths.lastIndexOf(field.path)) problems.push(`${where}: path is not unique`);
    const child = paths.find((p) => p.startsWith(field.path + '.'));
    if (child) problems.push(`${where}: is the parent of outcome field "${child}"; only leaves are fields`);
    if (Boolean(field.from) === Boolean(field.hitPolicy)) {
      problems.push(`${where}: needs exactly one of "from" and "hitPolicy"`);
    }
    if (field.from) {
      if (!scores[field.from.score]) problems.push(`${where}: score "${field.from.score}" is not declared`);
      if (field.default !== undefined || field.whenMissing || field.outputOrder) {
        problems.push(`${where}: a "from" field takes no "default", "whenMissing" or "outputOrder"`);
      }
    }
    if (field.hitPolicy === 'PRIORITY' && !(field.outputOrder && field.outputOrder.length > 0)) {
      problems.push(`${where}: hit policy PRIORITY needs a non-empty "outputOrder"`);
    }
    if (field.hitPolicy !== 'PRIORITY' && field.outputOrder) {
      problems.push(`${where}: "outputOrder" is only for hit policy PRIORITY`);
    }
    for (const fact of field.whenMissing?.facts ?? []) {
      if (!isInput(fact)) problems.push(`${where}: whenMissing fact "${fact}" is not an input fact of the catalog`);
    }
    const outputRank = field.outputOrder
      ? new Map(field.outputOrder.map((value, rank) => [canonicalJson(value), rank] as const))
      : undefined;
    if (outputRank && outputRank.size !== field.outputOrder?.length) {
      problems.push(`${where}: "outputOrder" lists a value twice`);
    }
    return deepFreeze({ ...field, outputRank }) as CompiledField;
  });
}

/**
 * Freezes `value` and everything reachable from it; returns it. A Map is frozen itself, not its entries (they are no
 * properties: `Object.values` of a Map is empty). Primitives and `null` count as frozen (`Object.isFrozen`), and a
 * part already frozen is not visited again.
 */
function deepFreeze<T>(value: T): T {
  if (!Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
