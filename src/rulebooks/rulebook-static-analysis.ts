import { canonicalJson } from '../common/canonical-json.js';
import { jsonPointer, type ProblemPointer } from '../common/domain-error.js';
import type { ConditionLeaf, ConditionNode, FactDefinition, RulebookDocument, RulebookRule } from './rulebook.types.js';

/**
 * The widest boundary gap reported, in representable values of the fact: a gap of exactly one value between two
 * bands (`< 11` and `> 11` on an integer; `<= 35.0` and `> 35.1` at precision 1; `< 0.25` and `> 0.25` on a number
 * kept at full precision, where "one value" is the single point 0.25). Wider uncovered ranges are taken as
 * intentional "no rule" bands (NEWS2 writes its 0-point bands as no rule; the narrowest, SpO2 96-100 % on Scale 1,
 * holds 5 values).
 */
export const NARROW_GAP_VALUES = 1;

/** Condition trees whose disjunctive normal form would exceed this many conjunctions are not analysed. */
const MAX_CUBES = 4096;

/**
 * Static checks of a rulebook's rules against its own fact catalog and outcome policy, without evaluating anything
 * (no scenario, no json-rules-engine): what DMN decision-table analysis does for a decision table (overlapping rules
 * that a `UNIQUE` hit policy forbids, and missing rules: OMG DMN 1.4, decision table hit policies; Calvanese, Montali,
 * Dumas and Maggi, "Semantic DMN: Formalizing and Reasoning About Decisions in the Presence of Background Knowledge",
 * Theory and Practice of Logic Programming 19(4):536-573, 2019; Laurson and Maggi, "A Tool for the Analysis of DMN
 * Decision Tables", BPM 2016 Demo Track), applied to json-rules-engine condition trees.
 *
 * Method. Each rule's condition tree becomes two sets of inputs in disjunctive normal form: where it is certainly
 * true (the rule fires) and where it is certainly false. `all` intersects, `any` unites, `not` swaps the two. A
 * conjunction ("cube") constrains each fact to an interval set (number facts, on the grid of their `precision`:
 * integer facts step 1, a temperature at precision 1 steps 0.1, a number without `precision` is continuous, all within
 * the catalog `range`) or to a value set (booleans, `allowedValues`, other strings), plus whether the fact may be
 * missing (`null`; any input fact may be, even one with a `default`). Leaves follow json-rules-engine 7 exactly: order
 * comparisons are false on a missing fact, `equal null` holds only on a missing fact, `notEqual 5` holds on one. Under
 * `missingFactLogic: "kleene"` a leaf on a missing fact is neither true nor false unless every value of the fact's
 * domain gives the same answer, as `evaluateKleene` decides it. Derived facts are variables of their own: a score's
 * `knownTotal` (bounded by the points its rules can give), `maxPoints` and `complete`, with `total` = `knownTotal`
 * when complete and `null` otherwise; an outcome field's values (its `outputOrder`, the values rules set, its
 * `default` and `whenMissing` value, or `null`).
 *
 * Findings, each a problem with a JSON Pointer into `doc` and a message naming the rules, facts and values:
 * - **overlap** (pointer: the later rule): two rules that fire together on some representable input although the
 *   policy forbids it: both score the same `score`+`parameter` (a parameter scores at most once), or both set a
 *   `UNIQUE` outcome field to different values. The message names the overlapping inputs
 *   (`respiratoryRate in [24, 24]`). At run time such an input fails with `RulebookDefectError`.
 * - **boundary gap** (pointer: the later rule): among the rules scoring one parameter or setting one `UNIQUE` field,
 *   two bands of one fact, compatible on every other fact, that leave between them at most `NARROW_GAP_VALUES`
 *   representable values that no rule of the group covers: almost always a boundary typo.
 * - **unreachable rule** (pointer: the leaf that can never hold, else the conditions): no representable input makes
 *   the rule fire (contradictory bounds, a value outside the range or off the precision grid, `in []`, a derived
 *   fact compared with a value it cannot take).
 * - **outcome field no rule sets** (pointer: the field): a `hitPolicy` field that no rule `set`s (single value) or
 *   `add`s to (`COLLECT`), or only rules that can never fire: its value is always its default.
 *
 * What it proves and what it cannot: facts are treated as independent of one another, apart from the link between a
 * score's `total`, `knownTotal` and `complete`. So an overlap is reported when each fact has values on which both
 * rules fire, even if a derived fact could in fact never take its value together with those inputs (a false alarm is
 * possible only with derived facts); an unreachable rule is always truly unreachable. Under Kleene logic a rule that
 * fires only on missing derived facts (a score total certain from its bounds) may be missed. Rules using what cannot be
 * analysed (a `value: { fact }` comparison, operator decorators, `path`, `contains`, a fact not in the catalog or a
 * value of the wrong type, which `compileRules` reports) are left out: no finding involves them, and no gap is
 * reported in a group that has one.
 *
 * @param doc a rulebook document that passes the JSON Schema and whose fact catalog compiles
 * @returns the findings, in this order: unreachable rules, overlaps, gaps, fields no rule sets (empty when none)
 */
