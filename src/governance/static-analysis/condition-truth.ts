import { jsonPointer } from '../../common/domain-error.js';
import type { ConditionLeaf, ConditionNode, RulebookRule } from '../../rulebooks/rulebook.types.js';
import { type AnalysisContext, and, type Binding, or } from './analysis-context.js';
import {
  complementDomain, complementIntervals, type Cube, type Dnf, type Domain, type FiniteValue, type Interval, intersectIntervals, isEmptyDomain,
  isFullDomain, normalize, onGrid, OTHER, single, Unanalysable, type Variable,
} from './interval-domains.js';

/*
 * Condition trees to truth sets, as json-rules-engine 7 evaluates them (and, under `missingFactLogic: "kleene"`, as
 * `evaluateKleene` does): for each rule, the inputs on which its conditions are certainly true and certainly false.
 */

/** json-rules-engine 7's operators on one value (`null`: missing), for finite domains and the missing case. */
function holds(operator: string, factValue: FiniteValue | null, value: unknown): boolean {
  const v = factValue === OTHER ? OTHER : factValue;
  switch (operator) {
    case 'equal': return v === value;
    case 'notEqual': return v !== value;
    case 'in': return (value as unknown[]).includes(v);
    case 'notIn': return !(value as unknown[]).includes(v);
    case 'lessThan': return typeof v === 'number' && v < (value as number);
    case 'lessThanInclusive': return typeof v === 'number' && v <= (value as number);
    case 'greaterThan': return typeof v === 'number' && v > (value as number);
    case 'greaterThanInclusive': return typeof v === 'number' && v >= (value as number);
    default: throw new Unanalysable(operator);
  }
}

const ORDER_OPERATORS = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const OPERATORS = new Set([...ORDER_OPERATORS, 'equal', 'notEqual', 'in', 'notIn']);

/** Whether `value` has a type the variable's facts can be compared with (the compiler reports the others). */
function fitsValue(variable: Variable, value: unknown): boolean {
  if (value === null) return true;
  if (variable.kind === 'number') return typeof value === 'number';
  return variable.values.some((v) => typeof v === typeof value) || (variable.values.includes(OTHER) && typeof value === 'string');
}

/** The inputs on which a leaf holds, json-rules-engine's way (two-valued; a missing fact included where it holds). */
function satisfying(variable: Variable, operator: string, value: unknown): Domain {
  const list = operator === 'in' || operator === 'notIn';
  if (list && !Array.isArray(value)) throw new Unanalysable('not a list');
  const entries = list ? (value as unknown[]) : [value];
  if (!entries.every((v) => fitsValue(variable, v))) throw new Unanalysable('value type');
  const missing = variable.canBeMissing && holds(operator, null, value);
  if (variable.kind === 'finite') {
    if (ORDER_OPERATORS.has(operator) && !variable.values.every((v) => typeof v === 'number')) throw new Unanalysable('order on non-numbers');
    // A string outside allowedValues is the compiler's to report.
    if (variable.kleeneCertain === 'values' && entries.some((v) => typeof v === 'string' && !variable.values.includes(v))) throw new Unanalysable('not an allowed value');
    return { missing, values: new Set([...variable.values.keys()].filter((i) => holds(operator, variable.values[i], value))) };
  }
  const point = (n: number): Interval[] => onGrid(variable, { lo: n, hi: n, loOpen: false, hiOpen: false });
  let intervals: Interval[];
  switch (operator) {
    case 'lessThan': intervals = onGrid(variable, { lo: -Infinity, loOpen: true, hi: value as number, hiOpen: true }); break;
    case 'lessThanInclusive': intervals = onGrid(variable, { lo: -Infinity, loOpen: true, hi: value as number, hiOpen: false }); break;
    case 'greaterThan': intervals = onGrid(variable, { lo: value as number, loOpen: true, hi: Infinity, hiOpen: true }); break;
    case 'greaterThanInclusive': intervals = onGrid(variable, { lo: value as number, loOpen: false, hi: Infinity, hiOpen: true }); break;
    case 'equal': intervals = value === null ? [] : point(value as number); break;
    case 'notEqual': intervals = complementIntervals(variable.scale, value === null ? [] : point(value as number)); break;
    case 'in': intervals = normalize(variable.scale, (value as unknown[]).filter((v) => v !== null).flatMap((v) => point(v as number))); break;
    default: intervals = complementIntervals(variable.scale, normalize(variable.scale, (value as unknown[]).filter((v) => v !== null).flatMap((v) => point(v as number))));
  }
  return { missing, intervals: intersectIntervals(variable.scale, variable.full, intervals) };
}

/** Where a condition is certainly true and certainly false. */
interface Truth {
  t: Dnf;
  f: Dnf;
}

/**
 * Under Kleene logic, whether a leaf on a missing variable is certainly true (`evaluateKleene`: every value of its
 * finite domain, or both ends of its range for an order comparison, give the same result; `equal`/`notEqual` a number
 * outside the range) or certainly false.
 */
function kleeneMissing(variable: Variable, operator: string, value: unknown, sat: Domain): { t: boolean; f: boolean } {
  const nonMissing = { ...sat, missing: false };
  const none = isEmptyDomain(nonMissing);
  const every = isEmptyDomain({ ...complementDomain(variable, nonMissing), missing: false });
  if (variable.kleeneCertain === 'values') return { t: every && !none, f: none && !every };
  if (variable.kleeneCertain === 'range' && variable.kind === 'number' && variable.range) {
    if (ORDER_OPERATORS.has(operator)) return { t: every && !none, f: none && !every };
    const outside = typeof value === 'number' && (value < variable.range.min || value > variable.range.max);
    if (operator === 'equal') return { t: false, f: outside };
    if (operator === 'notEqual') return { t: outside, f: false };
  }
  return { t: false, f: false };
}

