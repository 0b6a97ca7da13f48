/** A fact as shown in an explanation: canonical value and unit, and where it came from. */
export interface ExplainedFact {
  value: unknown;
  unit?: string;
  source: 'request' | 'fhir' | 'default' | 'derived';
  reference?: string;
  code?: string;
  effective?: string;
  rawValue?: unknown;
  rawUnit?: string;
  /** FHIR status of the resource the value came from (`Observation.status`: `final`, `amended`, …), when known. */
  status?: string;
}

/**
 * Why a catalog fact is missing (`explanation.missingFactDetails`), and the reading that was not used when there was
 * one: `reason` is `stale` (older than the catalog's maximum age at `asOf`; `effective` says when it was observed),
 * `status-not-accepted`, `unreadable`, `reference-time-missing` or `not-in-supplied-data`; `detail` explains it in
 * words.
 */
export interface MissingFactDetail {
  reason: string;
  detail: string;
  /** The resource of the reading not used (`Observation/hr-1`). */
  reference?: string;
  /** When the reading not used was observed (RFC 3339 UTC). */
  effective?: string;
  code?: string;
  rawValue?: unknown;
  rawUnit?: string;
  /** Its FHIR status (`Observation.status`). */
  status?: string;
}

/**
 * A FHIR resource the intake left out, with why (`other-patient`, `no-patient-reference`, `not-a-patient-resource`,
 * `status-not-accepted`; for the last, `fact` names the fact that did not accept it).
 */
export interface IgnoredResource {
  reference: string;
  resourceType: string;
  reason: string;
  detail: string;
  fact?: string;
}

/** The Verdict build that made a decision: package version and git commit (`unknown` when it could not be told). */
export interface DecisionBuild {
  version: string;
  commit: string;
}

/** One evaluated rule in an explanation. */
export interface ExplainedRule {
  name: string;
  stage: number;
  fired: boolean;
  priority: number;
  event: Record<string, unknown>;
  conditions: Record<string, unknown>;
}

/**
 * A decision as the API returns it (`POST /v1/decisions` 201 and `GET /v1/decisions/{id}`), rebuilt identically from
 * the normalized audit rows.
 */
export interface DecisionRecord {
  decisionId: string;
  rulebook: { key: string; version: string; contentHash: string };
  /** The Verdict build that decided, so the decision can be reproduced; `null` for decisions recorded before it was kept. */
  verdict: DecisionBuild | null;
  outcome: Record<string, unknown>;
  explanation: {
    rules: ExplainedRule[];
    facts: Record<string, ExplainedFact>;
    missingFacts: string[];
    /** Why missing facts are missing, for those the intake could tell (`{}` when none; always `{}` for older decisions). */
    missingFactDetails: Record<string, MissingFactDetail>;
    /** FHIR resources left out, with why (`[]` when none). */
    ignoredResources: IgnoredResource[];
    /** The patient the facts are about (`context.patientRef`, else the one Patient in the FHIR input); `null` when none was identified. */
    patient: string | null;
  };
  asOf: string;
  evaluatedAt: string;
  context: Record<string, string>;
}

/**
 * What the audit keeps besides the record: who asked, the request id, the input hash, the idempotency key and the
 * status of the rulebook version when it decided.
 */
export interface DecisionProvenance {
  caller: string;
  requestId: string;
  inputHash: string;
  idempotencyKey?: string;
  /** Lifecycle status of the evaluating rulebook version at decision time (`approved`, …). */
  rulebookStatus?: string;
}

/** Drops null and undefined members (a rebuilt object then has the keys the first answer had). */
function present(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * An explained fact with its members in the documented order (`value, unit, source, reference, code, effective,
 * rawValue, rawUnit, status`) and without absent ones; `value` is kept even when null (a derived fact that is unknown).
 * Used when a decision is answered and when it is rebuilt from the audit, so both give the same JSON text.
 */
export function explainedFact(fields: ExplainedFact): ExplainedFact {
  const { value, unit, source, reference, code, effective, rawValue, rawUnit, status } = fields;
  return { value: value ?? null, ...present({ unit, source, reference, code, effective, rawValue, rawUnit, status }) } as unknown as ExplainedFact;
}

/**
 * A missing-fact detail in the documented order (`reason, detail, reference, effective, code, rawValue, rawUnit,
 * status`), without absent members.
 */
export function missingFactDetail(fields: MissingFactDetail): MissingFactDetail {
  const { reason, detail, reference, effective, code, rawValue, rawUnit, status } = fields;
  return present({ reason, detail, reference, effective, code, rawValue, rawUnit, status }) as unknown as MissingFactDetail;
}

/** An ignored resource in the documented order (`reference, resourceType, reason, detail, fact`), without an absent `fact`. */
export function ignoredResource(fields: IgnoredResource): IgnoredResource {
  const { reference, resourceType, reason, detail, fact } = fields;
  return { reference, resourceType, reason, detail, ...(fact !== undefined && fact !== null && { fact }) };
}
