import type { FactValue } from '../rulebooks/rulebook.types.js';

/** Where a taken-in fact came from: the request's `facts`, the request's FHIR input, or the catalog `default`. */
export type FactSource = 'request' | 'fhir' | 'default';

/**
 * One canonical fact as the rules see it, with its provenance for the explanation and the audit record
 * (`explanation.facts` of a decision, README "API"; the catalog fields in rulebooks/README.md "`facts`: the fact catalog").
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
  /** `Observation.status` of the reading (`final`, `preliminary`, …), for facts taken from an Observation. */
  status?: string;
}

/**
 * Why a fact is missing:
 * - `not-in-supplied-data`: neither the request's `facts` nor its FHIR input holds a value (no matching resource
 *   about the patient at or before `asOf`; no FHIR at all; for `exists` with `absentMeans: unknown-unless-complete`,
 *   no matching resource and the caller did not state the search complete in `fhirSearchComplete`);
 * - `stale`: the latest usable reading is older than the catalog's `maxAge` at `asOf`;
 * - `status-not-accepted`: the readings found have an `Observation.status` the catalog does not accept;
 * - `unreadable`: the value found cannot be read (unit absent or not convertible, out of the catalog range, code not
 *   in the `codeMap`, not a number) and the catalog says `onUnreadable: missing` (or the value is coded);
 * - `reference-time-missing`: the fact is computed at another fact's instant (`patient-age` `at: { fact }`), and
 *   that fact is missing.
 */
export type MissingFactReason = 'not-in-supplied-data' | 'stale' | 'status-not-accepted' | 'unreadable' | 'reference-time-missing';

/** Why one fact is missing, with the resource that was found and not used, when there is one. */
export interface MissingFactDetail {
  reason: MissingFactReason;
  /** One sentence for the explanation: `latest reading Observation/hr-1 at 2026-11-21T03:00:00.000Z is older than the maximum age PT4H`. */
  detail: string;
  /** The resource found and not used (`Observation/hr-1`, else its `fullUrl`). */
  reference?: string;
  /** Its effective time, RFC 3339 UTC with milliseconds. */
  effective?: string;
  /** The matched coding, `system|code`. */
  code?: string;
  /** The value as found. */
  rawValue?: unknown;
  /** The unit as found. */
  rawUnit?: string;
  /** Its `Observation.status`. */
  status?: string;
}

/**
 * Why a FHIR resource of the input was not used:
 * - `other-patient`: its patient element (`Observation.subject`, `Coverage.beneficiary`, …) refers to another
 *   patient than the decision's, or it is another Patient resource;
 * - `no-patient-reference`: the decision's patient is known and the resource has no patient element (or one
 *   without a `reference`), so it cannot be tied to the patient;
 * - `not-a-patient-resource`: its patient element refers to a Group, Device, Location, … rather than a Patient;
 * - `status-not-accepted`: an Observation that matched a fact's codes, with an `Observation.status` that fact does
 *   not accept (`fact` names it).
 */
export type IgnoredResourceReason = 'other-patient' | 'no-patient-reference' | 'not-a-patient-resource' | 'status-not-accepted';

/** A FHIR resource of the input that no fact used, and why. */
export interface IgnoredResource {
  /** `Observation/x`, else the entry's `fullUrl`, else the JSON Pointer of the resource in the request (`/fhir/entry/3/resource`). */
  reference: string;
  resourceType: string;
  reason: IgnoredResourceReason;
  /** One sentence: `subject urn:uuid:… is not the decision's patient (Patient/123)`. */
  detail: string;
  /** For `status-not-accepted`: the fact that did not accept it (another fact may have used it). */
  fact?: string;
}

/** The result of taking in facts for one evaluation. */
export interface FactIntake {
  /** Every catalog fact that has a value, by name. */
  facts: Record<string, TakenFact>;
  /** Catalog facts (not `derivedFrom`) with no value from the request, FHIR or a default, in catalog order. */
  missing: string[];
  /** For every fact in `missing`: why it is missing (keys in catalog order). */
  missingDetails: Record<string, MissingFactDetail>;
  /** FHIR resources of the read types that were not used, in bundle order (patient binding first, then status). */
  ignoredResources: IgnoredResource[];
  /**
   * The decision's patient: `context.patientRef` when given, else the Patient resource's reference (`Patient/id`,
   * else its `fullUrl`), else the one patient the resources refer to; absent when the input names no patient.
   */
  patient?: string;
}

/**
 * Builds a TakenFact with its members in the documented order (the order of the decision's `explanation.facts`)
 * and without the optional members that have no value.
 */
export function takenFact(source: FactSource, fields: Omit<TakenFact, 'source'>): TakenFact {
  const { value, unit, reference, code, effective, rawValue, rawUnit, status } = fields;
  return {
    value,
    ...(unit !== undefined && { unit }),
    source,
    ...(reference !== undefined && { reference }),
    ...(code !== undefined && { code }),
    ...(effective !== undefined && { effective }),
    ...(rawValue !== undefined && { rawValue }),
    ...(rawUnit !== undefined && { rawUnit }),
    ...(status !== undefined && { status }),
  };
}
