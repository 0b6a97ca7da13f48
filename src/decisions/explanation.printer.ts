import type { DecisionRecord } from '../audit/decision-record.js';

type Node = Record<string, unknown>;

const OPERATORS: Record<string, string> = {
  equal: '=', notEqual: '≠', lessThan: '<', lessThanInclusive: '≤', greaterThan: '>', greaterThanInclusive: '≥',
  in: 'in', notIn: 'not in', contains: 'contains', doesNotContain: 'does not contain',
};

function show(value: unknown): string {
  return value === null || value === undefined ? 'missing' : typeof value === 'string' ? value : JSON.stringify(value);
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
 * @param record a decision as the API returns it
 * @param options `verbose` also lists every rule that did not fire
 * @returns printable text (UTF-8, LF line ends)
 */
export function renderExplanation(record: DecisionRecord, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`Rulebook ${record.rulebook.key}@${record.rulebook.version} (${record.rulebook.contentHash})`);
  lines.push(`As of ${record.asOf}${record.explanation.patient ? `, patient ${record.explanation.patient}` : ''}`);
  lines.push('', 'Outcome:');
  for (const [field, value] of Object.entries(record.outcome)) lines.push(`  ${field}: ${JSON.stringify(value)}`);
  const fired = record.explanation.rules.filter((r) => r.fired);
  lines.push('', `Rules that fired (${fired.length} of ${record.explanation.rules.length}):`);
  for (const rule of fired) {
    lines.push(`  ● ${rule.name} (stage ${rule.stage}) → ${JSON.stringify(rule.event)}`);
    lines.push(...describeCondition(rule.conditions, 0));
  }
  // Kleene-logic rulebooks: a rule whose conditions are unknown (null) because of a missing fact could have fired.
  const couldFire = record.explanation.rules.filter((r) => !r.fired && (r.conditions as Node).result === null);
  if (couldFire.length > 0) {
    lines.push('', `Rules that could fire if the missing facts were known (${couldFire.length}; · = unknown):`);
    for (const rule of couldFire) {
      lines.push(`  ? ${rule.name} (stage ${rule.stage}) → ${JSON.stringify(rule.event)}`);
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
    const unit = fact.unit ? ` ${fact.unit}` : '';
    const from = fact.source === 'fhir'
      ? `from ${fact.reference ?? 'FHIR'}${fact.code ? ` (${fact.code})` : ''}${fact.effective ? ` at ${fact.effective}` : ''}` +
        (fact.rawValue !== undefined && fact.rawValue !== fact.value ? `, raw ${JSON.stringify(fact.rawValue)}${fact.rawUnit ? ` ${fact.rawUnit}` : ''}` : '')
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
