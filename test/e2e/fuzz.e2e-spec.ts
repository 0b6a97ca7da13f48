/**
 * Fuzz suite (issue 9): thousands of hostile requests over every operation of the OpenAPI document the application
 * serves (so a new route is fuzzed without touching this file), sent with the demo token of every role, asserting what
 * the contract promises whatever the input: no 5xx (a 503 would let any caller fake a database outage), every refusal
 * is RFC 9457 `application/problem+json` with `status`, `title` and `type`, and an answer within a per-request
 * timeout. The reproductions of the issue are explicit tests at the end.
 *
 * The inputs mutate plausible requests (the examples of each operation's schema, a real rulebook document, a FHIR
 * bundle) so that they pass the first checks and reach the services and the database: values replaced by U+0000,
 * lone surrogates, huge or non-finite number literals, wrong types, deep nesting, non-object Bundle entries; keys
 * such as `__proto__`, `constructor` and `prototype` added anywhere; raw bodies that are not JSON; hostile path
 * segments, query strings and headers.
 *
 * `VERDICT_FUZZ_RUNS` sets the cases per operation and property (default 50: about 3,700 requests in all);
 * `VERDICT_FUZZ_SEED` replays a run (the seed is in every failure message); `VERDICT_FUZZ_LOG=<file>` appends every
 * breach to the file as a JSON line.
 */
import fc from 'fast-check';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DEMO_TOKENS } from '../../src/auth/demo-tokens.js';
import { fhirBundle, patient, vitalSignObservations } from '../support/fhir-builders.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RUNS = Number(process.env.VERDICT_FUZZ_RUNS ?? 50);
const SEED = Number(process.env.VERDICT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** `VERDICT_FUZZ_LOG`: a file to which every breach is appended as one JSON line (the assertion shows a dozen). */
const BREACH_LOG = process.env.VERDICT_FUZZ_LOG;
/** An answer slower than this is a hang. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Requests in flight at once. */
const CONCURRENCY = 4;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One operation of the OpenAPI document. */
interface Operation {
  method: string;
  /** The path template, `/v1/rulebooks/{key}/versions`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  /** The resolved JSON Schema of the `application/json` request body, when it has one. */
  bodySchema?: Record<string, unknown>;
}

/** One generated request. */
interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** `METHOD /template`: which operation it exercises. */
  operation: string;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values

/** Raw JSON text put in place of a placeholder string after `JSON.stringify` (what a JS value cannot carry). */
const RAW_LITERALS = [
  '1e999', '-1e999', '1' + '0'.repeat(400), '-0.0000000000000000000000000000001e-400', '123456789012345678901234567890',
  '9007199254740993', '"\\ud800"', '"\\udfff\\ud800"', '"a\\u0000b"', '"\\u0000"',
  nested(65, '[', ']'), nested(6_000, '[', ']'), nestedObjects(80), nestedObjects(3_000),
];
const RAW_MARK = '\u0001raw:';

function nested(depth: number, open: string, close: string): string {
  return open.repeat(depth) + close.repeat(depth);
}

function nestedObjects(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Strings no field should store: U+0000, lone surrogates, controls, separators, markup, huge. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', 'Patient/1\u0000', '\ud800', 'x\udfff', '\udc00\ud800', '\ud83d', '\u2028\u2029', '\ufeff',
    '\u001b[31m', '\r\n', '%00', '../../etc/passwd', "'; DROP TABLE decision; --", '=cmd|\'/C calc\'!A0', '{{7*7}}', '<script>',
    '', ' ', 'A'.repeat(70_000), '💥'.repeat(300), 'sha256:' + '0'.repeat(64), '2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z', '1.0.0', '99999999999999999999.0.0', 'ed-triage'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** Keys that must never crash anything. */
const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'then',
    '\u0000', 'a\u0000', '\ud800', 'k\udc00', '', ' ', 'zzz', '$where', 'a.b', '~1', '/', 'length', '0', 'x'.repeat(2_000)),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** A value of the wrong type, out of range, deeply nested, or shaped to trip a library. */
function hostileValue(raw: (text: string) => string): fc.Arbitrary<Json> {
  return fc.oneof(
    hostileString,
    fc.constantFrom<Json>(true, false, null, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324, [], {}, [[[[[]]]]], [null], ['x']),
    fc.double().map((n) => (Number.isFinite(n) ? n : null)),
    fc.integer(),
    fc.constantFrom(...RAW_LITERALS).map(raw),
    fc.constantFrom<Json>({ constructor: true }, { constructor: { prototype: {} } }, { prototype: null }, { toString: 1 },
      { valueOf: {} }, { hasOwnProperty: 'x' }, { length: 1e9 }, { then: 1 }),
    fc.constantFrom<Json>(
      { resourceType: 'Bundle', type: 'collection', entry: [1, 'x', null, [], true] },
      { resourceType: 'Bundle', type: 'collection', entry: [{}, { resource: 1 }, { resource: [] }, { resource: { resourceType: 'Observation', code: 1, valueQuantity: 'x' } }] },
      { resourceType: 'Bundle', type: 'collection', entry: 'x' },
      { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '9279-1' }] }, valueQuantity: { value: 1e308, unit: '/min' } },
      { resourceType: 'Patient', birthDate: '1970-01-01', constructor: {} },
    ),
    fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  );
}