/** Truth sets of a leaf on one variable. */
function leafOnVariable(variable: Variable, operator: string, value: unknown, kleene: boolean): Truth {
  const sat = satisfying(variable, operator, value);
  const testsMissing = (operator === 'equal' || operator === 'notEqual') && value === null;
  if (!kleene || testsMissing || !variable.canBeMissing) return { t: single(variable, sat), f: single(variable, complementDomain(variable, sat)) };
  const certain = kleeneMissing(variable, operator, value, sat);
  const t = { ...sat, missing: certain.t };
  const f = { ...complementDomain(variable, { ...sat, missing: false }), missing: certain.f };
  return { t: single(variable, t), f: single(variable, f) };
}

/** Truth sets of a leaf on a score `total`: `knownTotal` when the score is complete, else `null` (unknown under Kleene). */
function leafOnTotal(binding: Extract<Binding, { kind: 'total' }>, operator: string, value: unknown, kleene: boolean): Truth {
  const sat = satisfying(binding.sum, operator, value);
  const testsMissing = (operator === 'equal' || operator === 'notEqual') && value === null;
  const complete = (yes: boolean): Domain => ({ missing: false, values: new Set([binding.complete.values.indexOf(yes)]) });
  const when = (yes: boolean, sum?: Domain): Cube[] => {
    if (sum && isEmptyDomain(sum)) return [];
    const cube = new Map<string, Domain>([[binding.complete.id, complete(yes)]]);
    if (sum && !isFullDomain(binding.sum, sum)) cube.set(binding.sum.id, sum);
    return [cube];
  };
  const onNull = holds(operator, null, value);
  const nullDecided = !kleene || testsMissing;
  return {
    t: [...when(true, { ...sat, missing: false }), ...(nullDecided && onNull ? when(false) : [])],
    f: [...when(true, complementDomain(binding.sum, sat)), ...(nullDecided && !onNull ? when(false) : [])],
  };
}

/** A leaf that can never hold, for the message of an unreachable rule. */
interface NeverHolds {
  pointer: string;
  leaf: ConditionLeaf;
  variable?: Variable;
}

function truthOf(node: ConditionNode, pointer: string, context: AnalysisContext, never: NeverHolds[]): Truth {
  if (node === null || typeof node !== 'object') throw new Unanalysable('not a condition');
  const n = node as Record<string, unknown>;
  if ('all' in n || 'any' in n) {
    const key = 'all' in n ? 'all' : 'any';
    if (!Array.isArray(n[key])) throw new Unanalysable('not a list');
    const children = (n[key] as ConditionNode[]).map((child, i) => truthOf(child, `${pointer}/${key}/${i}`, context, never));
    const everything: Dnf = [new Map()];
    if (key === 'all') return { t: children.reduce((acc, c) => and(context, acc, c.t), everything), f: children.reduce<Dnf>((acc, c) => or(acc, c.f), []) };
    return { t: children.reduce<Dnf>((acc, c) => or(acc, c.t), []), f: children.reduce((acc, c) => and(context, acc, c.f), everything) };
  }
  if ('not' in n) {
    const child = truthOf(n.not as ConditionNode, `${pointer}/not`, context, never);
    return { t: child.f, f: child.t };
  }
  const leaf = n as unknown as ConditionLeaf;
  const value = leaf.value as unknown;
  if (typeof leaf.fact !== 'string' || typeof leaf.operator !== 'string' || !OPERATORS.has(leaf.operator) || !('value' in leaf)
    || leaf.path !== undefined || leaf.params !== undefined
    || (value !== null && typeof value === 'object' && !Array.isArray(value))) {
    throw new Unanalysable('leaf shape');
  }
  const binding = context.binding(leaf.fact);
  if (!binding) throw new Unanalysable('fact');
  const truth = binding.kind === 'total'
    ? leafOnTotal(binding, leaf.operator, value, context.kleene)
    : leafOnVariable(binding.variable, leaf.operator, value, context.kleene);
  if (truth.t.length === 0) never.push({ pointer, leaf, variable: binding.kind === 'total' ? binding.sum : binding.variable });
  return truth;
}

/** A rule with where it fires; `fires` is undefined when its conditions cannot be analysed. */
export interface AnalysedRule {
  rule: RulebookRule;
  index: number;
  fires?: Dnf;
  never: NeverHolds[];
}

/**
 * Where rule `index` fires (its condition tree's certainly-true inputs, as a DNF) and which leaves can never hold;
 * `fires` is left undefined when the tree uses what cannot be analysed (the rule is then left out of every finding).
 */
export function analyseRule(rule: RulebookRule, index: number, context: AnalysisContext): AnalysedRule {
  const never: NeverHolds[] = [];
  try {
    const truth = truthOf(rule.conditions as ConditionNode, `${jsonPointer('rules', index)}/conditions`, context, never);
    return { rule, index, fires: truth.t, never };
  } catch (error) {
    if (error instanceof Unanalysable) return { rule, index, never: [] };
    throw error;
  }
}

/** A rule that was analysed and fires on some input. */
export const reachable = (rule: AnalysedRule): rule is AnalysedRule & { fires: Dnf } => rule.fires !== undefined && rule.fires.length > 0;
