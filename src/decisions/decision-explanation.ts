import type { DecisionRecord, ExplainedFact } from '../audit/decision-record.js';
import type { FactIntake } from '../facts/index.js';
import type { FactValue, RulebookDocument } from '../rulebooks/rulebook.types.js';
import type { Evaluation } from './evaluation/index.js';

/**
 * The rule input: every non-derived catalog fact by name, its taken-in value or `null` when missing (json-rules-engine
 * numeric operators are false on null, so a missing fact never passes a threshold).
 */
export function ruleInput(document: RulebookDocument, intake: FactIntake): Record<string, FactValue> {
  const input: Record<string, FactValue> = {};
  for (const [name, definition] of Object.entries(document.facts)) {
    if (!definition.derivedFrom) input[name] = intake.facts[name]?.value ?? null;
  }
  return input;
}

/**
 * The `explanation` of a decision: every rule with its conditions, the facts taken in (with FHIR provenance), the
 * derived facts computed between stages (source `derived`, null included), and the missing facts.
 */
export function buildExplanation(document: RulebookDocument, intake: FactIntake, evaluation: Evaluation): DecisionRecord['explanation'] {
  const facts: Record<string, ExplainedFact> = {};
  for (const [name, fact] of Object.entries(intake.facts)) facts[name] = fact as ExplainedFact;
  for (const [name, value] of Object.entries(evaluation.derivedFacts)) {
    const unit = document.facts[name]?.unit;
    facts[name] = { value: value ?? null, ...(unit ? { unit } : {}), source: 'derived' };
  }
  return {
    rules: evaluation.rules as unknown as DecisionRecord['explanation']['rules'],
    facts,
    missingFacts: [...intake.missing],
  };
}