export function analyzeRulebookStatically(doc: RulebookDocument): ProblemPointer[] {
  const context = new AnalysisContext(doc);
  const rules = doc.rules.map((rule, index) => analyseRule(rule, index, context));
  return [
    ...rules.flatMap((rule) => unreachableProblem(rule)),
    ...overlapProblems(doc, rules, context),
    ...gapProblems(doc, rules, context),
    ...fieldsNoRuleSets(doc, rules),
  ];
}

// ------------------------------------------------------------------------------------------------ domains and cubes

/** An interval of a number variable; on a grid (`scale` set) the bounds are grid indexes and always closed. */
interface Interval {
  lo: number;
  hi: number;
  loOpen: boolean;
  hiOpen: boolean;
}

/** A string other than every literal the rulebook compares a fact with (for strings without `allowedValues`). */
const OTHER = Symbol('another value');
type FiniteValue = string | number | boolean | typeof OTHER;

interface VariableBase {
  id: string;
  /** How messages name it: the fact name, or `news2 knownTotal` for a score summary. */
  label: string;
  canBeMissing: boolean;
  /** Under Kleene logic, when a leaf on the missing variable is certain: never, or as `evaluateKleene` decides. */
  kleeneCertain: 'never' | 'values' | 'range';
  /** Why its values are what they are, for messages (`the points the rules of score "news2" can give`). */
  origin?: string;
}

interface NumberVariable extends VariableBase {
  kind: 'number';
  /** Grid: values are k / scale; `null` for a continuous number. */
  scale: number | null;
  decimals: number;
  unit?: string;
  full: Interval[];
  range?: { min: number; max: number };
}

interface FiniteVariable extends VariableBase {
  kind: 'finite';
  values: readonly FiniteValue[];
}

type Variable = NumberVariable | FiniteVariable;

/** The values one variable takes in a cube. */
interface Domain {
  missing: boolean;
  /** Number variables: sorted, disjoint, normalized. */
  intervals?: Interval[];
  /** Finite variables: indexes into `values`. */
  values?: ReadonlySet<number>;
}

/** A conjunction: each variable constrained to a domain (absent: unconstrained). */
type Cube = ReadonlyMap<string, Domain>;
/** A disjunction of cubes. */
type Dnf = Cube[];

/** Thrown while converting a condition tree that cannot be analysed; the rule is then left out. */
class Unanalysable extends Error {}

function normalize(scale: number | null, list: readonly Interval[]): Interval[] {
  const items = list
    .map((i) => (scale === null ? { ...i } : {
      lo: i.loOpen && Number.isFinite(i.lo) ? i.lo + 1 : i.lo,
      hi: i.hiOpen && Number.isFinite(i.hi) ? i.hi - 1 : i.hi,
      loOpen: false, hiOpen: false,
    }))
    .filter((i) => i.lo < i.hi || (i.lo === i.hi && !i.loOpen && !i.hiOpen))
    .sort((a, b) => a.lo - b.lo || Number(a.loOpen) - Number(b.loOpen));
  const merged: Interval[] = [];
  for (const item of items) {
    const last = merged.at(-1);
    const touches = last !== undefined && (scale !== null
      ? item.lo <= last.hi + 1
      : item.lo < last.hi || (item.lo === last.hi && !(item.loOpen && last.hiOpen)));
    if (last && touches) {
      if (item.hi > last.hi || (item.hi === last.hi && !item.hiOpen)) {
        last.hi = item.hi;
        last.hiOpen = item.hiOpen;
      }
    } else {
      merged.push({ ...item });
    }
  }
  return merged;
}

function intersectIntervals(scale: number | null, a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const lo = x.lo > y.lo ? x : y.lo > x.lo ? y : { lo: x.lo, loOpen: x.loOpen || y.loOpen };
      const hi = x.hi < y.hi ? x : y.hi < x.hi ? y : { hi: x.hi, hiOpen: x.hiOpen || y.hiOpen };
      out.push({ lo: lo.lo, loOpen: lo.loOpen, hi: hi.hi, hiOpen: hi.hiOpen });
    }
  }
  return normalize(scale, out);
}