/** A JSON value with a hostile own property `key` (set as an own property even for `__proto__`). */
function withOwnKey(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Mutation of plausible bodies

type Path = (string | number)[];

/** Every path to a value of `value`, the root (`[]`) included; at most `limit`. */
function pathsOf(value: Json, limit = 400): Path[] {
  const paths: Path[] = [];
  const stack: { node: Json; path: Path }[] = [{ node: value, path: [] }];
  while (stack.length > 0 && paths.length < limit) {
    const { node, path } = stack.pop()!;
    paths.push(path);
    if (Array.isArray(node)) node.forEach((child, i) => stack.push({ node: child, path: [...path, i] }));
    else if (node !== null && typeof node === 'object') for (const [k, child] of Object.entries(node)) stack.push({ node: child, path: [...path, k] });
  }
  return paths;
}

interface Mutation {
  path: Path;
  action: 'replace' | 'add-key' | 'append';
  key: string;
  value: Json;
}

/** Applies mutations to a deep copy of `seed`. */
function mutate(seed: Json, mutations: Mutation[]): Json {
  let root = structuredClone(seed);
  for (const mutation of mutations) {
    // A copy: the constant values of the generators are shared objects, and one must never end up inside itself.
    const m = { ...mutation, value: structuredClone(mutation.value) };
    if (m.path.length === 0 && m.action === 'replace') {
      root = m.value;
      continue;
    }
    let parent: Json = root;
    for (const token of m.path.slice(0, m.action === 'replace' ? -1 : undefined)) {
      if (parent === null || typeof parent !== 'object') break;
      parent = (parent as Record<string, Json>)[token as string];
    }
    if (parent === null || typeof parent !== 'object') continue;
    const last = m.path[m.path.length - 1];
    if (m.action === 'replace') withOwnKey(parent as Record<string, Json>, String(last), m.value);
    else if (m.action === 'append' && Array.isArray(parent)) parent.push(m.value);
    else if (!Array.isArray(parent)) withOwnKey(parent, m.key, m.value);
  }
  return root;
}

/** A body: a seed with one to three mutations (or a seed as is, now and then). */
function mutatedBody(seeds: Json[], raw: (text: string) => string): fc.Arbitrary<Json> {
  return fc.constantFrom(...seeds).chain((seed) => {
    const paths = pathsOf(seed);
    const mutation = fc.record({
      path: fc.constantFrom(...paths),
      action: fc.constantFrom<Mutation['action']>('replace', 'replace', 'add-key', 'append'),
      key: hostileKey,
      value: hostileValue(raw),
    });
    return fc.array(mutation, { minLength: 0, maxLength: 3 }).map((mutations) => mutate(seed, mutations));
  });
}

/** `JSON.stringify`, then the placeholders replaced by their raw JSON text. */
function serialize(body: Json, raws: string[]): string {
  let text = JSON.stringify(body);
  text = text.replace(/"\\u0001raw:(\d+)"/g, (_m, i: string) => raws[Number(i)]);
  return text;
}

/** Whole bodies that are not what any operation takes: not JSON, deep, huge, prototype poisoning, empty. */
const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'null', 'true', '1', '"x"', '[]', '{}', '{', '}', '[', '{"a":}', '{"a":1,}', "{'a':1}", 'NaN', 'Infinity',
    '\ufeff{}', '{"rulebook":"ed-triage","rulebook":"x","facts":{}}', '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"admin":true}}}', '{"a":"\\ud800"}', '{"\\u0000":1}', '{"a":"\\u0000"}', '"\\u0000"',
    nested(63, '[', ']'), nested(64, '[', ']'), nested(65, '[', ']'), nested(6_000, '[', ']'), nested(50_000, '[', ']'),
    nestedObjects(64), nestedObjects(65), nestedObjects(6_000), '[' + '1,'.repeat(100_000) + '1]', '1e999', '-1e999'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
);

// ---------------------------------------------------------------------------------------------------------------
// URLs and headers

/** Percent-encodes text for a URL, lone surrogates as the WTF-8 bytes no decoder should accept. */
function encode(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) out += '%' + [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => b.toString(16).toUpperCase()).join('%');
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** Encoded URL text that is malformed or decodes to something hostile. */
const rawUrlText = fc.constantFrom('%00', 'a%00b', '%', '%zz', '%ED%A0%80', '%C0%80', '%FF', '%2F', '%2e%2e', '..', '.', '+', '%20',
  'a%26b%3Dc', '%E2%80%A8', '%F0%9F%92%A5', 'x'.repeat(5_000));

