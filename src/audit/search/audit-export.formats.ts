import { canonicalJson } from '../../common/canonical-json.js';
import { outcomePaths, outcomeValue } from '../../rulebooks/rulebook-outcome-paths.js';
import type { RulebookDocument } from '../../rulebooks/rulebook.types.js';
import {
  explainedFact, ignoredResource, missingFactDetail, type DecisionBuild, type DecisionRecord, type ExplainedFact, type ExplainedRule, type IgnoredResource,
  type MissingFactDetail,
} from '../decision-record.js';

/**
 * The shapes an auditor reads: a decision summary (search, CSV), a full decision (detail, NDJSON) and a FHIR R4
 * AuditEvent (the `fhir` export). Pure functions over rows read from `decision` (node-postgres types).
 */

/** One decision as a search returns it. */
export interface DecisionSummary {
  decisionId: string;
  evaluatedAt: string;
  asOf: string;
  caller: string;
  requestId: string;
  rulebook: { key: string; version: string; contentHash: string; statusAtDecision: string | null };
  outcome: Record<string, unknown>;
  context: Record<string, string>;
  firedRules: string[];
  idempotencyKey: string | null;
  recordHash: string | null;
  /** The Verdict build that decided; `null` for decisions recorded before it was kept. */
  verdict: DecisionBuild | null;
}

/** A full decision as NDJSON exports it: the summary with the explanation (the shape of `DecisionRecord.explanation`). */
export interface DecisionExport extends DecisionSummary {
  explanation: DecisionRecord['explanation'];
}

const CONTEXT = [['workflowInstanceId', 'workflow_instance_id'], ['sourceEventId', 'source_event_id'], ['patientRef', 'patient_ref'], ['encounterRef', 'encounter_ref']] as const;

/** The summary of a `decision` row that also carries `fired_rules` (text[]). */
export function decisionSummary(row: Record<string, unknown>): DecisionSummary {
  const context: Record<string, string> = {};
  for (const [field, column] of CONTEXT) if (row[column] !== null && row[column] !== undefined) context[field] = row[column] as string;
  return {
    decisionId: row.id as string,
    evaluatedAt: (row.evaluated_at as Date).toISOString(),
    asOf: (row.as_of as Date).toISOString(),
    caller: row.caller as string,
    requestId: row.request_id as string,
    rulebook: { key: row.rulebook_key as string, version: row.rulebook_version as string, contentHash: row.content_hash as string,
      statusAtDecision: (row.rulebook_status as string | null) ?? null },
    outcome: row.outcome as Record<string, unknown>,
    context,
    firedRules: (row.fired_rules as string[] | null) ?? [],
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    recordHash: (row.record_hash as string | null) ?? null,
    verdict: row.verdict_version === null || row.verdict_version === undefined ? null
      : { version: row.verdict_version as string, commit: row.verdict_commit as string },
  };
}

/**
 * The full export of a row that carries `rules` and `facts` aggregated as JSON, `fact_patient_ref` and
 * `ignored_resources` (see the export query): the explanation as `GET /v1/decisions/{id}` shows it.
 */
export function decisionExport(row: Record<string, unknown>): DecisionExport {
  const facts: Record<string, ExplainedFact> = {};
  const missingFacts: string[] = [];
  const missingFactDetails: Record<string, MissingFactDetail> = {};
  for (const f of (row.facts as Record<string, unknown>[] | null) ?? []) {
    if (f.source === 'missing') {
      missingFacts.push(f.name as string);
      if (f.missingReason !== null && f.missingReason !== undefined) {
        missingFactDetails[f.name as string] = missingFactDetail({ ...(f as unknown as MissingFactDetail), reason: f.missingReason as string,
          detail: f.missingDetail as string });
      }
      continue;
    }
    facts[f.name as string] = explainedFact(f as unknown as ExplainedFact);
  }
  return {
    ...decisionSummary(row),
    explanation: {
      rules: (row.rules as ExplainedRule[] | null) ?? [], facts, missingFacts, missingFactDetails,
      ignoredResources: ((row.ignored_resources as IgnoredResource[] | null) ?? []).map(ignoredResource),
      patient: (row.fact_patient_ref as string | null | undefined) ?? null,
    },
  };
}

/**
 * The fixed CSV columns of the `csv` export, in order. The flattened outcome columns (`csvOutcomeColumns`) go right
 * after `outcome` (`OUTCOME_COLUMNS_AFTER`), so the Verdict build stays in the last two columns.
 */
export const CSV_COLUMNS = [
  'decisionId', 'evaluatedAt', 'asOf', 'caller', 'requestId', 'rulebookKey', 'rulebookVersion', 'contentHash', 'rulebookStatusAtDecision',
  'patientRef', 'encounterRef', 'workflowInstanceId', 'sourceEventId', 'outcome', 'firedRules', 'idempotencyKey', 'recordHash',
  'verdictVersion', 'verdictCommit',
] as const;

/** How many fixed columns come before the flattened outcome columns: through `outcome`. */
const OUTCOME_COLUMNS_AFTER = CSV_COLUMNS.indexOf('outcome') + 1;

