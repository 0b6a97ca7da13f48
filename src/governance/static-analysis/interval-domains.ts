/**
 * The value domains of the static analysis (see `rulebook-static-analysis.ts`): interval sets of number facts on the
 * grid of their `precision`, value sets of finite facts, whether a fact may be missing, and conjunctions ("cubes")
 * and disjunctions (DNF) of them. Pure functions, no rulebook knowledge.
 */

/** Condition trees whose disjunctive normal form would exceed this many conjunctions are not analysed. */
export const MAX_CUBES = 4096;

/** An interval of a number variable; on a grid (`scale` set) the bounds are grid indexes and always closed. */
export interface Interval {
  lo: number;
  hi: number;
  loOpen: boolean;
  hiOpen: boolean;
}

/** A string other than every literal the rulebook compares a fact with (for strings without `allowedValues`). */
export const OTHER = Symbol('another value');
/** A value of a finite variable: a JSON scalar, or `OTHER`. */
export type FiniteValue = string | number | boolean | typeof OTHER;

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

/** A number fact (or a score summary): its grid, unit and the intervals it can take at all. */
export interface NumberVariable extends VariableBase {
  kind: 'number';
  /** Grid: values are k / scale; `null` for a continuous number. */
  scale: number | null;
  decimals: number;
  unit?: string;
  full: Interval[];
  range?: { min: number; max: number };
}

/** A boolean, string or outcome-field fact: the values it can take (indexes into `values` name them in a domain). */
export interface FiniteVariable extends VariableBase {
  kind: 'finite';
  values: readonly FiniteValue[];
}

/** One variable of the analysis: a catalog fact, a score summary or an outcome field's values. */
export type Variable = NumberVariable | FiniteVariable;

/** The values one variable takes in a cube. */
export interface Domain {
  missing: boolean;
  /** Number variables: sorted, disjoint, normalized. */
  intervals?: Interval[];
  /** Finite variables: indexes into `values`. */
  values?: ReadonlySet<number>;
}

/** A conjunction: each variable constrained to a domain (absent: unconstrained). */
export type Cube = ReadonlyMap<string, Domain>;
/** A disjunction of cubes. */
export type Dnf = Cube[];

/** Thrown while converting a condition tree that cannot be analysed; the rule is then left out. */
export class Unanalysable extends Error {}

/**
 * Sorts, merges and (on a grid) closes a list of intervals; empty ones are dropped.
 * @param scale the grid (values are k / scale), `null` for a continuous number
 */
export function normalize(scale: number | null, list: readonly Interval[]): Interval[] {
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

/**
 * The intersection of two interval sets, normalized.
 * @param scale the grid (values are k / scale), `null` for a continuous number
 */
export function intersectIntervals(scale: number | null, a: readonly Interval[], b: readonly Interval[]): Interval[] {
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
export function complementIntervals(scale: number | null, list: readonly Interval[]): Interval[] {
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
export function onGrid(variable: NumberVariable, raw: Interval): Interval[] {
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

/** Every value the variable can take (and missing, when it can be). */
export function fullDomain(variable: Variable): Domain {
  return variable.kind === 'number'
    ? { missing: variable.canBeMissing, intervals: variable.full }
    : { missing: variable.canBeMissing, values: new Set(variable.values.keys()) };
}

/** The values both domains hold (missing only when both include it). */
export function intersectDomains(variable: Variable, a: Domain, b: Domain): Domain {
  const missing = a.missing && b.missing;
  if (variable.kind === 'number') return { missing, intervals: intersectIntervals(variable.scale, a.intervals ?? [], b.intervals ?? []) };
  return { missing, values: new Set([...(a.values ?? [])].filter((v) => b.values?.has(v))) };
}

/** The values of the variable outside `d` (missing when the variable can be missing and `d` excludes it). */
export function complementDomain(variable: Variable, d: Domain): Domain {
  const missing = variable.canBeMissing && !d.missing;
  if (variable.kind === 'number') {
    return { missing, intervals: intersectIntervals(variable.scale, variable.full, complementIntervals(variable.scale, d.intervals ?? [])) };
  }
  return { missing, values: new Set([...variable.values.keys()].filter((v) => !d.values?.has(v))) };
}

/** True when the domain holds no value and not missing. */
export function isEmptyDomain(d: Domain): boolean {
  return !d.missing && (d.intervals ?? []).length === 0 && (d.values?.size ?? 0) === 0;
}

/** True when the domain holds every value the variable can take (and missing exactly when it can be). */
export function isFullDomain(variable: Variable, d: Domain): boolean {
  if (d.missing !== variable.canBeMissing) return false;
  if (variable.kind === 'finite') return d.values?.size === variable.values.length;
  return JSON.stringify(normalize(variable.scale, d.intervals ?? [])) === JSON.stringify(normalize(variable.scale, variable.full));
}

/** A one-variable DNF: nothing when the domain is empty, an unconstrained cube when it is full. */
export function single(variable: Variable, d: Domain): Dnf {
  if (isEmptyDomain(d)) return [];
  if (isFullDomain(variable, d)) return [new Map()];
  return [new Map([[variable.id, d]])];
}
