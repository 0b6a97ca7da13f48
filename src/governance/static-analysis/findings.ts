import { canonicalJson } from '../../common/canonical-json.js';
import { jsonPointer, type ProblemPointer } from '../../common/domain-error.js';
import type { RulebookDocument } from '../../rulebooks/rulebook.types.js';
import { type AnalysisContext, intersectCubes } from './analysis-context.js';
import { type AnalysedRule, reachable } from './condition-truth.js';
import { describeCube, describeDomain, describeVariable } from './finding-messages.js';
import {
  complementDomain, type Cube, type Dnf, type Domain, fullDomain, type Interval, intersectDomains, intersectIntervals, isEmptyDomain, MAX_CUBES,
  normalize, type NumberVariable,
} from './interval-domains.js';

/**
 * The widest boundary gap reported, in representable values of the fact: a gap of exactly one value between two
 * bands (`< 11` and `> 11` on an integer; `<= 35.0` and `> 35.1` at precision 1; `< 0.25` and `> 0.25` on a number
 * kept at full precision, where "one value" is the single point 0.25). Wider uncovered ranges are taken as
 * intentional "no rule" bands (NEWS2 writes its 0-point bands as no rule; the narrowest, SpO2 96-100 % on Scale 1,
 * holds 5 values).
 */
export const NARROW_GAP_VALUES = 1;

/*
 * The findings of the static analysis (see `rulebook-static-analysis.ts`): unreachable rules, overlaps and boundary
 * gaps among exclusive rules, outcome fields no rule sets; each a problem with a JSON Pointer into the document.
 */

/** The finding for a rule that can never fire, pointed at the leaf that never holds (else its conditions); none for other rules. */
export function unreachableProblem(rule: AnalysedRule): ProblemPointer[] {
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

/** Overlaps: two rules of one exclusive group (a score parameter, a `UNIQUE` field set to different values) that fire together on some input. */
export function overlapProblems(doc: RulebookDocument, rules: readonly AnalysedRule[], context: AnalysisContext): ProblemPointer[] {
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

/** Boundary gaps: at most `NARROW_GAP_VALUES` values between two bands of one exclusive group that no rule of the group covers. */
export function gapProblems(doc: RulebookDocument, rules: readonly AnalysedRule[], context: AnalysisContext): ProblemPointer[] {
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

/** Outcome fields with a hit policy that no rule sets (or adds to), or only rules that can never fire: their value never changes. */
export function fieldsNoRuleSets(doc: RulebookDocument, rules: readonly AnalysedRule[]): ProblemPointer[] {
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
