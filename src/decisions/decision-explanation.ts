import { explainedFact, ignoredResource, missingFactDetail, type DecisionRecord, type ExplainedFact, type MissingFactDetail } from '../audit/decision-record.js';
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
 * derived facts computed between stages (source `derived`, null included), the missing facts, why they are missing
 * (`missingFactDetails`, for the missing facts the intake could tell; a stale reading shows `reason: "stale"` and its
 * `effective` time), the FHIR resources left out with why (`ignoredResources`) and the patient the facts are about
 * (`patient`, `null` when none was identified). Members are built in their documented order, so the decision rebuilt
 * from the audit (`DecisionHistory.findById`) is the same JSON.
 */
export function buildExplanation(document: RulebookDocument, intake: FactIntake, evaluation: Evaluation): DecisionRecord['explanation'] {
  const facts: Record<string, ExplainedFact> = {};
  for (const [name, fact] of Object.entries(intake.facts)) facts[name] = explainedFact(fact as ExplainedFact);
  for (const [name, value] of Object.entries(evaluation.derivedFacts)) {
    const unit = document.facts[name]?.unit;
    facts[name] = { value: value ?? null, ...(unit ? { unit } : {}), source: 'derived' };
  }
  return {
    rules: evaluation.rules as unknown as DecisionRecord['explanation']['rules'],
    facts,
    missingFacts: [...intake.missing],
    // Only for facts that are missing, in their order: the audit keeps a detail on the fact's `missing` row.
    missingFactDetails: Object.fromEntries(intake.missing.filter((name) => intake.missingDetails?.[name])
      .map((name): [string, MissingFactDetail] => [name, missingFactDetail(intake.missingDetails[name])])),
    ignoredResources: (intake.ignoredResources ?? []).map((resource) => ignoredResource(resource)),
    patient: intake.patient ?? null,
  };
}
