import { createHash } from 'node:crypto';
import { contentHash } from '../common/canonical-json.js';

/**
 * The record hash and the chain link of the tamper-evident audit (see `audit/README.md`, "Tamper evidence").
 *
 * The record hash is `sha256:` + the SHA-256 of the RFC 8785 (JCS) canonical JSON of the record's content: every
 * column of the `decision` row, with its `decision_rule` rows and `decision_fact` rows each replaced by the content
 * hash of their array (ordered by `ordinal`). Digesting the rows as arrays keeps the top-level object small (a
 * generator or verifier can reuse the digest of identical rule sets) while every byte of every row is still covered.
 * Absent values are `null`; instants are RFC 3339 UTC with milliseconds (PostgreSQL keeps microseconds, JavaScript
 * reads milliseconds: Verdict writes milliseconds only).
 *
 * Members added later (the Verdict build, the facts' patient, ignored resources, a fact's FHIR status and why a fact
 * is missing) enter the hashed object only when they have a value: a record written before they existed (NULL
 * columns) hashes exactly as it did then and still verifies, while a new record binds every one of them.
 *
 * The same function hashes a record when it is written (from the values sent to the database, after the JSON round
 * trip they make) and when it is verified (from the rows read back), so both sides see the same values.
 */

/** The `decision` columns that enter the record hash, as stored (NULL as `null`). */
export interface DecisionRowContent {
  id: string;
  evaluatedAt: string;
  caller: string;
  requestId: string;
  rulebookKey: string;
  rulebookVersion: string;
  contentHash: string;
  rulebookStatus: string | null;
  asOf: string;
  workflowInstanceId: string | null;
  sourceEventId: string | null;
  patientRef: string | null;
  encounterRef: string | null;
  outcome: unknown;
  inputHash: string;
  idempotencyKey: string | null;
  /** The Verdict build that decided (hashed only when not null). */
  verdictVersion?: string | null;
  verdictCommit?: string | null;
  /** The patient the facts are about (hashed only when not null). */
  factPatientRef?: string | null;
  /** FHIR resources left out, with why (hashed only when not null). */
  ignoredResources?: unknown;
}

/** A `decision_rule` row as hashed. */
export interface RuleRowContent {
  ordinal: number;
  name: string;
  stage: number;
  priority: number;
  fired: boolean;
  event: unknown;
  conditions: unknown;
}

/** A `decision_fact` row as hashed. */
export interface FactRowContent {
  ordinal: number;
  name: string;
  value: unknown;
  unit: string | null;
  source: string;
  reference: string | null;
  code: string | null;
  effective: string | null;
  rawValue: unknown;
  rawUnit: string | null;
  /** FHIR status of the source resource (hashed only when not null). */
  status?: string | null;
  /** Why a missing fact is missing, and how (hashed only when not null). */
  missingReason?: string | null;
  missingDetail?: string | null;
}

/** The chain hash before the first link: `sha256:` and 64 zeros. */
export const GENESIS_CHAIN_HASH = 'sha256:' + '0'.repeat(64);

/** An instant as RFC 3339 UTC with milliseconds, from a Date or any string `Date` parses; null stays null. */
export function instant(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** `sha256:<hex>` content hash of the rule rows (in ordinal order). */
export function rulesDigest(rules: RuleRowContent[]): string {
  return contentHash([...rules].sort((a, b) => a.ordinal - b.ordinal).map((r) => ({
    ordinal: r.ordinal, name: r.name, stage: r.stage, priority: r.priority, fired: r.fired, event: r.event ?? null, conditions: r.conditions ?? null,
  })));
}

/** The members of `fields` whose value is neither null nor undefined (the later additions to the hashed content). */
function whenPresent(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null)); // != null: neither null nor undefined
}

/** `sha256:<hex>` content hash of the fact rows (in ordinal order). */
export function factsDigest(facts: FactRowContent[]): string {
  return contentHash([...facts].sort((a, b) => a.ordinal - b.ordinal).map((f) => ({
    ordinal: f.ordinal, name: f.name, value: f.value ?? null, unit: f.unit ?? null, source: f.source, reference: f.reference ?? null,
    code: f.code ?? null, effective: instant(f.effective), rawValue: f.rawValue ?? null, rawUnit: f.rawUnit ?? null,
    ...whenPresent({ status: f.status, missingReason: f.missingReason, missingDetail: f.missingDetail }),
  })));
}