/** The fixed cells with the flattened ones inserted after the `outcome` cell. */
function withOutcomeColumns<T>(fixed: readonly T[], flattened: readonly T[]): T[] {
  return [...fixed.slice(0, OUTCOME_COLUMNS_AFTER), ...flattened, ...fixed.slice(OUTCOME_COLUMNS_AFTER)];
}

/** A cell a spreadsheet reads as a formula: after any leading whitespace, `=`, `+`, `-` or `@`, or a tab or CR (OWASP). */
const FORMULA_START = /^\s*[=+\-@\t\r]/;

/**
 * Where a spreadsheet that splits lines at `;` (the list separator of semicolon locales: Excel in de-DE, fr-FR, …)
 * would start a new field or line inside a cell, followed by a formula start: a `;` or a line break, then spaces or
 * quotes, then `=`, `+`, `-`, `@`, tab or CR. Such a reader does not honour the cell's quotes (they do not open its
 * field), so `Patient/9;=cmd|'/C calc'!A0` would run `=cmd|…` there, quoted or not.
 */
const FORMULA_AFTER_SEPARATOR = /(;|\r\n|\r|\n)(?=[ "]*[=+\-@\t\r])/g;

/** Characters that make a cell quoted: the separators of both locales, the quote, line breaks and tab. */
const NEEDS_QUOTES = /[",;\r\n\t]/;

/**
 * One CSV cell (RFC 4180, OWASP "CSV Injection"), safe in comma and semicolon locales:
 * 1. a cell a spreadsheet would read as a formula (`FORMULA_START`) gets a leading `'`, so it shows as text and never
 *    runs;
 * 2. inside the cell, every `;` or line break followed (after spaces or quotes) by a formula start gets a `'` after it,
 *    so a spreadsheet that splits at `;` instead of `,` (and ignores quotes that do not open its field) sees text there
 *    too: `Patient/9;=cmd|'/C calc'!A0` is written `"Patient/9;'=cmd|'/C calc'!A0"`;
 * 3. a cell holding `,`, `;`, `"`, CR, LF or tab is quoted, its quotes doubled; other cells are written as they are.
 * The `'` is added text: a cell changed by 1 or 2 reads back with it (JSON cells, such as `outcome`, only inside their
 * strings: JSON has no `;` or raw line break elsewhere). The NDJSON and FHIR exports carry values unchanged.
 * @param value the value; `null` and `undefined` write an empty cell
 * @returns the cell as written between the commas
 */
export function csvCell(value: string | null | undefined): string {
  let text = (value ?? '').replace(FORMULA_AFTER_SEPARATOR, "$1'");
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The outcome paths a CSV export flattens into columns of their own: every outcome path the given rulebook versions
 * declare (fields, floors, the undetermined list: `outcomePaths`) that is a leaf (a declared path under which another
 * is declared, `news2` beside `news2.score`, gets no column), sorted by path (UTF-16 code units), so the columns of an
 * export depend only on the versions searched, never on the rows or their order.
 * @param documents the rulebook versions the search can match (all stored versions of the searched rulebook or version)
 * @returns dotted paths (`acuity`, `news2.riskBand`); the header names them `outcome.<path>`
 */
export function csvOutcomeColumns(documents: readonly Pick<RulebookDocument, 'outcome'>[]): string[] {
  const paths = new Set(documents.flatMap((d) => outcomePaths(d)));
  return [...paths].filter((p) => ![...paths].some((q) => q.startsWith(`${p}.`))).sort();
}

/**
 * One flattened outcome cell: a string as itself; a number, boolean, array or object as its RFC 8785 canonical JSON;
 * empty when the path is absent or null (the `outcome` cell keeps the difference).
 */
function outcomeCell(outcome: Record<string, unknown>, path: string): string | null {
  const value = outcomeValue(outcome, path);
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : canonicalJson(value);
}

/**
 * The CSV header line (CRLF-terminated, RFC 4180): the fixed columns, with `outcome.<path>` per flattened path right
 * after `outcome`.
 * @param outcomeColumns the flattened outcome paths (`csvOutcomeColumns`); none: the fixed columns only
 */
export function csvHeader(outcomeColumns: readonly string[] = []): string {
  return withOutcomeColumns<string>(CSV_COLUMNS, outcomeColumns.map((path) => `outcome.${path}`)).map(csvCell).join(',') + '\r\n';
}

/**
 * One decision as a CSV line (CRLF-terminated, RFC 4180 quoting): the outcome as its RFC 8785 canonical JSON followed
 * by one cell per flattened outcome path (`outcomeCell`) in the header's order, fired rules joined by `;`.
 * @param outcomeColumns the same paths as the header's
 */
export function csvLine(s: DecisionSummary, outcomeColumns: readonly string[] = []): string {
  const cells = [
    s.decisionId, s.evaluatedAt, s.asOf, s.caller, s.requestId, s.rulebook.key, s.rulebook.version, s.rulebook.contentHash, s.rulebook.statusAtDecision,
    s.context.patientRef, s.context.encounterRef, s.context.workflowInstanceId, s.context.sourceEventId, canonicalJson(s.outcome),
    s.firedRules.join(';'), s.idempotencyKey, s.recordHash, s.verdict?.version, s.verdict?.commit,
  ];
  return withOutcomeColumns(cells, outcomeColumns.map((path) => outcomeCell(s.outcome, path))).map(csvCell).join(',') + '\r\n';
}

/** Identifier systems Verdict uses in AuditEvents (URNs: they name, they do not resolve). */
export const IDENTIFIER_SYSTEMS = {
  decision: 'urn:verdict:decision',
  rulebookVersion: 'urn:verdict:rulebook-version',
  caller: 'urn:verdict:caller',
  request: 'urn:verdict:request-id',
} as const;

/**
 * One decision as a FHIR R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html):
 * - `type` audit-event-type `rest` (RESTful Operation: `POST /v1/decisions`), `subtype` restful-interaction `operation`;
 *   `action` `E` (execute: a decision service ran); `recorded` the decision's `evaluatedAt`; `outcome` `0` (success:
 *   only answered decisions are recorded); `outcomeDesc` the decision's outcome (canonical JSON); `purposeOfEvent` TREAT.
 * - `agent`: the caller (token subject, `requestor` true) and Verdict itself (the evaluating application).
 * - `source`: Verdict, source type 4 (Application Server).
 * - `entity`: the patient (type 1 Person, role 1 Patient) when known, the encounter (type 2, role 4 Domain Resource)
 *   when known, the rulebook version (type 2 System Object, role 5 Master file, its content hash in `detail`) and the
 *   decision (type 2 System Object, role 3 Report; `detail`: request id, asOf, fired rules, record hash, and the
 *   Verdict build that decided as `verdictVersion` and `verdictCommit`).
 */
export function decisionAuditEvent(s: DecisionSummary): Record<string, unknown> {
  const entity: Record<string, unknown>[] = [];
  if (s.context.patientRef) {
    entity.push({
      what: { reference: s.context.patientRef },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  if (s.context.encounterRef) {
    entity.push({
      what: { reference: s.context.encounterRef },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
    });
  }
  entity.push({
    what: { identifier: { system: IDENTIFIER_SYSTEMS.rulebookVersion, value: `${s.rulebook.key}|${s.rulebook.version}` }, display: `${s.rulebook.key} ${s.rulebook.version}` },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '5', display: 'Master file' },
    name: `${s.rulebook.key}@${s.rulebook.version}`,
    detail: [
      { type: 'contentHash', valueString: s.rulebook.contentHash },
      ...(s.rulebook.statusAtDecision ? [{ type: 'statusAtDecision', valueString: s.rulebook.statusAtDecision }] : []),
    ],
  });
  entity.push({
    what: { identifier: { system: IDENTIFIER_SYSTEMS.decision, value: s.decisionId } },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
    name: `decision ${s.decisionId}`,
    detail: [
      { type: 'requestId', valueString: s.requestId },
      { type: 'asOf', valueString: s.asOf },
      { type: 'firedRules', valueString: s.firedRules.join(';') },
      ...(s.context.workflowInstanceId ? [{ type: 'workflowInstanceId', valueString: s.context.workflowInstanceId }] : []),
      ...(s.context.sourceEventId ? [{ type: 'sourceEventId', valueString: s.context.sourceEventId }] : []),
      ...(s.idempotencyKey ? [{ type: 'idempotencyKey', valueString: s.idempotencyKey }] : []),
      ...(s.recordHash ? [{ type: 'recordHash', valueString: s.recordHash }] : []),
      ...(s.verdict ? [{ type: 'verdictVersion', valueString: s.verdict.version }, { type: 'verdictCommit', valueString: s.verdict.commit }] : []),
    ],
  });
  return {
    resourceType: 'AuditEvent',
    id: s.decisionId,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'operation', display: 'operation' }],
    action: 'E',
    recorded: s.evaluatedAt,
    outcome: '0',
    outcomeDesc: canonicalJson(s.outcome),
    purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' }] }],
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'AUT', display: 'author (originator)' }] },
        who: { identifier: { system: IDENTIFIER_SYSTEMS.caller, value: s.caller }, display: s.caller },
        requestor: true,
      },
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRF', display: 'performer' }] },
        who: { display: 'Verdict clinical decision service' },
        requestor: false,
      },
    ],
    source: {
      site: 'Verdict',
      observer: { display: 'Verdict clinical decision service' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity,
  };
}

/** The opening of the FHIR export: a Bundle of type `collection` whose entries follow. */
export function fhirBundleOpening(bundleId: string, timestamp: string): string {
  return `{"resourceType":"Bundle","id":${JSON.stringify(bundleId)},"type":"collection","timestamp":${JSON.stringify(timestamp)},"entry":[`;
}

/** One entry of the FHIR export (`fullUrl` `urn:uuid:<decisionId>`), preceded by a comma unless it is the first. */
export function fhirBundleEntry(s: DecisionSummary, first: boolean): string {
  return (first ? '' : ',') + JSON.stringify({ fullUrl: `urn:uuid:${s.decisionId}`, resource: decisionAuditEvent(s) });
}

/** The closing of the FHIR export. */
export const FHIR_BUNDLE_CLOSING = ']}';
