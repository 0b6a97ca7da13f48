import type { DecisionRecord } from '../audit/decision-record.js';
import type { RulebookRule } from '../rulebooks/rulebook.types.js';

type Node = Record<string, unknown>;

/** Readable names of the UCUM unit codes (UCUM, https://ucum.org/ucum) the bundled rulebooks use; others print as their code. */
const UNIT_NAMES: Record<string, string> = {
  a: 'years', mo: 'months', wk: 'weeks', d: 'days', h: 'hours', min: 'minutes', s: 'seconds',
  Cel: '°C', '[degF]': '°F', 'mm[Hg]': 'mmHg', '/min': '/min', '%': '%', 'L/min': 'L/min', '{score}': 'points',
  kg: 'kg', g: 'g', cm: 'cm', m: 'm', 'kg/m2': 'kg/m²',
};

/** A UCUM unit for a person: its readable name, with the UCUM code in brackets when they differ (`°C [Cel]`). */
export function readableUnit(ucum: string): string {
  const name = UNIT_NAMES[ucum];
  return name === undefined || name === ucum ? ucum : `${name} [${ucum}]`;
}

/** A number for a person: at most 2 decimals, without trailing zeros (`10.876436781609195` → `10.88`). */
function round(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

const OPERATORS: Record<string, string> = {
  equal: '=', notEqual: '≠', lessThan: '<', lessThanInclusive: '≤', greaterThan: '>', greaterThanInclusive: '≥',
  in: 'in', notIn: 'not in', contains: 'contains', doesNotContain: 'does not contain',
};

function show(value: unknown): string {
  if (value === null || value === undefined) return 'missing';
  if (typeof value === 'number') return round(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A rule's event in words: `news2 +3 for respiratoryRate`, `sets acuity = 1, adds reasons LIFE_SAVING_INTERVENTION`. */
function describeEvent(event: unknown): string {
  const e = (event ?? {}) as { type?: string; params?: Record<string, unknown> };
  const params = e.params ?? {};
  if (e.type === 'score') return `${String(params.score)} +${String(params.points)} for ${String(params.parameter)}`;
  if (e.type === 'suppress') {
    const reason = params.reason as { code?: string; text?: string } | undefined;
    return `${String(params.field)} not applied${reason?.code ? ` (${reason.code})` : ''}`;
  }
  if (e.type === 'outcome') {
    const parts: string[] = [];
    for (const [field, value] of Object.entries((params.set ?? {}) as Record<string, unknown>)) parts.push(`sets ${field} = ${show(value)}`);
    for (const [field, value] of Object.entries((params.add ?? {}) as Record<string, unknown>)) {
      const items = (Array.isArray(value) ? value : [value]).map((item) => (item as { code?: string })?.code ?? show(item));
      parts.push(`adds ${field} ${items.join(', ')}`);
    }
    return parts.join(', ') || 'outcome';
  }
  return JSON.stringify(event);
}

/** An outcome value in words: reasons as `CODE: text` lines, objects and lists as JSON, numbers rounded. */
function describeOutcome(field: string, value: unknown): string[] {
  if (Array.isArray(value) && value.every((item) => item !== null && typeof item === 'object' && 'code' in item)) {
    if (value.length === 0) return [`  ${field}: none`];
    return [`  ${field}:`, ...value.map((item) => `    - ${String((item as { code: string }).code)}: ${String((item as { text?: string }).text ?? '')}`)];
  }
  return [`  ${field}: ${typeof value === 'number' ? round(value) : JSON.stringify(value)}`];
}

function describeCondition(node: Node, depth: number): string[] {
  const pad = '    ' + '  '.repeat(depth);
  for (const op of ['all', 'any'] as const) {
    if (Array.isArray(node[op])) {
      return [`${pad}${op === 'all' ? 'all of' : 'any of'}:`, ...(node[op] as Node[]).flatMap((child) => describeCondition(child, depth + 1))];
    }
  }
  if (node.not) return [`${pad}not:`, ...describeCondition(node.not as Node, depth + 1)];
  const mark = node.result === true ? '✓' : node.result === false ? '✗' : '·';
  const op = OPERATORS[node.operator as string] ?? String(node.operator);
  return [`${pad}${mark} ${String(node.fact)} ${op} ${show(node.value)}   (was ${show(node.factValue)})`];
}

/**
 * Renders a decision for a person: the outcome, the rules that fired with the values they fired on, the rules that
 * could fire if a missing fact were known (Kleene logic), where each fact
 * came from (FHIR resource, LOINC code, effective time), which facts were missing and why (a stale reading with its
 * time), the patient the facts are about and the FHIR resources left out.
 * Numbers are rounded to 2 decimals, units shown by name next to their UCUM code (`36.8 °C [Cel]`), events in words,
 * and an outcome field a `suppress` rule set to `null` says why (`news2: null (not applied: NEWS2 is not validated
 * under 16 years; …)`).
 * @param record a decision as the API returns it
 * @param options `verbose` also lists every rule that did not fire; `rules`, the rulebook's rules, adds each fired
 *   rule's `description` under it
 * @returns printable text (UTF-8, LF line ends)
 */
export function renderExplanation(record: DecisionRecord, options: { verbose?: boolean; rules?: Pick<RulebookRule, 'name' | 'description'>[] } = {}): string {
  const lines: string[] = [];
  const descriptions = new Map((options.rules ?? []).map((rule) => [rule.name, rule.description]));
  lines.push(`Rulebook ${record.rulebook.key}@${record.rulebook.version} (${record.rulebook.contentHash})`);
  lines.push(`As of ${record.asOf}${record.explanation.patient ? `, patient ${record.explanation.patient}` : ''}`);
  const fired = record.explanation.rules.filter((r) => r.fired);
  // Why a field is null on purpose: the reason of the fired `suppress` rule for it (NEWS2 under 16 years).
  const suppressed = new Map<string, string>();
  for (const rule of fired) {
    const event = rule.event as { type?: string; params?: { field?: string; reason?: { code?: string; text?: string } } };
    if (event?.type === 'suppress' && event.params?.field) {
      const reason = event.params.reason;
      suppressed.set(event.params.field, reason ? `${reason.text ?? ''}${reason.code ? ` (${reason.code})` : ''}` : `rule ${rule.name}`);
    }
  }
  lines.push('', 'Outcome:');
  for (const [field, value] of Object.entries(record.outcome)) {
    const why = value === null ? suppressed.get(field) : undefined;
    lines.push(...(why ? [`  ${field}: null (not applied: ${why})`] : describeOutcome(field, value)));
  }
  lines.push('', `Rules that fired (${fired.length} of ${record.explanation.rules.length}):`);
  for (const rule of fired) {
    lines.push(`  ● ${rule.name} (stage ${rule.stage}) → ${describeEvent(rule.event)}`);
    const description = descriptions.get(rule.name);
    if (description) lines.push(`    ${description}`);
    lines.push(...describeCondition(rule.conditions, 0));
  }
  // Kleene-logic rulebooks: a rule whose conditions are unknown (null) because of a missing fact could have fired.
  const couldFire = record.explanation.rules.filter((r) => !r.fired && (r.conditions as Node).result === null);
  if (couldFire.length > 0) {
    lines.push('', `Rules that could fire if the missing facts were known (${couldFire.length}; · = unknown):`);
    for (const rule of couldFire) {
      lines.push(`  ? ${rule.name} (stage ${rule.stage}) → ${describeEvent(rule.event)}`);
      lines.push(...describeCondition(rule.conditions, 0));
    }
  }
  if (options.verbose) {
    lines.push('', 'Rules that did not fire:');
    for (const rule of record.explanation.rules.filter((r) => !r.fired && !couldFire.includes(r))) {
      lines.push(`  ○ ${rule.name} (stage ${rule.stage})`);
      lines.push(...describeCondition(rule.conditions, 0));
    }
  }
  lines.push('', 'Facts:');
  for (const [name, fact] of Object.entries(record.explanation.facts)) {
    const unit = fact.unit && fact.value !== null && fact.value !== undefined ? ` ${readableUnit(fact.unit)}` : '';
    const from = fact.source === 'fhir'
      ? `from ${fact.reference ?? 'FHIR'}${fact.code ? ` (${fact.code})` : ''}${fact.effective ? ` at ${fact.effective}` : ''}` +
        (fact.rawValue !== undefined && fact.rawValue !== fact.value ? `, raw ${JSON.stringify(fact.rawValue)}${fact.rawUnit ? ` ${readableUnit(fact.rawUnit)}` : ''}` : '')
      : `(${fact.source})`;
    lines.push(`  ${name} = ${show(fact.value)}${unit}  ${from}`);
  }
  lines.push('', `Missing facts: ${record.explanation.missingFacts.length > 0 ? record.explanation.missingFacts.join(', ') : 'none'}`);
  for (const [name, why] of Object.entries(record.explanation.missingFactDetails)) {
    lines.push(`  ${name}: ${why.reason}${why.effective ? ` (reading of ${why.effective})` : ''}: ${why.detail}`);
  }
  if (record.explanation.ignoredResources.length > 0) {
    lines.push('', 'Resources not used:');
    for (const r of record.explanation.ignoredResources) lines.push(`  ${r.reference} (${r.resourceType}): ${r.reason}: ${r.detail}`);
  }
  return lines.join('\n') + '\n';
}
