import request from 'supertest';
import { componentSchemaValidator, type Json } from '../support/openapi-schemas.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ENGINE = { Authorization: 'Bearer dev-workflow-engine' };
const AUDITOR = { Authorization: 'Bearer dev-auditor' };
const PROBLEM = 'application/problem+json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;


/** Every operation of the document: `METHOD /path` and its operation object. */
function operations(document: Json): [string, Json][] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method): [string, Json] => [`${method.toUpperCase()} ${path}`, item[method]]));
}

/** Every `$ref` string anywhere in `node`. */
function refs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refs);
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([key, value]) => (key === '$ref' && typeof value === 'string' ? [value] : refs(value)));
  return [];
}


describe('OpenAPI document (/openapi.json)', () => {
  let t: TestApp;
  let document: Json;
  let matches: ReturnType<typeof componentSchemaValidator>;

  /** Asserts that `body` is valid against the component schema `name` (closed: no undocumented fields). */
  function expectMatches(body: unknown, name: string): void {
    expect({ ...matches(body, name) }).toEqual({ valid: true, errors: null });
  }

  beforeAll(async () => {
    t = await startTestApp();
    document = (await request(t.server).get('/openapi.json').expect(200)).body;
    matches = componentSchemaValidator(document);
  });
  afterAll(async () => {
    await t.close();
  });

  it('is an OpenAPI 3 document whose every $ref resolves', () => {
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(operations(document).length).toBeGreaterThan(10);
    for (const ref of new Set(refs(document))) {
      const target = ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
      expect({ ref, resolves: target !== undefined }).toEqual({ ref, resolves: true });
    }
  });

  it('gives every operation a success response with a schema for each media type', () => {
    for (const [operation, spec] of operations(document)) {
      const successes = Object.entries(spec.responses as Json).filter(([status]) => /^2\d\d$/.test(status));
      expect({ operation, successes: successes.length > 0 }).toEqual({ operation, successes: true });
      for (const [status, response] of successes) {
        if (status === '204') continue;
        const content = Object.entries((response.content ?? {}) as Json);
        expect({ operation, status, mediaTypes: content.length > 0 }).toEqual({ operation, status, mediaTypes: true });
        for (const [mediaType, media] of content) {
          const schema = media.schema as Json | undefined;
          expect({ operation, mediaType, schema: Boolean(schema && (schema.$ref || schema.type || schema.oneOf || schema.allOf)) })
            .toEqual({ operation, mediaType, schema: true });
        }
      }
    }
  });

  it('answers every 4xx/5xx as application/problem+json with the ProblemDetails schema', () => {
    let errorResponses = 0;
    for (const [operation, spec] of operations(document)) {
      for (const [status, response] of Object.entries(spec.responses as Json)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        errorResponses += 1;
        expect({ operation, status, content: response.content }).toEqual({ operation, status, content: { [PROBLEM]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } } });
      }
    }
    expect(errorResponses).toBeGreaterThan(50);
    const problem = document.components.schemas.ProblemDetails;
    expect(Object.keys(problem.properties).sort()).toEqual(['code', 'detail', 'errors', 'instance', 'requestId', 'status', 'title', 'type']);
    expect([...problem.required].sort()).toEqual(['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type']);
  });

  it('declares Idempotency-Key once, optional, and POST /v1/decisions refers to it', () => {
    const declared = Object.entries(document.components.parameters as Json).filter(([, p]) => /^idempotency-key$/i.test(p.name));
    expect(declared).toEqual([['IdempotencyKey', expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]]);
    expect(document.paths['/v1/decisions'].post.parameters).toEqual([{ $ref: '#/components/parameters/IdempotencyKey' }]);
    for (const [operation, spec] of operations(document)) {
      const inline = ((spec.parameters ?? []) as Json[]).filter((p) => typeof p.name === 'string' && /^idempotency-key$/i.test(p.name));
      expect({ operation, inline }).toEqual({ operation, inline: [] });
    }
  });

  it('describes the bearer scheme without a bearerFormat: a JWT from a trusted issuer or an opaque static token', () => {
    const bearer = document.components.securitySchemes.bearer;
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(bearer.description).toMatch(/OAuth 2\.0 access token \(a JWT .*\) or an opaque static token/);
    for (const scheme of Object.values(document.components.securitySchemes as Json)) expect(scheme.bearerFormat).toBeUndefined();
  });

  it('documents non-JSON bodies by their media types: audit exports and Prometheus metrics', () => {
    expect(Object.keys(document.paths['/v1/audit/decisions/export'].get.responses['200'].content).sort())
      .toEqual(['application/fhir+json', 'application/x-ndjson', 'text/csv']);
    expect(Object.keys(document.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain; version=0.0.4; charset=utf-8']);
  });

  it('describes what the decisions, audit and health endpoints really send, field by field', async () => {
    const body = { rulebook: 'ed-triage', asOf: '2026-11-21T09:30:00.000Z', context: { patientRef: 'Patient/openapi-1' },
      facts: { ageYears: 54, respiratoryRate: 26, spo2: 90, onSupplementalOxygen: false, systolicBp: 120, heartRate: 120, consciousness: 'A', temperatureC: 37.0 } };
    const created = await request(t.server).post('/v1/decisions').set(ENGINE).set('Idempotency-Key', 'openapi-1').send(body).expect(201);
    expectMatches(created.body, 'DecisionRecordDto');
    expect(matches({ ...created.body, undocumented: true }, 'DecisionRecordDto').valid).toBe(false);
    const id = created.body.decisionId as string;
    expectMatches((await request(t.server).get(`/v1/decisions/${id}`).set(AUDITOR).expect(200)).body, 'DecisionRecordDto');
    expectMatches((await request(t.server).get(`/v1/audit/decisions/${id}`).set(AUDITOR).expect(200)).body, 'DecisionAuditDetailDto');
    expectMatches((await request(t.server).get('/v1/audit/decisions?patientRef=Patient/openapi-1').set(AUDITOR).expect(200)).body, 'DecisionSearchPageDto');
    expectMatches((await request(t.server).get('/v1/audit/integrity').set(AUDITOR).expect(200)).body, 'IntegrityReportDto');
    expectMatches((await request(t.server).get('/v1/audit/access-log?limit=5').set(AUDITOR).expect(200)).body, 'AccessLogPageDto');
    expectMatches((await request(t.server).get('/health/live').expect(200)).body, 'LivenessDto');
    expectMatches((await request(t.server).get('/health/ready').expect(200)).body, 'ReadinessDto');
  });

  it('describes the problems really sent: with pointers (400) and without (401, 404)', async () => {
    const invalid = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', asOf: 'yesterday' }).expect(400);
    expect(invalid.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(invalid.body.errors.length).toBeGreaterThan(0);
    expectMatches(invalid.body, 'ProblemDetails');
    expectMatches((await request(t.server).get('/v1/decisions/00000000-0000-4000-8000-000000000000').expect(401)).body, 'ProblemDetails');
    expectMatches((await request(t.server).get('/v1/audit/decisions/00000000-0000-4000-8000-000000000000').set(AUDITOR).expect(404)).body, 'ProblemDetails');
  });
});
