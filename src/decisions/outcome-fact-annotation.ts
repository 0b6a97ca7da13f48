import type { FactIntake } from '../facts/index.js';

/** A fact named by an outcome item, as the caller sees it: the value the rules saw, its unit, time and source. */
export interface AnnotatedFact {
  fact: string;
  /** Canonical value (catalog unit), `null` when missing. */
  value: unknown;
  unit?: string;
  /** When the value was observed (RFC 3339 UTC), for FHIR facts. */
  effective?: string;
  /** `Observation/…` the value came from, for FHIR facts. */
  reference?: string;
}

/**
 * Names the readings behind outcome items. A `COLLECT` item (a reason or requirement) written in the rulebook with
 * `"facts": ["heartRate"]` is answered with `"facts": [{ "fact": "heartRate", "value": 124, "unit": "/min",
 * "effective": "2026-…", "reference": "Observation/…" }]`, so a refusal says which vital sign, what value and when
 * (README "API": a telehealth refusal names each vital sign with its value and time). Items without `facts`, and
 * everything else in the outcome, are unchanged. Pure: returns a new outcome; the compiled rulebook is not touched.
 *
 * @param outcome the outcome from `evaluate`
 * @param intake the facts taken in for the same evaluation
 * @returns the outcome with the named facts annotated
 */
export function annotateOutcomeFacts(outcome: Record<string, unknown>, intake: FactIntake): Record<string, unknown> {
  const annotate = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(annotate);
    if (node === null || typeof node !== 'object') return node;
    const object = node as Record<string, unknown>;
    const names = object.facts;
    if (Array.isArray(names) && names.every((name) => typeof name === 'string')) {
      return { ...object, facts: (names as string[]).map((name) => annotatedFact(name, intake)) };
    }
    return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, annotate(value)]));
  };
  return annotate(outcome) as Record<string, unknown>;
}

function annotatedFact(name: string, intake: FactIntake): AnnotatedFact {
  const taken = intake.facts[name];
  if (!taken) return { fact: name, value: null };
  return {
    fact: name,
    value: taken.value,
    ...(taken.unit !== undefined && { unit: taken.unit }),
    ...(taken.effective !== undefined && { effective: taken.effective }),
    ...(taken.reference !== undefined && { reference: taken.reference }),
  };
}