/** A path segment: one of the plausible `seeds` (`seedWeight` in 4 + `seedWeight`), else hostile. */
function pathSegment(seeds: string[], seedWeight: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: seedWeight, arbitrary: fc.constantFrom(...seeds).map(encode) },
    { weight: 2, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 6_000).map(encode) },
    { weight: 2, arbitrary: rawUrlText },
  );
}

function queryString(names: string[]): fc.Arbitrary<string> {
  const name = fc.oneof(
    { weight: 4, arbitrary: names.length > 0 ? fc.constantFrom(...names).map(encode) : fc.constant('q') },
    { weight: 1, arbitrary: hostileKey.filter((k) => k.length < 100).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('outcome.acuity', 'outcome.%00', 'outcome.a%ED%A0%80', 'outcome.', 'outcome.__proto__', 'a[b]', 'a[]', '%00') },
  );
  const value = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('1', '0', '-1', '1000', '100000000000000000000', '2026-11-21T00:00:00Z', 'ed-triage', '1.0.0', 'Patient/1', 'csv', 'ndjson', 'fhir', '-evaluatedAt', 'true').map(encode) },
    { weight: 2, arbitrary: hostileString.filter((s) => s.length < 6_000).map(encode) },
    { weight: 1, arbitrary: rawUrlText },
  );
  return fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 5 })
    .map((pairs) => pairs.map(([n, v, withValue]) => (withValue ? `${n}=${v}` : n)).join('&'));
}

/** Header values HTTP can carry (no NUL, CR or LF), some hostile. */
const headerValue = fc.oneof(
  fc.constantFrom('key-1', 'k'.repeat(255), 'k'.repeat(256), 'é', '\u00ff\u0080', ' padded ', 'a\tb', '%00', '\\u0000'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }).filter((s) => !/[\r\n\0]/.test(s)),
);

const CALLERS = Object.keys(DEMO_TOKENS);

/** An Authorization header: mostly the token of a caller `allowed` to call the operation, else any other or a broken one. */
function authorization(allowed: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...(allowed.length > 0 ? allowed : CALLERS)).map((token) => `Bearer ${token}`) },
    { weight: 3, arbitrary: fc.constantFrom(...CALLERS).map((token) => `Bearer ${token}`) },
    { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer  ${CALLERS[0]}`, 'Bearer é', `bearer ${CALLERS[0]}`) },
  );
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/fhir+json'];
const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '') },
);

// ---------------------------------------------------------------------------------------------------------------
// The OpenAPI document

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>>; components: { schemas: Record<string, unknown>; parameters?: Record<string, unknown> } };

/** Resolves local `$ref`s (`#/components/...`) of an OpenAPI fragment, one level at a time. */
function resolve(doc: Doc, node: unknown): Record<string, unknown> {
  let current = node as Record<string, unknown>;
  while (current && typeof current.$ref === 'string') {
    current = (current.$ref as string).slice(2).split('/').reduce<unknown>((at, token) => (at as Record<string, unknown>)[token], doc) as Record<string, unknown>;
  }
  return current;
}

/** Every operation of the document. */
function operationsOf(doc: Doc): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = ((op.parameters as unknown[]) ?? []).map((p) => resolve(doc, p) as { name: string; in: string });
      const body = resolve(doc, (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.['application/json']?.schema);
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        headerParams: parameters.filter((p) => p.in === 'header').map((p) => p.name),
        ...(body && { bodySchema: body }),
      });
    }
  }
  return operations;
}

/** A plausible value of a JSON Schema: its example, else one built from its properties. */
function exampleOf(doc: Doc, schemaRef: unknown, depth = 0): Json {
  const schema = resolve(doc, schemaRef);
  if (!schema || depth > 6) return null;
  if ('example' in schema) return schema.example as Json;
  if (Array.isArray(schema.oneOf)) return exampleOf(doc, schema.oneOf[schema.oneOf.length - 1], depth + 1);
  if (schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties as Record<string, unknown>).map(([k, v]) => [k, exampleOf(doc, v, depth + 1)]));
  }
  if (schema.type === 'array') return [exampleOf(doc, schema.items, depth + 1)];
  if (schema.type === 'object') return {};
  if (schema.type === 'string') return 'x';
  if (schema.type === 'number' || schema.type === 'integer') return 1;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Sending and judging

