import { QueryParams } from '../../common/query-params.js';
import { parseRfc3339 } from '../../common/rfc3339.js';
import { isSemVer } from '../../common/semver.js';

/**
 * The audit search of `GET /v1/audit/decisions` (and its exports): the query parameters, their validation and the SQL
 * they become. Pure functions, so every rule about what a caller may send is tested without a database.
 *
 * Errors are RFC 9457 problems whose pointers name the query parameter: `/query/limit`, `/query/outcome.acuity`
 * (a JSON Pointer into the request's query parameters seen as one object, as the README documents).
 */

/** Fields a search may sort on (allow-list); `-` in front sorts descending. */
export const SORT_FIELDS = { evaluatedAt: 'evaluated_at', asOf: 'as_of' } as const;
export type SortField = keyof typeof SORT_FIELDS;

/** Page size bounds of the search. */
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;

/** Export formats: newline-delimited JSON, CSV (RFC 4180) and a FHIR R4 Bundle of AuditEvent resources. */
export const EXPORT_FORMATS = ['ndjson', 'csv', 'fhir'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Filters on a context column of `decision`: query parameter -> column. */
const CONTEXT_FILTERS = {
  patientRef: 'patient_ref',
  encounterRef: 'encounter_ref',
  workflowInstanceId: 'workflow_instance_id',
  sourceEventId: 'source_event_id',
  caller: 'caller',
} as const;

/** One `outcome.<path>=<value>` filter: the path into the outcome and the JSON values it may equal. */
export interface OutcomeFilter {
  path: string[];
  /** The value as typed (number, boolean or null when it reads as one) and as a string: either matches. */
  values: unknown[];
}

/** A validated audit search. */
export interface DecisionSearch {
  from?: Date;
  to?: Date;
  rulebook?: string;
  version?: string;
  rule?: string;
  context: Partial<Record<keyof typeof CONTEXT_FILTERS, string>>;
  outcome: OutcomeFilter[];
  sort: { field: SortField; descending: boolean };
  limit: number;
  /** Position after which the page starts (keyset pagination). */
  after?: { value: Date; id: string };
}

const RULEBOOK_KEY = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const OUTCOME_SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The values an outcome filter text may stand for: typed JSON when it reads as a number, boolean or null, and the text. */
export function outcomeValues(raw: string): unknown[] {
  if (raw === 'true') return [true, raw];
  if (raw === 'false') return [false, raw];
  if (raw === 'null') return [null, raw];
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw) && Number.isFinite(Number(raw))) return [Number(raw), raw];
  return [raw];
}

/** Encodes a keyset position as an opaque cursor (base64url of JSON: sort, value, id). */
export function encodeCursor(sort: DecisionSearch['sort'], value: Date, id: string): string {
  return Buffer.from(JSON.stringify({ s: `${sort.descending ? '-' : ''}${sort.field}`, v: value.toISOString(), i: id }), 'utf8').toString('base64url');
}

function decodeCursor(raw: string, sort: DecisionSearch['sort']): { value: Date; id: string } | undefined {
  try {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(raw)) return undefined;
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { s?: unknown; v?: unknown; i?: unknown };
    if (parsed.s !== `${sort.descending ? '-' : ''}${sort.field}` || typeof parsed.v !== 'string' || typeof parsed.i !== 'string') return undefined;
    const value = parseRfc3339(parsed.v);
    if (!value || !UUID.test(parsed.i)) return undefined;
    return { value, id: parsed.i };
  } catch {
    return undefined;
  }
}

/** Parameters each endpoint accepts besides the filters. */
export type SearchMode = 'search' | 'export';

const FILTER_PARAMS = new Set(['from', 'to', 'rulebook', 'version', 'rule', 'sort', ...Object.keys(CONTEXT_FILTERS)]);
const MODE_PARAMS: Record<SearchMode, Set<string>> = { search: new Set(['limit', 'cursor']), export: new Set(['format']) };

/**
 * Validates the query parameters of an audit search or export.
 *
 * Filters: `from` (inclusive) and `to` (exclusive) on `evaluatedAt`, RFC 3339; `rulebook` (key), `version` (semver);
 * `rule` (a rule that fired); `patientRef`, `encounterRef`, `workflowInstanceId`, `sourceEventId`, `caller` (exact);
 * `outcome.<path>=<value>` (for example `outcome.acuity=2`, `outcome.news2.riskBand=high`, `outcome.eligible=true`;
 * a value that reads as a number, boolean or null also matches the same text as a string). `sort`: `evaluatedAt`,
 * `-evaluatedAt` (default), `asOf`, `-asOf`. Search only: `limit` 1–1000 (default 100) and `cursor` (from
 * `page.nextCursor`, valid with the same sort). Export only: `format` (`ndjson`, `csv`, `fhir`).
 *
 * @param query the parsed query string (a repeated parameter arrives as an array)
 * @param mode `search` or `export`
 * @returns the search and, for an export, the format
 * @throws DomainError 400 `VALIDATION_FAILED` with one pointer `/query/<parameter>` per problem: unknown or repeated
 *   parameter, bad value, `from` not before `to`, a cursor that is not one of ours or belongs to another sort
 */
