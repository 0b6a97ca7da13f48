import type { FactDefinition, RulebookDocument } from '../../rulebooks/rulebook.types.js';
import {
  type Cube, type Dnf, type FiniteValue, type FiniteVariable, intersectDomains, isEmptyDomain, MAX_CUBES, type NumberVariable, onGrid,
  OTHER, Unanalysable, type Variable,
} from './interval-domains.js';

/* The variables of one rulebook's analysis, and the conjunction and disjunction of cubes over them. */

/** How a catalog fact is read: one variable, or a score's `total` (`knownTotal` when complete, else missing). */
export type Binding = { kind: 'variable'; variable: Variable } | { kind: 'total'; sum: NumberVariable; complete: FiniteVariable };

/**
 * The variables of one rulebook's analysis, created on first use: one per input fact (its catalog domain), a score's
 * `knownTotal`, `maxPoints` and `complete`, an outcome field's values; and whether the rulebook evaluates in Kleene
 * three-valued logic.
 */
export class AnalysisContext {
  readonly kleene: boolean;
  readonly variables = new Map<string, Variable>();
  private readonly bindings = new Map<string, Binding | null>();

  constructor(private readonly doc: RulebookDocument) {
    this.kleene = doc.outcome?.missingFactLogic === 'kleene';
  }

  /**
   * The variable registered under `id`.
   * @throws Error for an id never registered (a bug of the analysis)
   */
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

// ------------------------------------------------------------------------------------------------ cubes and DNF

/** The conjunction of two cubes; `null` when some variable is left with no value. */
export function intersectCubes(context: AnalysisContext, a: Cube, b: Cube): Cube | null {
  const out = new Map(a);
  for (const [id, domain] of b) {
    const mine = out.get(id);
    const merged = mine ? intersectDomains(context.variable(id), mine, domain) : domain;
    if (isEmptyDomain(merged)) return null;
    out.set(id, merged);
  }
  return out;
}

/**
 * The conjunction of two DNFs (pairwise cube intersections).
 * @throws Unanalysable beyond `MAX_CUBES` cubes
 */
export function and(context: AnalysisContext, a: Dnf, b: Dnf): Dnf {
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

/**
 * The disjunction of two DNFs.
 * @throws Unanalysable beyond `MAX_CUBES` cubes
 */
export function or(a: Dnf, b: Dnf): Dnf {
  if (a.length + b.length > MAX_CUBES) throw new Unanalysable('too many cubes');
  return [...a, ...b];
}