/** The complement over the whole real line (grid bounds stay grid indexes; `normalize` closes them). */
function complementIntervals(scale: number | null, list: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let lo = -Infinity;
  let loOpen = true;
  for (const i of list) {
    out.push({ lo, loOpen, hi: i.lo, hiOpen: !i.loOpen });
    lo = i.hi;
    loOpen = !i.hiOpen;
  }
  out.push({ lo, loOpen, hi: Infinity, hiOpen: true });
  return normalize(scale, out);
}

/** A real interval on the variable's grid: bounds rounded inwards to representable values. */
function onGrid(variable: NumberVariable, raw: Interval): Interval[] {
  const { scale } = variable;
  if (scale === null) return normalize(null, [raw]);
  const bound = (value: number, open: boolean, side: 'lo' | 'hi'): number => {
    if (!Number.isFinite(value)) return value;
    const scaled = value * scale;
    const exact = Math.round(scaled);
    if (Math.abs(scaled - exact) < 1e-6) return open ? exact + (side === 'lo' ? 1 : -1) : exact;
    return side === 'lo' ? Math.ceil(scaled) : Math.floor(scaled);
  };
  return normalize(scale, [{ lo: bound(raw.lo, raw.loOpen, 'lo'), hi: bound(raw.hi, raw.hiOpen, 'hi'), loOpen: false, hiOpen: false }]);
}

function fullDomain(variable: Variable): Domain {
  return variable.kind === 'number'
    ? { missing: variable.canBeMissing, intervals: variable.full }
    : { missing: variable.canBeMissing, values: new Set(variable.values.keys()) };
}

function intersectDomains(variable: Variable, a: Domain, b: Domain): Domain {
  const missing = a.missing && b.missing;
  if (variable.kind === 'number') return { missing, intervals: intersectIntervals(variable.scale, a.intervals ?? [], b.intervals ?? []) };
  return { missing, values: new Set([...(a.values ?? [])].filter((v) => b.values?.has(v))) };
}

function complementDomain(variable: Variable, d: Domain): Domain {
  const missing = variable.canBeMissing && !d.missing;
  if (variable.kind === 'number') {
    return { missing, intervals: intersectIntervals(variable.scale, variable.full, complementIntervals(variable.scale, d.intervals ?? [])) };
  }
  return { missing, values: new Set([...variable.values.keys()].filter((v) => !d.values?.has(v))) };
}

function isEmptyDomain(d: Domain): boolean {
  return !d.missing && (d.intervals ?? []).length === 0 && (d.values?.size ?? 0) === 0;
}

function isFullDomain(variable: Variable, d: Domain): boolean {
  if (d.missing !== variable.canBeMissing) return false;
  if (variable.kind === 'finite') return d.values?.size === variable.values.length;
  return JSON.stringify(normalize(variable.scale, d.intervals ?? [])) === JSON.stringify(normalize(variable.scale, variable.full));
}

/** A one-variable DNF: nothing when the domain is empty, an unconstrained cube when it is full. */
function single(variable: Variable, d: Domain): Dnf {
  if (isEmptyDomain(d)) return [];
  if (isFullDomain(variable, d)) return [new Map()];
  return [new Map([[variable.id, d]])];
}

// ------------------------------------------------------------------------------------------------ the variables

/** How a catalog fact is read: one variable, or a score's `total` (`knownTotal` when complete, else missing). */
type Binding = { kind: 'variable'; variable: Variable } | { kind: 'total'; sum: NumberVariable; complete: FiniteVariable };

class AnalysisContext {
  readonly kleene: boolean;
  readonly variables = new Map<string, Variable>();
  private readonly bindings = new Map<string, Binding | null>();

  constructor(private readonly doc: RulebookDocument) {
    this.kleene = doc.outcome?.missingFactLogic === 'kleene';
  }

  variable(id: string): Variable {
    const found = this.variables.get(id);
    if (!found) throw new Error(`unknown analysis variable ${id}`);
    return found;
  }

  /** The binding of a catalog fact; `null` when it cannot be analysed. */
  binding(fact: string): Binding | null {
    if (!this.bindings.has(fact)) this.bindings.set(fact, this.bind(fact));
    return this.bindings.get(fact) ?? null;
  }