/** Sends one request through Fastify's `inject` (the whole request lifecycle, without a socket), with a timeout. */
async function send(t: TestApp, req: FuzzRequest): Promise<Answer | 'timeout'> {
  const fastify = t.app.getHttpAdapter().getInstance();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), REQUEST_TIMEOUT_MS);
  });
  const answer = fastify.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined && { payload: req.payload }) })
    .then((res) => ({ status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body }),
      // Not the service's answer, but reported with the others rather than ending the run.
      (error: Error) => ({ status: 599, contentType: '', body: `inject failed: ${error.message}` }));
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What is wrong with an answer under the contract, or undefined. */
function breach(answer: Answer | 'timeout'): string | undefined {
  if (answer === 'timeout') return `no answer within ${REQUEST_TIMEOUT_MS} ms`;
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400) return undefined;
  if (!/^application\/problem\+json/.test(answer.contentType)) return `${answer.status} as ${answer.contentType || 'no content type'}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return `${answer.status} with a body that is not JSON`;
  }
  if (body.status !== answer.status || typeof body.title !== 'string' || body.title === '' || typeof body.type !== 'string' || body.type === '')
    return `${answer.status} problem without matching status, title or type`;
  return undefined;
}

function shorten(text: string | undefined, max = 300): string | undefined {
  if (text === undefined) return undefined;
  const printable = JSON.stringify(text).slice(1, -1);
  return printable.length > max ? `${printable.slice(0, max)}… (${text.length} characters)` : printable;
}

interface Breach {
  problem: string;
  request: string;
  body?: string;
  answer?: string;
}

interface RunReport {
  requests: number;
  byStatus: Record<number, number>;
  byOperation: Record<string, number>;
  breaches: Breach[];
  /** Breaches by kind: what was wrong and the problem `code` (or Fastify error code) answered. */
  kinds: Record<string, number>;
  /** The first breach of each kind. */
  examples: Breach[];
}

/** `code` of an answer's JSON body, when it has one. */
function answerCode(answer: Answer | 'timeout'): string {
  if (answer === 'timeout') return 'timeout';
  try {
    return String((JSON.parse(answer.body) as { code?: unknown }).code);
  } catch {
    return 'not JSON';
  }
}

/** Sends every request, `CONCURRENCY` at a time, and reports the answers that break the contract. */
async function run(t: TestApp, requests: FuzzRequest[]): Promise<RunReport> {
  const report: RunReport = { requests: requests.length, byStatus: {}, byOperation: {}, breaches: [], kinds: {}, examples: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const req = requests[next++];
      const answer = await send(t, req);
      report.byOperation[req.operation] = (report.byOperation[req.operation] ?? 0) + 1;
      if (answer !== 'timeout') report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1;
      const problem = breach(answer);
      if (problem) {
        const found: Breach = { problem, request: `${req.method} ${shorten(req.url, 200)} (${req.headers.authorization ?? 'no token'}, ${req.headers['content-type'] ?? 'no content type'})`,
          body: shorten(req.payload), answer: answer === 'timeout' ? undefined : shorten(answer.body, 200) };
        const kind = `${problem} ${answerCode(answer)}`;
        report.breaches.push(found);
        if (report.kinds[kind] === undefined) report.examples.push(found);
        report.kinds[kind] = (report.kinds[kind] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (BREACH_LOG) appendFileSync(BREACH_LOG, report.breaches.map((b) => JSON.stringify(b) + '\n').join(''));
  return report;
}

/** The report as the assertion shows it: the count of breaches by kind and an example of each, with the seed to replay. */
function verdict(report: RunReport): { seed: number; breaches: number; kinds: Record<string, number>; examples: Breach[] } {
  return { seed: SEED, breaches: report.breaches.length, kinds: report.kinds, examples: report.examples.slice(0, 12) };
}

const totals = { requests: 0, ms: 0, byStatus: {} as Record<number, number> };

// ---------------------------------------------------------------------------------------------------------------

/** Strings that must never be stored: U+0000 and lone surrogates, alone and inside text. */
const POISON = ['a\u0000b', '\ud800', 'x\udfff'];

/** Every path to a string in `value` (at most `limit`), and every path to an object (where a key can be added). */
function stringAndObjectPaths(value: Json, limit = 60): { strings: Path[]; objects: Path[] } {
  const all = pathsOf(value, 2_000);
  const at = (path: Path): Json => path.reduce<Json>((node, token) => (node as Record<string, Json>)[token as string], value);
  return {
    strings: all.filter((path) => typeof at(path) === 'string').slice(0, limit),
    objects: all.filter((path) => { const node = at(path); return node !== null && typeof node === 'object' && !Array.isArray(node); }).slice(0, limit),
  };
}

describe('fuzzing every route: no 5xx, no hang, every refusal problem+json', () => {
  let t: TestApp;
  let doc: Doc;
  let operations: Operation[];
  /** Plausible values per path parameter name. */
  let pathSeeds: Record<string, string[]>;
  /** Plausible bodies per operation (`METHOD /template`). */
  let bodySeeds: Record<string, Json[]>;
  /** The demo tokens an operation does not refuse with 401 or 403 (probed with a plausible request). */
  const allowedCallers: Record<string, string[]> = {};

  const nameOf = (op: Operation): string => `${op.method} ${op.path}`;
  const seedsOf = (op: Operation): Json[] => bodySeeds[nameOf(op)] ?? [op.bodySchema ? exampleOf(doc, op.bodySchema) : {}];
  const urlOf = (op: Operation, values: string[]): string => op.pathParams.reduce((url, name, i) => url.replace(`{${name}}`, values[i]), op.path);

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await request(t.server).get('/openapi.json').expect(200)).body as Doc;
    operations = operationsOf(doc);
    const facts = { ageYears: 50, respiratoryRate: 22, spo2: 95, onSupplementalOxygen: false, systolicBp: 120, heartRate: 90, consciousness: 'A', temperatureC: 37 };
    const decision = await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-workflow-engine' })
      .send({ rulebook: 'ed-triage', facts, context: { patientRef: 'Patient/fuzz-1' } }).expect(201);
    const versions = (await request(t.server).get('/v1/rulebooks/ed-triage/versions').set({ Authorization: 'Bearer dev-auditor' }).expect(200)).body as { version: string; contentHash: string }[];
    pathSeeds = {
      // First the draft the probe below creates (so that actions on it reach the service and its history).
      key: ['scheduling-eligibility', 'ed-triage', 'fuzz-book'],
      version: ['9.0.0', ...versions.map((v) => v.version)],
      decisionId: [decision.body.decisionId as string, '00000000-0000-4000-8000-000000000000'],
    };
    const scheduling = JSON.parse(readFileSync(join('rulebooks', 'scheduling-eligibility', '1.0.0.json'), 'utf8')) as Record<string, Json>;
    const bundle = fhirBundle([patient('p1', '1970-01-01'), ...vitalSignObservations('p1', new Date().toISOString(), { respiratoryRate: 22, heartRate: 90, spo2: 95 })]);
    const comment = 'Reviewed.';
    bodySeeds = {
      'POST /v1/decisions': [
        { rulebook: 'ed-triage', facts, context: { patientRef: 'Patient/p1', workflowInstanceId: 'wf-1', sourceEventId: 'e-1', encounterRef: 'Encounter/1' } },
        { rulebook: 'ed-triage', fhir: bundle as unknown as Json, asOf: new Date().toISOString(), fhirSearchComplete: ['Condition'] },
        { rulebook: 'scheduling-eligibility', facts: {}, version: '1.0.0' },
      ],
      'POST /v1/rulebooks/{key}/versions': [{ ...scheduling, version: '9.0.0' }, { copyOf: '1.0.0', version: '9.1.0' }],
      'PUT /v1/rulebooks/{key}/versions/{version}': [{ ...scheduling, version: '9.0.0' }],
      'POST /v1/rulebooks/{key}/versions/{version}/approve': [{ contentHash: versions[0].contentHash, comment }],
      'POST /v1/rulebooks/{key}/versions/{version}/activate': [{ comment }, { effectiveFrom: '2999-01-01T00:00:00Z', comment }],
      'POST /v1/rulebooks/{key}/versions/{version}/submit': [{ comment }],
      'POST /v1/rulebooks/{key}/versions/{version}/reject': [{ comment }],
      'POST /v1/rulebooks/{key}/versions/{version}/rollback': [{ comment }],
      'POST /v1/rulebooks/{key}/versions/{version}/retire': [{ comment }],
    };
    // Who may call what, from the answers to a plausible request (the first creates the draft 9.0.0): the fuzz sends
    // mostly those callers' tokens.
    for (const op of operations) {
      const url = urlOf(op, op.pathParams.map((name) => encode((pathSeeds[name] ?? ['x'])[0])));
      allowedCallers[nameOf(op)] = [];
      for (const caller of CALLERS) {
        const answer = await send(t, { method: op.method, url, operation: nameOf(op), headers: { authorization: `Bearer ${caller}`, 'content-type': 'application/json' },
          ...(op.method !== 'GET' && { payload: JSON.stringify(seedsOf(op)[0]) }) });
        if (answer !== 'timeout' && answer.status !== 401 && answer.status !== 403) allowedCallers[nameOf(op)].push(caller);
      }
    }
  });

  afterAll(async () => {
    // The size and duration of the run, for whoever tunes VERDICT_FUZZ_RUNS.
    console.log(`fuzz: ${totals.requests} requests in ${(totals.ms / 1000).toFixed(1)} s (seed ${SEED}, VERDICT_FUZZ_RUNS=${RUNS}); answers by status: ${JSON.stringify(totals.byStatus)}`);
    await t?.close();
  });

  /** A request to `op` with hostile path segments, query, headers and (for operations that take one) body. */
  function requestArbitrary(op: Operation, bodyKind: 'mutated' | 'raw' | 'plain'): fc.Arbitrary<FuzzRequest> {
    const raws: string[] = [];
    const raw = (text: string): string => {
      raws.push(text);
      return `${RAW_MARK}${raws.length - 1}`;
    };
    // Aimed at the body, the path mostly stays plausible so that the body reaches the service.
    const seedWeight = bodyKind === 'plain' ? 3 : 24;
    const segments = fc.tuple(...op.pathParams.map((name) => pathSegment(pathSeeds[name] ?? ['x'], seedWeight)));
    const seeds = seedsOf(op);
    const payload: fc.Arbitrary<string | undefined> = op.method === 'GET' ? fc.constant(undefined)
      : bodyKind === 'raw' ? rawBody
        : bodyKind === 'plain' ? fc.constantFrom(...seeds).map((seed) => JSON.stringify(seed))
          : mutatedBody(seeds, raw).map((body) => serialize(body, raws));
    const query = bodyKind === 'plain' ? queryString(op.queryParams) : fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryString(op.queryParams) });
    // The headers the operation declares, and those every operation reads.
    const headerNames = [...new Set([...op.headerParams.map((name) => name.toLowerCase()), 'idempotency-key', 'x-request-id'])];
    const extraHeaders = fc.tuple(...headerNames.map(() => fc.option(headerValue, { nil: undefined })));
    return fc.tuple(segments, query, authorization(allowedCallers[nameOf(op)]), contentType, extraHeaders, payload).map(([values, q, auth, type, extra, body]) => {
      const url = urlOf(op, values);
      const headers: Record<string, string> = {};
      if (auth !== '') headers.authorization = auth;
      if (body !== undefined && type !== '') headers['content-type'] = type;
      headerNames.forEach((name, i) => {
        if (extra[i] !== undefined) headers[name] = extra[i];
      });
      return { method: op.method, url: q === '' ? url : `${url}?${q}`, headers, payload: body, operation: nameOf(op) };
    });
  }

  /** `RUNS` requests per operation, the same seed for a replay. */
  function sample(kind: 'mutated' | 'raw' | 'plain', filter: (op: Operation) => boolean = () => true): FuzzRequest[] {
    return operations.filter(filter).flatMap((op, i) => fc.sample(requestArbitrary(op, kind), { numRuns: RUNS, seed: SEED + i }));
  }

  /**
   * Deterministic: for every operation and every caller allowed to call it, each string of each plausible body, each
   * path parameter and each declared query parameter in turn replaced by text with U+0000 or a lone surrogate, and a
   * key with them added to each object of the body.
   */
  function poisoned(): FuzzRequest[] {
    const requests: FuzzRequest[] = [];
    for (const op of operations) {
      const callers = allowedCallers[nameOf(op)].length > 0 ? allowedCallers[nameOf(op)] : [CALLERS[0]];
      const plainValues = op.pathParams.map((name) => encode((pathSeeds[name] ?? ['x'])[0]));
      const headers = (i: number): Record<string, string> => ({ authorization: `Bearer ${callers[i % callers.length]}`, 'content-type': 'application/json' });
      let n = 0;
      const add = (url: string, payload: string | undefined): void => {
        requests.push({ method: op.method, url, headers: headers(n++), operation: nameOf(op), ...(payload !== undefined && { payload }) });
      };
      const plainBody = op.method === 'GET' ? undefined : JSON.stringify(seedsOf(op)[0]);
      op.pathParams.forEach((_name, i) => {
        for (const text of ['a\u0000b', '\u0000']) add(urlOf(op, plainValues.map((v, j) => (i === j ? encode(text) : v))), plainBody);
      });
      for (const name of op.queryParams) add(`${urlOf(op, plainValues)}?${encode(name.replace('<field>', 'acuity'))}=${encode('a\u0000b')}`, plainBody);
      if (op.method === 'GET') continue;
      for (const seed of seedsOf(op)) {
        const { strings, objects } = stringAndObjectPaths(seed);
        for (const path of strings) for (const text of POISON) add(urlOf(op, plainValues), JSON.stringify(mutate(seed, [{ path, action: 'replace', key: '', value: text }])));
        for (const path of objects) for (const key of [...POISON, 'constructor', 'prototype']) add(urlOf(op, plainValues), JSON.stringify(mutate(seed, [{ path, action: 'add-key', key, value: { constructor: true } }])));
      }
    }
    return requests;
  }

  async function fuzz(requests: FuzzRequest[]): Promise<RunReport> {
    const started = Date.now();
    const report = await run(t, requests);
    totals.requests += report.requests;
    totals.ms += Date.now() - started;
    for (const [status, count] of Object.entries(report.byStatus)) totals.byStatus[Number(status)] = (totals.byStatus[Number(status)] ?? 0) + count;
    return report;
  }

  it('reads the routes from the OpenAPI document, every one of them', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    expect(operations.map(nameOf)).toEqual(expect.arrayContaining(['POST /v1/decisions', 'PUT /v1/rulebooks/{key}/versions/{version}', 'GET /v1/audit/decisions']));
    expect(allowedCallers['POST /v1/decisions']).toContain('dev-workflow-engine');
  });

  it('every string, key, path parameter and query parameter of plausible requests, poisoned with U+0000 or a lone surrogate', async () => {
    const report = await fuzz(poisoned());
    expect(verdict(report)).toStrictEqual({ seed: SEED, breaches: 0, kinds: {}, examples: [] });
  });

  it('mutated bodies (hostile values and keys anywhere, wrong types, deep nesting) on every operation that takes a body', async () => {
    const report = await fuzz(sample('mutated', (op) => op.method !== 'GET'));
    expect(verdict(report)).toStrictEqual({ seed: SEED, breaches: 0, kinds: {}, examples: [] });
    // The mutations keep some requests valid enough to be served: the generator reaches the services.
    expect(Object.entries(report.byStatus).filter(([status]) => Number(status) < 300).reduce((n, [, count]) => n + count, 0)).toBeGreaterThan(0);
  });

  it('raw bodies that are not what any operation takes (not JSON, empty, deep, huge, prototype poisoning)', async () => {
    const report = await fuzz(sample('raw', (op) => op.method !== 'GET'));
    expect(verdict(report)).toStrictEqual({ seed: SEED, breaches: 0, kinds: {}, examples: [] });
  });

  it('hostile path segments, query strings and headers on every operation', async () => {
    const report = await fuzz(sample('plain'));
    expect(verdict(report)).toStrictEqual({ seed: SEED, breaches: 0, kinds: {}, examples: [] });
    expect(Object.keys(report.byOperation).sort()).toStrictEqual(operations.map(nameOf).sort());
  });

  describe('the reproductions of issue 9, each answered 4xx problem+json with a pointer', () => {
    const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };
    const AUTHOR = { Authorization: 'Bearer dev-author' };
    const AUDITOR = { Authorization: 'Bearer dev-auditor' };
    const FACTS = { ageYears: 50 };

    function expectProblem(res: request.Response, status: number, code: string, pointers: string[] = []): void {
      expect(breach({ status: res.status, contentType: String(res.headers['content-type']), body: res.text })).toBeUndefined();
      expect(res.body).toMatchObject({ status, code });
      expect((res.body.errors ?? []).map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(pointers));
    }

    async function decisionCount(): Promise<number> {
      return Number((await t.sql<{ n: string }>('SELECT count(*) AS n FROM decision'))[0].n);
    }

    it('a constructor key inside an unexpected property: 400 naming /zzz (class-transformer crashed: 500)', async () => {
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: FACTS, zzz: { constructor: true } });
      expectProblem(res, 400, 'VALIDATION_FAILED', ['/zzz']);
      const action = await request(t.server).post('/v1/rulebooks/ed-triage/versions/1.0.0/submit').set(AUTHOR).send({ comment: 'x', zzz: { constructor: true } });
      expectProblem(action, 400, 'VALIDATION_FAILED', ['/zzz']);
      const copy = await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '1.0.0', version: { constructor: {} } });
      expectProblem(copy, 400, 'VALIDATION_FAILED', ['/version/constructor']);
    });

    it('JSON nested 6,000 levels: 400 JSON_TOO_DEEP pointing at the deepest allowed level (the stack overflowed: 500)', async () => {
      const deep = '['.repeat(6_000) + ']'.repeat(6_000);
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).type('json').send(`{"rulebook":"ed-triage","facts":{"ageYears":50},"zzz":${deep}}`);
      expectProblem(res, 400, 'JSON_TOO_DEEP');
      expect(res.body.errors).toStrictEqual([{ pointer: '/zzz' + '/0'.repeat(62), message: 'nests objects or arrays more than 64 levels deep below this point' }]);
      const objects = '{"a":'.repeat(6_000) + '1' + '}'.repeat(6_000);
      expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions/1.0.0/submit').set(AUTHOR).type('json').send(objects), 400, 'JSON_TOO_DEEP', ['/a'.repeat(63)]);
      // 64 levels are within the limit: refused for what they are (an unknown property), not for their depth.
      const atLimit = await request(t.server).post('/v1/decisions').set(ENGINE).type('json').send(`{"rulebook":"ed-triage","facts":{"ageYears":50},"zzz":${'['.repeat(63)}${']'.repeat(63)}}`);
      expectProblem(atLimit, 400, 'VALIDATION_FAILED', ['/zzz']);
    });

    it('U+0000 in a path, a query parameter, a title or a comment: 400 INVALID_CHARACTER (PostgreSQL refused it: 500)', async () => {
      expectProblem(await request(t.server).get('/v1/rulebooks/ed%00triage/versions').set(AUTHOR), 400, 'INVALID_CHARACTER', ['/path/key']);
      expectProblem(await request(t.server).get('/v1/audit/decisions/a%00b').set(AUDITOR), 400, 'INVALID_CHARACTER', ['/path/decisionId']);
      expectProblem(await request(t.server).get('/v1/audit/decisions?outcome.acuity%00=1').set(AUDITOR), 400, 'INVALID_CHARACTER', ['/query/outcome.acuity\ufffd']);
      expectProblem(await request(t.server).get('/v1/audit/decisions?patientRef=Patient%2F1%00').set(AUDITOR), 400, 'INVALID_CHARACTER', ['/query/patientRef']);
      const history = async (): Promise<number> => Number((await t.sql<{ n: string }>('SELECT count(*) AS n FROM rulebook_history'))[0].n);
      const before = await history();
      expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions/1.0.0/submit').set(AUTHOR).send({ comment: 'looks fine\u0000' }), 400, 'INVALID_CHARACTER', ['/comment']);
      const document = JSON.parse(readFileSync(join('rulebooks', 'scheduling-eligibility', '1.0.0.json'), 'utf8')) as Record<string, unknown>;
      const titled = await request(t.server).post('/v1/rulebooks/scheduling-eligibility/versions').set(AUTHOR).send({ ...document, version: '8.0.0', title: 'Eligibility\u0000' });
      expectProblem(titled, 400, 'INVALID_CHARACTER', ['/title']);
      expect(await history()).toBe(before);
    });

    it('U+0000 in context.patientRef: 400 INVALID_CHARACTER and nothing recorded (it answered 503 AUDIT_UNAVAILABLE, a faked outage)', async () => {
      const before = await decisionCount();
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: FACTS, context: { patientRef: 'Patient/1\u0000' } });
      expectProblem(res, 400, 'INVALID_CHARACTER', ['/context/patientRef']);
      expect(await decisionCount()).toBe(before);
    });

    it('lone surrogates in a string or a key: 400 INVALID_CHARACTER naming each', async () => {
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).type('json')
        .send('{"rulebook":"ed-triage","facts":{"ageYears":50},"context":{"patientRef":"Patient/\\ud800","workflowInstanceId":"wf-\\udc00x"}}');
      expectProblem(res, 400, 'INVALID_CHARACTER', ['/context/patientRef', '/context/workflowInstanceId']);
      const key = await request(t.server).post('/v1/decisions').set(ENGINE).type('json').send('{"rulebook":"ed-triage","facts":{"ageYears":50,"\\ud83d":1}}');
      expectProblem(key, 400, 'INVALID_CHARACTER', ['/facts/\ufffd']);
    });

    it('Bundle entries that are not objects, or hold nothing: 422 FHIR_INVALID pointing at each (they were accepted)', async () => {
      const fhir = { resourceType: 'Bundle', type: 'collection', entry: [1, 'Patient/1', null, [], { fullUrl: 'urn:uuid:0' }, { resource: { resourceType: 'Patient', birthDate: '1976-01-01' } }] };
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', fhir });
      expectProblem(res, 422, 'FHIR_INVALID', ['/fhir/entry/0', '/fhir/entry/1', '/fhir/entry/2', '/fhir/entry/3', '/fhir/entry/4']);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).not.toContain('/fhir/entry/5');
    });

    it('a value the database refuses as data (SQLSTATE class 22) answers 400 UNSTORABLE_VALUE, never 503', async () => {
      await t.sql(`CREATE FUNCTION refuse_value() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'untranslatable' USING ERRCODE = 'untranslatable_character'; END $$`);
      await t.sql('CREATE TRIGGER refuse_value BEFORE INSERT ON decision_fact FOR EACH ROW EXECUTE FUNCTION refuse_value()');
      try {
        const before = await decisionCount();
        const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: FACTS });
        expectProblem(res, 400, 'UNSTORABLE_VALUE');
        expect(res.text).not.toMatch(/untranslatable|decision_fact|INSERT/);
        expect(await decisionCount()).toBe(before);
      } finally {
        await t.sql('DROP TRIGGER refuse_value ON decision_fact');
        await t.sql('DROP FUNCTION refuse_value()');
      }
    });

    it('prototype poisoning: 400 FORBIDDEN_KEY naming the key', async () => {
      const proto = await request(t.server).post('/v1/decisions').set(ENGINE).type('json').send('{"rulebook":"ed-triage","facts":{"ageYears":50},"context":{"__proto__":{"admin":true}}}');
      expectProblem(proto, 400, 'FORBIDDEN_KEY', ['/context/__proto__']);
      const ctor = await request(t.server).post('/v1/rulebooks/ed-triage/versions/1.0.0/submit').set(AUTHOR).type('json').send('{"constructor":{"prototype":{"admin":true}}}');
      expectProblem(ctor, 400, 'FORBIDDEN_KEY', ['/constructor/prototype']);
    });

    it('takes JSON as application/json or application/fhir+json and nothing else (415), and a URL that does not decode is 400', async () => {
      const body = JSON.stringify({ rulebook: 'ed-triage', facts: FACTS });
      expect((await request(t.server).post('/v1/decisions').set(ENGINE).set('Content-Type', 'application/fhir+json').send(body)).status).toBe(201);
      expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).set('Content-Type', 'text/plain').send(body), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).type('form').send('rulebook=ed-triage&constructor=1'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      const badUrl = await request(t.server).get('/v1/decisions/%ED%A0%80').set(ENGINE);
      expectProblem(badUrl, 400, 'INVALID_URL');
      expect(badUrl.headers['x-request-id']).toBe(badUrl.body.requestId);
      expectProblem(await request(t.server).get(`/v1/decisions/${'x'.repeat(101)}`).set(ENGINE), 414, 'URI_TOO_LONG');
    });
  });
});
