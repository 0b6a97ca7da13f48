import { canonicalJson } from '../../common/canonical-json.js';
import type { ConditionLeaf, ConditionNode, FactDefinition, RuleEvent, RulebookRule } from '../../rulebooks/rulebook.types.js';
import type { CompiledField } from './evaluation.types.js';
import { ENGINE_OPERATOR_DECORATORS, ENGINE_OPERATORS } from './rule-engine.adapter.js';

/**
 * The consistency checks of one rule that a rulebook's JSON Schema cannot express, run by `compileRules`
 * (`rulebook-compiler.ts`): its conditions against the fact catalog, its event against the outcome policy. Each check
 * appends what it finds to `problems` (one line per inconsistency, starting with `rule "name"`) and never throws, so
 * that the compiler reports every problem of a rulebook at once.
 */

const NUMERIC_OPERATORS = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const LIST_OPERATORS = new Set(['in', 'notIn']);
const EQUALITY_OPERATORS = new Set(['equal', 'notEqual']);

/**
 * Checks a rule's event against the outcome policy: a `score` event names a declared score with finite numeric
 * `points` and a `parameter`; an `outcome` event `set`s single-value fields (a `PRIORITY` field only to a value of its
 * `outputOrder`) and `add`s to `COLLECT` fields; a `suppress` event names an outcome field or a parent of fields.
 * @param event the rule's `event` (`{type, params}`)
 * @param where how problems name the rule (`rule "name"`)
 * @param scores the outcome policy's declared scores, by name
 * @param fieldByPath the compiled outcome fields by dotted path (`news2.riskBand`)
 * @param fields the compiled outcome fields
 * @param problems where each inconsistency is appended
 */
export function checkEvent(
  event: RuleEvent,
  where: string,
  scores: Record<string, unknown>,
  fieldByPath: ReadonlyMap<string, CompiledField>,
  fields: readonly CompiledField[],
  problems: string[],
): void {
  switch (event?.type) {
    case 'score':
      if (!scores[event.params?.score]) problems.push(`${where}: score "${event.params?.score}" is not declared`);
      if (typeof event.params?.points !== 'number' || !Number.isFinite(event.params.points)) {
        problems.push(`${where}: score event needs numeric "points"`);
      }
      if (!event.params?.parameter) problems.push(`${where}: score event needs a "parameter"`);
      return;
    case 'outcome': {
      const set = event.params?.set ?? {};
      const add = event.params?.add ?? {};
      if (Object.keys(set).length + Object.keys(add).length === 0) {
        problems.push(`${where}: outcome event sets and adds nothing`);
      }
      for (const [path, value] of Object.entries(set)) {
        const field = fieldByPath.get(path);
        if (!field) problems.push(`${where}: sets "${path}", which is not an outcome field`);
        else if (!field.hitPolicy || field.hitPolicy === 'COLLECT') {
          problems.push(`${where}: sets "${path}", which takes ${field.from ? 'a score summary' : 'items (use "add")'}`);
        } else if (field.outputRank && !field.outputRank.has(canonicalJson(value))) {
          problems.push(`${where}: sets "${path}" to ${canonicalJson(value)}, which is not in its outputOrder`);
        }
      }
      for (const path of Object.keys(add)) {
        const field = fieldByPath.get(path);
        if (!field) problems.push(`${where}: adds to "${path}", which is not an outcome field`);
        else if (field.hitPolicy !== 'COLLECT') problems.push(`${where}: adds to "${path}", which is not a COLLECT field`);
      }
      return;
    }
    case 'suppress': {
      const target = event.params?.field;
      if (!fields.some((f) => f.path === target || f.path.startsWith(target + '.'))) {
        problems.push(`${where}: suppresses "${target}", which is neither an outcome field nor the parent of one`);
      }
      return;
    }
    default:
      problems.push(`${where}: unknown event type "${String((event as { type?: unknown })?.type)}"`);
  }
}

/**
 * An item an outcome event adds may name the facts behind it (`"facts": ["heartRate"]`), which the service answers
 * with their values and times (`annotateOutcomeFacts`): each must be an input fact of the catalog.
 * @param event the rule's `event`; only `outcome` events are checked
 * @param where how problems name the rule (`rule "name"`)
 * @param isInput whether a fact name is an input (not derived) fact of the catalog
 * @param problems where each inconsistency is appended
 */
export function checkNamedFacts(event: RuleEvent, where: string, isInput: (fact: string) => boolean, problems: string[]): void {
  if (event?.type !== 'outcome') return;
  for (const [path, added] of Object.entries(event.params?.add ?? {})) {
    for (const item of Array.isArray(added) ? added : [added]) {
      if (item === null || typeof item !== 'object' || !('facts' in item)) continue;
      const names = (item as { facts: unknown }).facts;
      if (!Array.isArray(names) || names.length === 0) {
        problems.push(`${where}: adds to "${path}" an item whose "facts" is not a non-empty list of fact names`);
        continue;
      }
      for (const name of names) {
        if (typeof name !== 'string' || !isInput(name)) {
          problems.push(`${where}: adds to "${path}" an item naming fact ${JSON.stringify(name)}, which is not an input fact of the catalog`);
        }
      }
    }
  }
}