  private register<T extends Variable>(variable: T): T {
    const existing = this.variables.get(variable.id);
    if (existing) return existing as T;
    this.variables.set(variable.id, variable);
    return variable;
  }

  private bind(fact: string): Binding | null {
    const definition: FactDefinition | undefined = Object.hasOwn(this.doc.facts, fact) ? this.doc.facts[fact] : undefined;
    if (!definition) return null;
    const source = definition.derivedFrom;
    if (!source) return { kind: 'variable', variable: this.register(this.inputVariable(fact, definition)) };
    if ('score' in source) {
      if (!this.doc.outcome?.scores?.[source.score]) return null;
      const summary = this.scoreVariables(source.score);
      switch (source.value) {
        case 'total': return { kind: 'total', sum: summary.sum, complete: summary.complete };
        case 'knownTotal': return { kind: 'variable', variable: summary.sum };
        case 'maxPoints': return { kind: 'variable', variable: summary.max };
        case 'complete': return { kind: 'variable', variable: summary.complete };
        default: return null;
      }
    }
    const values = this.fieldValues(source.field);
    if (!values) return null;
    return { kind: 'variable', variable: this.register({ kind: 'finite', id: `fact:${fact}`, label: fact, canBeMissing: true, kleeneCertain: 'never', values,
      origin: `the values outcome field "${source.field}" can take` }) };
  }

  private inputVariable(fact: string, definition: FactDefinition): Variable {
    // Even a fact with a `default` can be missing: the default stands in only for a fact absent from the data supplied,
    // never for a stale, unreadable or refused one.
    const base = { id: `fact:${fact}`, label: fact, canBeMissing: true };
    switch (definition.type) {
      case 'number':
      case 'integer': {
        const decimals = definition.type === 'integer' ? 0 : definition.precision;
        const scale = decimals === undefined ? null : 10 ** decimals;
        const { min, max } = definition.range ?? {};
        const variable: NumberVariable = { ...base, kind: 'number', scale, decimals: decimals ?? 0, unit: definition.unit, full: [],
          kleeneCertain: min !== undefined && max !== undefined ? 'range' : 'never',
          ...(min !== undefined && max !== undefined ? { range: { min, max } } : {}) };
        variable.full = onGrid(variable, { lo: min ?? -Infinity, hi: max ?? Infinity, loOpen: min === undefined, hiOpen: max === undefined });
        return variable;
      }
      case 'boolean':
        return { ...base, kind: 'finite', values: [true, false], kleeneCertain: 'values' };
      case 'string':
        if (definition.allowedValues) return { ...base, kind: 'finite', values: [...definition.allowedValues], kleeneCertain: 'values' };
        return { ...base, kind: 'finite', values: [...this.literals(fact), OTHER], kleeneCertain: 'never' };
      default:
        return { ...base, kind: 'finite', values: [...this.literals(fact), OTHER], kleeneCertain: 'never' };
    }
  }