export function parseDecisionSearch(query: Record<string, unknown>, mode: SearchMode): { search: DecisionSearch; format?: ExportFormat } {
  const params = new QueryParams(query, [...FILTER_PARAMS, ...MODE_PARAMS[mode]], ['outcome.']);
  const from = params.instant('from');
  const to = params.instant('to');
  if (from && to && from.getTime() >= to.getTime()) params.problem('to', 'must be after from');
  const rulebook = params.text('rulebook', RULEBOOK_KEY, 'must be a rulebook key (lowercase letters, digits, hyphens)');
  const version = params.text('version', { test: isSemVer }, 'must be a semantic version (1.0.0)');
  const rule = params.text('rule');
  const context: DecisionSearch['context'] = {};
  for (const name of Object.keys(CONTEXT_FILTERS) as (keyof typeof CONTEXT_FILTERS)[]) {
    const value = params.text(name);
    if (value !== undefined) context[name] = value;
  }
  const outcome: OutcomeFilter[] = [];
  for (const name of Object.keys(query).filter((n) => n.startsWith('outcome.'))) {
    const path = name.slice('outcome.'.length).split('.');
    if (path.length > 6 || !path.every((segment) => OUTCOME_SEGMENT.test(segment))) {
      params.problem(name, 'must name an outcome field: outcome.<field>[.<field>…], letters, digits, _ $ -');
      continue;
    }
    const value = params.text(name);
    if (value !== undefined) outcome.push({ path, values: outcomeValues(value) });
  }
  if (outcome.length > 10) params.problem('outcome', 'at most 10 outcome filters');

  const sortNames = Object.keys(SORT_FIELDS).flatMap((f) => [f, `-${f}`]);
  const sortRaw = params.oneOf('sort', sortNames) ?? '-evaluatedAt';
  const descending = sortRaw.startsWith('-');
  const sort = { field: (descending ? sortRaw.slice(1) : sortRaw) as SortField, descending };

  let limit = DEFAULT_LIMIT;
  let after: DecisionSearch['after'];
  let format: ExportFormat | undefined;
  if (mode === 'search') {
    limit = params.integer('limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
    const rawCursor = params.text('cursor');
    if (rawCursor !== undefined) {
      after = decodeCursor(rawCursor, sort);
      if (!after) params.problem('cursor', 'is not a cursor of this search (use page.nextCursor of the previous page, with the same sort)');
    }
  } else {
    format = params.oneOf('format', EXPORT_FORMATS);
    if (query.format === undefined) params.problem('format', `is required: one of ${EXPORT_FORMATS.join(', ')}`);
  }
  params.throwIfInvalid();
  return { search: { from, to, rulebook, version, rule, context, outcome, sort, limit, after }, format };
}

/** A SQL condition list with its parameters, numbered from $1. */
export interface SqlFilter {
  where: string;
  params: unknown[];
  orderBy: string;
}

/** Nests an outcome filter into the JSON object `@>` looks for: `['news2','riskBand']`, `"high"` -> `{"news2":{"riskBand":"high"}}`. */
function nest(path: string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/**
 * Turns a search into SQL over `decision d` (every value a bind parameter, never spliced): the WHERE clause with the
 * keyset position, and the ORDER BY of the sort with `id` as tie-breaker (the indexes end in `evaluated_at, id`).
 */
export function searchSql(search: DecisionSearch): SqlFilter {
  const params: unknown[] = [];
  const where: string[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (search.from) where.push(`d.evaluated_at >= ${bind(search.from)}`);
  if (search.to) where.push(`d.evaluated_at < ${bind(search.to)}`);
  if (search.rulebook) where.push(`d.rulebook_key = ${bind(search.rulebook)}`);
  if (search.version) where.push(`d.rulebook_version = ${bind(search.version)}`);
  for (const [name, column] of Object.entries(CONTEXT_FILTERS)) {
    const value = search.context[name as keyof typeof CONTEXT_FILTERS];
    if (value !== undefined) where.push(`d.${column} = ${bind(value)}`);
  }
  for (const filter of search.outcome) {
    where.push('(' + filter.values.map((v) => `d.outcome @> ${bind(JSON.stringify(nest(filter.path, v)))}::jsonb`).join(' OR ') + ')');
  }
  if (search.rule) {
    where.push(`EXISTS (SELECT 1 FROM decision_rule r WHERE r.decision_id = d.id AND r.evaluated_at = d.evaluated_at AND r.fired AND r.name = ${bind(search.rule)})`);
  }
  const column = `d.${SORT_FIELDS[search.sort.field]}`;
  const direction = search.sort.descending ? 'DESC' : 'ASC';
  if (search.after) where.push(`(${column}, d.id) ${search.sort.descending ? '<' : '>'} (${bind(search.after.value)}, ${bind(search.after.id)}::uuid)`);
  return { where: where.length > 0 ? where.join(' AND ') : 'TRUE', params, orderBy: `${column} ${direction}, d.id ${direction}` };
}