/**
 * The record hash of one decision (format v1).
 * @param decision the decision row's content
 * @param rules the content hash of its rule rows (`rulesDigest`)
 * @param facts the content hash of its fact rows (`factsDigest`)
 * @returns `sha256:<64 hex>`
 * @throws Error when a value cannot be canonicalized (a non-finite number)
 */
export function auditRecordHash(decision: DecisionRowContent, rules: string, facts: string): string {
  return contentHash({
    v: 1,
    id: decision.id,
    evaluatedAt: instant(decision.evaluatedAt),
    caller: decision.caller,
    requestId: decision.requestId,
    rulebookKey: decision.rulebookKey,
    rulebookVersion: decision.rulebookVersion,
    contentHash: decision.contentHash,
    rulebookStatus: decision.rulebookStatus ?? null,
    asOf: instant(decision.asOf),
    workflowInstanceId: decision.workflowInstanceId ?? null,
    sourceEventId: decision.sourceEventId ?? null,
    patientRef: decision.patientRef ?? null,
    encounterRef: decision.encounterRef ?? null,
    outcome: decision.outcome ?? null,
    inputHash: decision.inputHash,
    idempotencyKey: decision.idempotencyKey ?? null,
    ...whenPresent({ verdictVersion: decision.verdictVersion, verdictCommit: decision.verdictCommit, factPatientRef: decision.factPatientRef,
      ignoredResources: decision.ignoredResources }),
    rules,
    facts,
  });
}

/**
 * One link of the chain: `sha256:` + SHA-256 of `previous|seq|decisionId|recordHash` (UTF-8). Binding the position
 * and the decision id makes a swapped or renumbered link visible as well as a changed record.
 * @param previous the chain hash of position `seq - 1` (`GENESIS_CHAIN_HASH` for position 1)
 */
export function chainLink(previous: string, seq: number | bigint | string, decisionId: string, recordHash: string): string {
  return 'sha256:' + createHash('sha256').update(`${previous}|${String(seq)}|${decisionId}|${recordHash}`, 'utf8').digest('hex');
}

/** Reads a database row of `decision` (node-postgres types: Date for timestamptz, parsed JSON for jsonb). */
export function decisionRowContent(row: Record<string, unknown>): DecisionRowContent {
  return {
    id: row.id as string, evaluatedAt: instant(row.evaluated_at as Date)!, caller: row.caller as string, requestId: row.request_id as string,
    rulebookKey: row.rulebook_key as string, rulebookVersion: row.rulebook_version as string, contentHash: row.content_hash as string,
    rulebookStatus: (row.rulebook_status as string | null) ?? null, asOf: instant(row.as_of as Date)!,
    workflowInstanceId: (row.workflow_instance_id as string | null) ?? null, sourceEventId: (row.source_event_id as string | null) ?? null,
    patientRef: (row.patient_ref as string | null) ?? null, encounterRef: (row.encounter_ref as string | null) ?? null,
    outcome: row.outcome ?? null, inputHash: row.input_hash as string, idempotencyKey: (row.idempotency_key as string | null) ?? null,
    verdictVersion: (row.verdict_version as string | null | undefined) ?? null, verdictCommit: (row.verdict_commit as string | null | undefined) ?? null,
    factPatientRef: (row.fact_patient_ref as string | null | undefined) ?? null, ignoredResources: row.ignored_resources ?? null,
  };
}

/** Reads a database row of `decision_rule`. */
export function ruleRowContent(row: Record<string, unknown>): RuleRowContent {
  return { ordinal: Number(row.ordinal), name: row.name as string, stage: Number(row.stage), priority: Number(row.priority), fired: row.fired as boolean,
    event: row.event ?? null, conditions: row.conditions ?? null };
}

/** Reads a database row of `decision_fact`. */
export function factRowContent(row: Record<string, unknown>): FactRowContent {
  return { ordinal: Number(row.ordinal), name: row.name as string, value: row.value ?? null, unit: (row.unit as string | null) ?? null,
    source: row.source as string, reference: (row.reference as string | null) ?? null, code: (row.code as string | null) ?? null,
    effective: instant(row.effective as Date | null), rawValue: row.raw_value ?? null, rawUnit: (row.raw_unit as string | null) ?? null,
    status: (row.status as string | null | undefined) ?? null, missingReason: (row.missing_reason as string | null | undefined) ?? null,
    missingDetail: (row.missing_detail as string | null | undefined) ?? null };
}
