import request from 'supertest';
import { APPROVER, AUDITOR, AUTHOR, AUTHOR_2, NORMAL_ADULT, ENGINE, SAFETY_OFFICER, stricterTriage, versionPath } from '../support/governance.js';
import { componentSchemaValidator, type Json } from '../support/openapi-schemas.js';
import { startTestApp, type TestApp } from '../support/test-app.js';




/** The governance API's answers are what `/openapi.json` says they are, field by field (no field undocumented). */
describe('governance API in OpenAPI', () => {
  let t: TestApp;
  let document: Json;
  let matches: ReturnType<typeof componentSchemaValidator>;

  function expectMatches(body: unknown, name: string): void {
    expect({ name, ...matches(body, name) }).toEqual({ name, valid: true, errors: null });
  }

  /** The schema name an operation documents for its success status. */
  function documented(path: string, method: string, status: string): { name: string; isArray: boolean } {
    const schema = document.paths[path][method].responses[status].content['application/json'].schema as Json;
    const ref = (schema.items ?? schema).$ref as string;
    return { name: ref.split('/').at(-1)!, isArray: schema.type === 'array' };
  }

  function expectAnswer(body: unknown, path: string, method: string, status = '200'): void {
    const { name, isArray } = documented(path, method, status);
    if (isArray) {
      expect(Array.isArray(body)).toBe(true);
      for (const item of body as unknown[]) expectMatches(item, name);
    } else {
      expectMatches(body, name);
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    document = (await request(t.server).get('/openapi.json').expect(200)).body;
    matches = componentSchemaValidator(document);
  });
  afterAll(async () => {
    await t.close();
  });

  it('describes every answer of the lifecycle, the reads, the diff, the simulation and the history', async () => {
    const V = '/v1/rulebooks/{key}/versions/{version}';
    await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: NORMAL_ADULT }).expect(201);

    expectAnswer((await request(t.server).get('/v1/rulebooks').set(AUDITOR).expect(200)).body, '/v1/rulebooks', 'get');
    const created = await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(stricterTriage('1.2.0')).expect(201);
    expectAnswer(created.body, '/v1/rulebooks/{key}/versions', 'post', '201');
    expectAnswer((await request(t.server).put(versionPath('ed-triage', '1.2.0')).set(AUTHOR_2).send(stricterTriage('1.2.0')).expect(200)).body, V, 'put');
    const submitted = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'submit')).set(AUTHOR).send({ comment: 'Stricter RR band.' }).expect(200);
    expectAnswer(submitted.body, `${V}/submit`, 'post');
    const hash = submitted.body.contentHash as string;
    expectAnswer((await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(APPROVER).send({ contentHash: hash }).expect(200)).body, `${V}/approve`, 'post');
    await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(SAFETY_OFFICER).send({ contentHash: hash }).expect(200);
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000).toISOString();
    expectAnswer((await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({ effectiveFrom: at }).expect(200)).body, `${V}/activate`, 'post');
    await request(t.server).post(versionPath('ed-triage', '1.1.0', 'rollback')).set(APPROVER).send({ comment: 'Refused: it is active.' }).expect(409);
    await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({ effectiveFrom: '2020-01-01T00:00:00.000Z' }).expect(422);

    expectAnswer((await request(t.server).get('/v1/rulebooks/ed-triage/versions').set(AUDITOR).expect(200)).body, '/v1/rulebooks/{key}/versions', 'get');
    expectAnswer((await request(t.server).get(versionPath('ed-triage', '1.2.0')).set(AUDITOR).expect(200)).body, V, 'get');
    expectAnswer((await request(t.server).get(versionPath('ed-triage', '1.2.0', 'diff')).set(AUDITOR).expect(200)).body, `${V}/diff`, 'get');
    expectAnswer((await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(AUTHOR).send({}).expect(200)).body, `${V}/simulate`, 'post');
    const history = await request(t.server).get('/v1/rulebooks/ed-triage/history?limit=3').set(AUDITOR).expect(200);
    expectAnswer(history.body, '/v1/rulebooks/{key}/history', 'get');
    expectAnswer((await request(t.server).get('/v1/rulebooks/ed-triage/history?limit=1000').set(AUDITOR).expect(200)).body, '/v1/rulebooks/{key}/history', 'get');

    await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '1.2.0', version: '1.3.0' }).expect(201);
    await request(t.server).post(versionPath('ed-triage', '1.3.0', 'submit')).set(AUTHOR).send({}).expect(200);
    expectAnswer((await request(t.server).post(versionPath('ed-triage', '1.3.0', 'reject')).set(APPROVER).send({ comment: 'Duplicate.' }).expect(200)).body, `${V}/reject`, 'post');
    await request(t.server).post(versionPath('ed-triage', '1.1.0', 'activate')).set(APPROVER).send({}).expect(200);
    expectAnswer((await request(t.server).post(versionPath('ed-triage', '1.0.0', 'retire')).set(APPROVER).send({}).expect(200)).body, `${V}/retire`, 'post');
  });
});
