import type { AnalysisContext } from './analysis-context.js';
import { type Cube, type Domain, type FiniteValue, type Interval, isFullDomain, type NumberVariable, OTHER, type Variable } from './interval-domains.js';

/* The inputs, domains and variables of a finding, in words (`respiratoryRate in [24, 24] and spo2Scale2 = false`). */

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
export function describeDomain(variable: Variable, d: Domain): string {
  const parts: string[] = [];
  if (variable.kind === 'number' && (d.intervals ?? []).length > 0) parts.push(`${variable.label} in ${formatIntervals(variable, d.intervals ?? [])}`);
  if (variable.kind === 'finite' && (d.values?.size ?? 0) > 0) {
    const values = [...(d.values ?? [])].sort((a, b) => a - b).map((i) => formatFinite(variable.values[i]));
    parts.push(values.length === 1 ? `${variable.label} = ${values[0]}` : `${variable.label} in {${values.join(', ')}}`);
  }
  if (d.missing) parts.push(parts.length === 0 ? `${variable.label} missing` : 'missing');
  return parts.join(' or ');
}

/** The constrained variables of a cube in words (number facts first), `except` one: `respiratoryRate in [24, 24] and spo2Scale2 = false`. */
export function describeCube(context: AnalysisContext, cube: Cube, except?: string): string {
  const parts = [...cube]
    .filter(([id]) => id !== except)
    .map(([id, d]) => ({ variable: context.variable(id), d }))
    .filter(({ variable, d }) => !isFullDomain(variable, d))
    .sort((a, b) => Number(a.variable.kind === 'finite') - Number(b.variable.kind === 'finite'))
    .map(({ variable, d }) => describeDomain(variable, d));
  return parts.join(' and ');
}

/** What values a variable can take at all: `[0, 150] (/min) in steps of 1`, `"A", "C", "V", "P", "U"`. */
export function describeVariable(variable: Variable): string {
  const origin = variable.origin ? ` (${variable.origin})` : '';
  if (variable.kind === 'finite') {
    return `takes only ${variable.values.map(formatFinite).join(', ')}${variable.canBeMissing ? ' or is missing' : ''}${origin}`;
  }
  const unit = variable.unit ? ` (${variable.unit})` : '';
  const step = variable.scale === null ? '' : ` in steps of ${formatNumber(variable, 1)}`;
  return `takes values in ${formatIntervals(variable, variable.full)}${unit}${step}${origin}`;
}
