import type { FactValue } from '../rulebooks/rulebook.types.js';

/** Where a taken-in fact came from: the request's `facts`, the request's FHIR input, or the catalog `default`. */
export type FactSource = 'request' | 'fhir' | 'default';

/**
 * One canonical fact as the rules see it, with its provenance for the explanation and the audit record
 * (CONTRACT.md, "Canonical facts"; `explanation.facts` of a decision).
 */
export interface TakenFact {
  /** Canonical value in the catalog unit, rounded half up to the catalog precision. */
  value: FactValue;
  /** UCUM unit of `value` (the catalog `unit`), when the fact has one. */
  unit?: string;
  source: FactSource;
  /** `resourceType/id` of the FHIR resource the value came from (`Observation/rr-1`), or the entry's `fullUrl`. */
  reference?: string;
  /** The matched coding, `system|code` (`http://loinc.org|9279-1`). */
  code?: string;
  /** When the value was observed: RFC 3339 UTC with milliseconds. */
  effective?: string;
  /** The value as found, before unit conversion and rounding. */
  rawValue?: unknown;
  /** The unit as found, before conversion. */
  rawUnit?: string;
}

/** The result of taking in facts for one evaluation. */
export interface FactIntake {
  /** Every catalog fact that has a value, by name. */
  facts: Record<string, TakenFact>;
  /** Catalog facts (not `derivedFrom`) with no value from the request, FHIR or a default, in catalog order. */
  missing: string[];
}

/**
 * Builds a TakenFact with its members in the documented order (the order of the decision's `explanation.facts`)
 * and without the optional members that have no value.
 */
export function takenFact(source: FactSource, fields: Omit<TakenFact, 'source'>): TakenFact {
  const { value, unit, reference, code, effective, rawValue, rawUnit } = fields;
  return {
    value,
    ...(unit !== undefined && { unit }),
    source,
    ...(reference !== undefined && { reference }),
    ...(code !== undefined && { code }),
    ...(effective !== undefined && { effective }),
    ...(rawValue !== undefined && { rawValue }),
    ...(rawUnit !== undefined && { rawUnit }),
  };
}
