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
  outcome: Record<string, unknown>;
  explanation: {
    rules: ExplainedRule[];
    facts: Record<string, ExplainedFact>;
    missingFacts: string[];
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