/**
 * Checks a rule's conditions against the fact catalog: exactly one of `all`, `any`, `not` at the top; every fact a
 * leaf reads (also as `value: { fact }`) is in the catalog, and a derived fact only from stage 2 on; json-rules-engine
 * operators only (with Verdict's decorators); numeric operators compare number facts with numbers; `equal`/`in` values
 * have the fact's type and, for facts with `allowedValues`, are allowed values (catches typos such as `"ALERT"`).
 * Named condition references and fact `params` are refused (facts are values).
 * @param rule the rule as written in the rulebook
 * @param stage the rule's stage (1 when it names none)
 * @param catalog the rulebook's fact catalog, by fact name
 * @param problems where each inconsistency is appended
 */
export function checkConditions(
  rule: RulebookRule,
  stage: number,
  catalog: Record<string, FactDefinition>,
  problems: string[],
): void {
  const where = `rule "${rule.name}"`;
  const top = rule.conditions as Record<string, unknown> | undefined;
  const roots = ['all', 'any', 'not'].filter((k) => top && k in top);
  if (roots.length !== 1) {
    problems.push(`${where}: conditions need exactly one of "all", "any", "not" at the top`);
    return;
  }

  const checkFactRef = (fact: unknown): FactDefinition | undefined => {
    if (typeof fact !== 'string' || !catalog[fact]) {
      problems.push(`${where}: fact "${String(fact)}" is not in the fact catalog`);
      return undefined;
    }
    if (catalog[fact].derivedFrom && stage < 2) {
      problems.push(`${where}: reads derived fact "${fact}" in stage ${stage}; derived facts exist from stage 2 on`);
    }
    return catalog[fact];
  };

  const visit = (node: ConditionNode): void => {
    const n = node as Record<string, unknown>;
    if ('all' in n || 'any' in n) {
      const children = (n.all ?? n.any) as unknown;
      if (!Array.isArray(children)) problems.push(`${where}: "all"/"any" must be an array`);
      else children.forEach((c) => visit(c as ConditionNode));
      return;
    }
    if ('not' in n) {
      visit(n.not as ConditionNode);
      return;
    }
    if ('condition' in n) {
      problems.push(`${where}: named condition references are not supported`);
      return;
    }
    checkLeaf(n as unknown as ConditionLeaf);
  };

  const checkLeaf = (leaf: ConditionLeaf): void => {
    const definition = checkFactRef(leaf.fact);
    if ('params' in leaf) problems.push(`${where}: fact "${leaf.fact}": "params" is not supported (facts are values)`);
    if (!('value' in leaf)) problems.push(`${where}: fact "${String((leaf as { fact?: unknown }).fact)}": condition has no "value"`);
    const parts = typeof leaf.operator === 'string' ? leaf.operator.split(':') : [''];
    const base = parts[parts.length - 1];
    const decorators = parts.slice(0, -1);
    if (!ENGINE_OPERATORS.includes(base) || decorators.some((d) => !ENGINE_OPERATOR_DECORATORS.includes(d))) {
      problems.push(`${where}: fact "${leaf.fact}": unknown operator "${String(leaf.operator)}"`);
      return;
    }
    const value = leaf.value as unknown;
    const valueRef = value !== null && typeof value === 'object' && !Array.isArray(value) && 'fact' in value
      ? checkFactRef((value as { fact: unknown }).fact)
      : undefined;
    if (!definition || decorators.length > 0 || leaf.path !== undefined) return;

    const numeric = definition.type === 'number' || definition.type === 'integer';
    if (NUMERIC_OPERATORS.has(base)) {
      if (!numeric) problems.push(`${where}: fact "${leaf.fact}" is ${definition.type}; "${base}" needs a number fact`);
      const ok = valueRef ? valueRef.type === 'number' || valueRef.type === 'integer' : typeof value === 'number';
      if (!ok) problems.push(`${where}: fact "${leaf.fact}": "${base}" needs a number value`);
      return;
    }
    if (valueRef) return;
    if (EQUALITY_OPERATORS.has(base)) {
      checkValue(definition, leaf.fact, value);
    } else if (LIST_OPERATORS.has(base)) {
      if (!Array.isArray(value)) problems.push(`${where}: fact "${leaf.fact}": "${base}" needs an array value`);
      else value.forEach((v) => checkValue(definition, leaf.fact, v));
    }
  };

  const checkValue = (definition: FactDefinition, fact: string, value: unknown): void => {
    if (value === null) return;
    const expected = definition.type === 'integer' || definition.type === 'number' ? 'number'
      : definition.type === 'boolean' ? 'boolean' : 'string';
    if (typeof value !== expected) {
      problems.push(`${where}: fact "${fact}" is ${definition.type}; value ${JSON.stringify(value)} is not`);
    } else if (definition.allowedValues && !definition.allowedValues.includes(value as string)) {
      problems.push(`${where}: fact "${fact}": ${JSON.stringify(value)} is not one of its allowedValues`);
    }
  };

  visit(rule.conditions as ConditionNode);
}