  /** Every string a rule compares `fact` with (so that "any other string" is one more value). */
  private literals(fact: string): string[] {
    const found = new Set<string>();
    const visit = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      for (const key of ['all', 'any'] as const) if (Array.isArray(n[key])) (n[key] as unknown[]).forEach(visit);
      if ('not' in n) visit(n.not);
      if (n.fact === fact) for (const v of Array.isArray(n.value) ? n.value : [n.value]) if (typeof v === 'string') found.add(v);
    };
    this.doc.rules.forEach((rule) => visit(rule.conditions));
    return [...found];
  }

  /** A score's knownTotal (sum), maxPoints (max) and complete, bounded by the points its rules can give. */
  private scoreVariables(score: string): { sum: NumberVariable; max: NumberVariable; complete: FiniteVariable } {
    const byParameter = new Map<string, number[]>();
    for (const rule of this.doc.rules) {
      if (rule.event?.type !== 'score' || rule.event.params?.score !== score || typeof rule.event.params.points !== 'number') continue;
      const list = byParameter.get(rule.event.params.parameter) ?? [];
      list.push(rule.event.params.points);
      byParameter.set(rule.event.params.parameter, list);
    }
    const all = [...byParameter.values()].flat();
    const decimals = Math.max(0, ...all.map((p) => (String(p).split('.')[1] ?? '').length));
    const scale = 10 ** decimals;
    let low = 0;
    let high = 0;
    for (const points of byParameter.values()) {
      low += Math.min(0, ...points);
      high += Math.max(0, ...points);
    }
    const origin = `the points the rules of score "${score}" can give`;
    const number = (id: string, label: string, min: number, max: number): NumberVariable => {
      const variable: NumberVariable = {
        kind: 'number', id, label, canBeMissing: false, kleeneCertain: 'never', scale, decimals, full: [], range: { min, max }, origin,
      };
      variable.full = onGrid(variable, { lo: min, hi: max, loOpen: false, hiOpen: false });
      return variable;
    };
    return {
      sum: this.register(number(`score:${score}:knownTotal`, `${score} knownTotal`, low, high)),
      max: this.register(number(`score:${score}:maxPoints`, `${score} maxPoints`, Math.min(0, ...all), Math.max(0, ...all))),
      complete: this.register({
        kind: 'finite', id: `score:${score}:complete`, label: `${score} complete`, canBeMissing: false, kleeneCertain: 'never', values: [true, false],
      }),
    };
  }

  /** The values an outcome field (or a floor) can take besides `null`; undefined when one is not a JSON scalar. */
  private fieldValues(path: string): FiniteValue[] | undefined {
    const fields = this.doc.outcome?.fields ?? [];
    const field = fields.find((f) => f.path === path);
    const floorOf = fields.find((f) => f.floorPath === path);
    const candidates: unknown[] = [];
    if (field) {
      candidates.push(...(field.outputOrder ?? []), field.default, field.whenMissing?.value);
      for (const rule of this.doc.rules) {
        const set = rule.event?.type === 'outcome' ? rule.event.params?.set : undefined;
        if (set && Object.hasOwn(set, path)) candidates.push(set[path]);
      }
    } else if (floorOf) {
      candidates.push(...(floorOf.outputOrder ?? []));
    } else {
      return undefined;
    }
    const values: FiniteValue[] = [];
    for (const value of candidates) {
      if (value === null || value === undefined) continue;
      if (!['string', 'number', 'boolean'].includes(typeof value)) return undefined;
      if (!values.includes(value as FiniteValue)) values.push(value as FiniteValue);
    }
    return values;
  }
}

// ------------------------------------------------------------------------------------------------ condition trees

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

function intersectCubes(context: AnalysisContext, a: Cube, b: Cube): Cube | null {
  const out = new Map(a);
  for (const [id, domain] of b) {
    const mine = out.get(id);
    const merged = mine ? intersectDomains(context.variable(id), mine, domain) : domain;
    if (isEmptyDomain(merged)) return null;
    out.set(id, merged);
  }
  return out;
}

function and(context: AnalysisContext, a: Dnf, b: Dnf): Dnf {
  const out: Dnf = [];
  for (const x of a) {
    for (const y of b) {
      const cube = intersectCubes(context, x, y);
      if (cube) out.push(cube);
      if (out.length > MAX_CUBES) throw new Unanalysable('too many cubes');
    }
  }
  return out;
}

function or(a: Dnf, b: Dnf): Dnf {
  if (a.length + b.length > MAX_CUBES) throw new Unanalysable('too many cubes');
  return [...a, ...b];
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
interface AnalysedRule {
  rule: RulebookRule;
  index: number;
  fires?: Dnf;
  never: NeverHolds[];
}

function analyseRule(rule: RulebookRule, index: number, context: AnalysisContext): AnalysedRule {
  const never: NeverHolds[] = [];
  try {
    const truth = truthOf(rule.conditions as ConditionNode, `${jsonPointer('rules', index)}/conditions`, context, never);
    return { rule, index, fires: truth.t, never };
  } catch (error) {
    if (error instanceof Unanalysable) return { rule, index, never: [] };
    throw error;
  }
}

const reachable = (rule: AnalysedRule): rule is AnalysedRule & { fires: Dnf } => rule.fires !== undefined && rule.fires.length > 0;

// ------------------------------------------------------------------------------------------------ messages

function formatNumber(variable: NumberVariable, n: number): string {
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '-∞';
  return variable.scale === null ? String(n) : (n / variable.scale).toFixed(variable.decimals);
}

function formatIntervals(variable: NumberVariable, intervals: readonly Interval[]): string {
  return intervals.map((i) => `${i.loOpen ? '(' : '['}${formatNumber(variable, i.lo)}, ${formatNumber(variable, i.hi)}${i.hiOpen ? ')' : ']'}`).join(' ∪ ');
}

function formatFinite(value: FiniteValue): string {
  return value === OTHER ? 'any other value' : JSON.stringify(value);
}

/** `respiratoryRate in [24, 24]`, `spo2Scale2 = false`, `consciousness in {"C", "V"} or missing`. */
function describeDomain(variable: Variable, d: Domain): string {
  const parts: string[] = [];
  if (variable.kind === 'number' && (d.intervals ?? []).length > 0) parts.push(`${variable.label} in ${formatIntervals(variable, d.intervals ?? [])}`);
  if (variable.kind === 'finite' && (d.values?.size ?? 0) > 0) {
    const values = [...(d.values ?? [])].sort((a, b) => a - b).map((i) => formatFinite(variable.values[i]));
    parts.push(values.length === 1 ? `${variable.label} = ${values[0]}` : `${variable.label} in {${values.join(', ')}}`);
  }
  if (d.missing) parts.push(parts.length === 0 ? `${variable.label} missing` : 'missing');
  return parts.join(' or ');
}

function describeCube(context: AnalysisContext, cube: Cube, except?: string): string {
  const parts = [...cube]
    .filter(([id]) => id !== except)
    .map(([id, d]) => ({ variable: context.variable(id), d }))
    .filter(({ variable, d }) => !isFullDomain(variable, d))
    .sort((a, b) => Number(a.variable.kind === 'finite') - Number(b.variable.kind === 'finite'))
    .map(({ variable, d }) => describeDomain(variable, d));
  return parts.join(' and ');
}

/** What values a variable can take at all: `[0, 150] (/min) in steps of 1`, `"A", "C", "V", "P", "U"`. */
function describeVariable(variable: Variable): string {
  const origin = variable.origin ? ` (${variable.origin})` : '';
  if (variable.kind === 'finite') {
    return `takes only ${variable.values.map(formatFinite).join(', ')}${variable.canBeMissing ? ' or is missing' : ''}${origin}`;
  }
  const unit = variable.unit ? ` (${variable.unit})` : '';
  const step = variable.scale === null ? '' : ` in steps of ${formatNumber(variable, 1)}`;
  return `takes values in ${formatIntervals(variable, variable.full)}${unit}${step}${origin}`;
}

// ------------------------------------------------------------------------------------------------ findings

function unreachableProblem(rule: AnalysedRule): ProblemPointer[] {
  if (rule.fires === undefined || rule.fires.length > 0) return [];
  const base = `rule "${rule.rule.name}" can never fire: no input satisfies its conditions`;
  if (rule.never.length === 0) {
    return [{ pointer: `${jsonPointer('rules', rule.index)}/conditions`, message: `${base} (they contradict each other); correct the bounds or remove the rule` }];
  }
  const reasons = rule.never.map(({ leaf, variable }) =>
    `"${leaf.fact} ${leaf.operator} ${JSON.stringify(leaf.value)}" never holds: ${leaf.fact} ${variable ? describeVariable(variable) : 'cannot take that value'}`);
  const pointer = rule.never.length === 1 ? rule.never[0].pointer : `${jsonPointer('rules', rule.index)}/conditions`;
  return [{ pointer, message: `${base}: ${reasons.join('; ')}` }];
}

/** The rules that must be exclusive: those scoring one score parameter, and those setting one `UNIQUE` field. */
interface ExclusiveGroup {
  /** `score news2.respiratoryRate` or `outcome field "dangerZoneVitals" (hit policy UNIQUE)`. */
  what: string;
  kind: 'score' | 'unique';
  members: { rule: AnalysedRule; value?: unknown }[];
}

function exclusiveGroups(doc: RulebookDocument, rules: readonly AnalysedRule[]): ExclusiveGroup[] {
  const groups = new Map<string, ExclusiveGroup>();
  const add = (key: string, what: string, kind: ExclusiveGroup['kind'], rule: AnalysedRule, value?: unknown) => {
    const group = groups.get(key) ?? { what, kind, members: [] };
    group.members.push({ rule, value });
    groups.set(key, group);
  };
  const unique = new Set((doc.outcome?.fields ?? []).filter((f) => f.hitPolicy === 'UNIQUE').map((f) => f.path));
  for (const rule of rules) {
    const event = rule.rule.event;
    if (event?.type === 'score' && event.params) {
      const name = `${event.params.score}.${event.params.parameter}`;
      add(`score\u0000${name}`, name, 'score', rule);
    } else if (event?.type === 'outcome') {
      for (const [path, value] of Object.entries(event.params?.set ?? {})) if (unique.has(path)) add(`unique\u0000${path}`, path, 'unique', rule, value);
    }
  }
  return [...groups.values()];
}

function overlapProblems(doc: RulebookDocument, rules: readonly AnalysedRule[], context: AnalysisContext): ProblemPointer[] {
  const problems: ProblemPointer[] = [];
  for (const group of exclusiveGroups(doc, rules)) {
    const members = group.members.filter((m) => reachable(m.rule));
    for (let i = 0; i < members.length; i += 1) {
      for (let j = i + 1; j < members.length; j += 1) {
        const [a, b] = [members[i], members[j]];
        if (group.kind === 'unique' && canonicalJson(a.value) === canonicalJson(b.value)) continue;
        const overlap = firstIntersection(context, a.rule.fires ?? [], b.rule.fires ?? []);
        if (!overlap) continue;
        const inputs = describeCube(context, overlap);
        const where = inputs === '' ? 'on every input' : `for ${inputs}`;
        const names = `rules "${a.rule.rule.name}" and "${b.rule.rule.name}"`;
        const message = group.kind === 'score'
          ? `${names} both score ${group.what} ${where}: a parameter scores at most once, so a decision on such input fails ` +
            '(RULEBOOK_DEFECT); make the bands exclusive'
          : `${names} set outcome field "${group.what}" (hit policy UNIQUE) to different values, ${canonicalJson(a.value)} and ` +
            `${canonicalJson(b.value)}, ${where}: a decision on such input fails (RULEBOOK_DEFECT); make their conditions exclusive`;
        problems.push({ pointer: jsonPointer('rules', Math.max(a.rule.index, b.rule.index)), message });
      }
    }
  }
  return problems;
}

/**
 * Where two rules both fire: their intersecting cubes, merged into one when they all constrain the same single
 * variable (`respiratoryRate in [0, 4] ∪ [41, 50]`), else the first of them.
 */
function firstIntersection(context: AnalysisContext, a: Dnf, b: Dnf): Cube | undefined {
  const found: Cube[] = [];
  for (const x of a) {
    for (const y of b) {
      const cube = intersectCubes(context, x, y);
      if (cube) found.push(cube);
    }
  }
  if (found.length <= 1) return found[0];
  const ids = new Set(found.flatMap((cube) => [...cube.keys()]));
  if (ids.size !== 1 || found.some((cube) => cube.size !== 1)) return found[0];
  const [id] = ids;
  const variable = context.variable(id);
  const merged = found.map((cube) => cube.get(id) as Domain).reduce((x, y) => complementDomain(variable,
    intersectDomains(variable, complementDomain(variable, x), complementDomain(variable, y))));
  return new Map([[id, merged]]);
}

/** `cube` minus `remove`: disjoint cubes (at most one per variable `remove` constrains). */
function subtractCube(context: AnalysisContext, cube: Cube, remove: Cube): Dnf {
  const pieces: Dnf = [];
  let current = new Map(cube);
  for (const [id, domain] of remove) {
    const variable = context.variable(id);
    const mine = current.get(id) ?? fullDomain(variable);
    const outside = intersectDomains(variable, mine, complementDomain(variable, domain));
    if (!isEmptyDomain(outside)) pieces.push(new Map(current).set(id, outside));
    const inside = intersectDomains(variable, mine, domain);
    if (isEmptyDomain(inside)) return pieces;
    current = new Map(current).set(id, inside);
  }
  return pieces;
}

/** The number of representable values in a gap (`Infinity` for a continuous gap wider than a point). */
function valuesIn(variable: NumberVariable, gap: readonly Interval[]): number {
  if (variable.scale === null) return gap.length === 1 && gap[0].lo === gap[0].hi ? 1 : Infinity;
  return gap.reduce((sum, i) => sum + (i.hi - i.lo + 1), 0);
}

/** One band of a group: a cube of a rule that scores the parameter or sets the field. */
interface Band {
  rule: AnalysedRule;
  cube: Cube;
}

/** A narrow uncovered range between two bands of one group. */
interface Gap {
  variable: NumberVariable;
  values: Interval[];
  /** The other facts' values where it is uncovered (`spo2Scale2 = false`), '' when unconstrained. */
  when: string;
}

function gapProblems(doc: RulebookDocument, rules: readonly AnalysedRule[], context: AnalysisContext): ProblemPointer[] {
  const problems: ProblemPointer[] = [];
  const seen = new Set<string>();
  for (const group of exclusiveGroups(doc, rules)) {
    if (group.members.some((m) => m.rule.fires === undefined)) continue; // a rule we cannot analyse may cover the gap
    const bands: Band[] = group.members.flatMap((m) => (m.rule.fires ?? []).map((cube) => ({ rule: m.rule, cube })));
    for (const lower of bands) {
      for (const upper of bands) {
        if (lower === upper) continue;
        for (const gap of narrowGaps(context, lower, upper, bands)) {
          const [first, second] = lower.rule.index <= upper.rule.index ? [lower.rule, upper.rule] : [upper.rule, lower.rule];
          const key = [group.what, first.index, second.index, gap.variable.id, JSON.stringify(gap.values)].join('\u0000');
          if (seen.has(key)) continue;
          seen.add(key);
          const covered = group.kind === 'score' ? `no rule scores ${group.what}` : `no rule sets outcome field "${group.what}"`;
          const size = NARROW_GAP_VALUES === 1 ? 'one value' : 'a few values';
          problems.push({
            pointer: jsonPointer('rules', second.index),
            message: `rules "${lower.rule.rule.name}" and "${upper.rule.rule.name}" leave ${describeDomain(gap.variable, { missing: false, intervals: gap.values })} ` +
              `uncovered between their bands${gap.when ? ` (when ${gap.when})` : ''}, where ${covered}: a gap of ${size} at a band boundary is almost ` +
              'always a typo (a strict bound where an inclusive one was meant, or a threshold one step off); make the bands meet',
          });
        }
      }
    }
  }
  return problems;
}

/**
 * The ranges of at most `NARROW_GAP_VALUES` values of a number fact that lie between a range of `lower` and a range of
 * `upper`, where the two bands' other conditions can hold together and no band of the group covers them.
 */
function narrowGaps(context: AnalysisContext, lower: Band, upper: Band, bands: readonly Band[]): Gap[] {
  const gaps: Gap[] = [];
  for (const [id, below] of lower.cube) {
    const above = upper.cube.get(id);
    const variable = context.variable(id);
    if (!above || variable.kind !== 'number') continue;
    const others = intersectCubes(context, without(lower.cube, id), without(upper.cube, id));
    if (!others) continue;
    for (const a of below.intervals ?? []) {
      for (const b of above.intervals ?? []) {
        if (a.hi > b.lo) continue;
        const between = intersectIntervals(variable.scale, variable.full, [{ lo: a.hi, loOpen: !a.hiOpen, hi: b.lo, hiOpen: !b.loOpen }]);
        const count = valuesIn(variable, between);
        if (count < 1 || count > NARROW_GAP_VALUES) continue;
        let uncovered: Dnf = [new Map(others).set(id, { missing: false, intervals: between })];
        for (const { cube } of bands) {
          uncovered = uncovered.flatMap((piece) => subtractCube(context, piece, cube));
          if (uncovered.length > MAX_CUBES) break;
        }
        if (uncovered.length === 0 || uncovered.length > MAX_CUBES) continue;
        const values = normalize(variable.scale, uncovered.flatMap((piece) => piece.get(id)?.intervals ?? []));
        gaps.push({ variable, values, when: describeCube(context, uncovered[0], id) });
      }
    }
  }
  return gaps;
}

function without(cube: Cube, id: string): Cube {
  const copy = new Map(cube);
  copy.delete(id);
  return copy;
}

function fieldsNoRuleSets(doc: RulebookDocument, rules: readonly AnalysedRule[]): ProblemPointer[] {
  const problems: ProblemPointer[] = [];
  (doc.outcome?.fields ?? []).forEach((field, index) => {
    if (!field.hitPolicy || field.from) return;
    const collect = field.hitPolicy === 'COLLECT';
    const setters = rules.filter(({ rule }) => {
      const targets = rule.event?.type === 'outcome' ? (collect ? rule.event.params?.add : rule.event.params?.set) : undefined;
      return targets !== undefined && Object.hasOwn(targets, field.path);
    });
    const always = collect ? 'always empty' : `always ${canonicalJson(field.default ?? null)}${field.whenMissing ? ' (or its whenMissing value)' : ''}`;
    const [sets, set] = collect ? ['adds to', 'add to'] : ['sets', 'set'];
    const what = `outcome field "${field.path}" (hit policy ${field.hitPolicy})`;
    const pointer = jsonPointer('outcome', 'fields', index);
    if (setters.length === 0) {
      problems.push({ pointer, message: `${what}: no rule ${sets} it, so it is ${always}; add the rules that ${set} it or remove the field` });
    } else if (setters.every((s) => s.fires !== undefined && s.fires.length === 0)) {
      const names = setters.map((s) => `"${s.rule.name}"`).join(', ');
      problems.push({ pointer, message: `${what}: only rules that can never fire ${set} it (${names}), so it is ${always}` });
    }
  });
  return problems;
}
