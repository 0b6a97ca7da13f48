import request from 'supertest';
import { API_CSP, DOCS_CSP, HSTS_VALUE } from '../../src/common/http-security.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 9, items 7 and 8: the per-caller rate limit (keyed on the normalised bearer token, else the client address,
 * `X-Forwarded-For` believed only from `TRUST_PROXY`; health probes limited too), the security headers of every
 * answer and CORS for the configured origins only.
 */

const FACTS = { ageYears: 40, respiratoryRate: 16, spo2: 98, onSupplementalOxygen: false, systolicBp: 125, heartRate: 70, consciousness: 'A', temperatureC: 36.8 };
const UNKNOWN_DECISION = '/v1/decisions/00000000-0000-4000-8000-000000000000';

function expectRateLimited(res: request.Response): void {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

/** The headers every answer carries, whatever its status. */
function expectSecurityHeaders(res: request.Response, csp = API_CSP): void {
  expect(res.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': csp,
    'referrer-policy': 'no-referrer',
  });
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  // `no-store` (the readiness probe's own value, `no-cache, no-store, must-revalidate`, has it too).
  expect(res.headers['cache-control']).toMatch(/(^|, )no-store(,|$)/);
}

describe('rate limiting per caller (RATE_LIMIT_PER_SECOND=1, no trusted proxy)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts two spellings of one bearer token in one bucket, and other tokens apart', async () => {
    await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-workflow-engine' }).send({ rulebook: 'ed-triage', facts: FACTS }).expect(201);
    const second = await request(t.server).post('/v1/decisions').set({ Authorization: 'bearer   dev-workflow-engine' }).send({ rulebook: 'ed-triage', facts: FACTS });
    expectRateLimited(second);
    expectSecurityHeaders(second);
    expect(await t.sql(`SELECT id FROM decision`)).toHaveLength(1);
    await request(t.server).get(UNKNOWN_DECISION).set({ Authorization: 'Bearer dev-auditor' }).expect(404);
  });

  it('keys a caller without a token on its socket address: X-Forwarded-For is ignored', async () => {
    await request(t.server).get(UNKNOWN_DECISION).set('X-Forwarded-For', '203.0.113.1').expect(401);
    expectRateLimited(await request(t.server).get(UNKNOWN_DECISION).set('X-Forwarded-For', '203.0.113.2'));
  });

  it('limits the health probes too, in a bucket of their own', async () => {
    await request(t.server).get('/health/ready').expect(200);
    expectRateLimited(await request(t.server).get('/health/ready'));
    expectRateLimited(await request(t.server).get('/health/live'));
    await request(t.server).get(UNKNOWN_DECISION).set({ Authorization: 'Bearer dev-pinning-engine' }).expect(404);
  });
});

describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_SECOND: '1', TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keys callers without a token on the client address the proxy forwards', async () => {
    await request(t.server).get(UNKNOWN_DECISION).set('X-Forwarded-For', '203.0.113.1').expect(401);
    await request(t.server).get(UNKNOWN_DECISION).set('X-Forwarded-For', '203.0.113.2').expect(401);
    expectRateLimited(await request(t.server).get(UNKNOWN_DECISION).set('X-Forwarded-For', '198.51.100.9, 203.0.113.1'));
  });

  it('sends HSTS when the proxy says the request came over https, not when it came over http', async () => {
    const https = await request(t.server).get('/health/live').set({ 'X-Forwarded-For': '203.0.113.10', 'X-Forwarded-Proto': 'https' }).expect(200);
    expect(https.headers['strict-transport-security']).toBe(HSTS_VALUE);
    const http = await request(t.server).get('/health/live').set({ 'X-Forwarded-For': '203.0.113.11', 'X-Forwarded-Proto': 'http' }).expect(200);
    expect(http.headers['strict-transport-security']).toBeUndefined();
  });

  it('sends no CORS header when no origin is configured', async () => {
    const res = await request(t.server).get('/health/live').set({ 'X-Forwarded-For': '203.0.113.12', Origin: 'https://console.example.org' }).expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('security headers and CORS (CORS_ORIGINS=https://console.example.org)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://console.example.org' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('puts no-store, nosniff, frame denial and a CSP on /v1 successes and problems alike', async () => {
    const created = await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-workflow-engine' }).send({ rulebook: 'ed-triage', facts: FACTS }).expect(201);
    expectSecurityHeaders(created);
    expectSecurityHeaders(await request(t.server).get(`/v1/decisions/${created.body.decisionId}`).set({ Authorization: 'Bearer dev-auditor' }).expect(200));
    expectSecurityHeaders(await request(t.server).get('/v1/audit/decisions').set({ Authorization: 'Bearer dev-auditor' }).expect(200));
    expectSecurityHeaders(await request(t.server).post('/v1/decisions').send({ rulebook: 'ed-triage', facts: FACTS }).expect(401));
    expectSecurityHeaders(await request(t.server).post('/v1/decisions').set({ Authorization: 'Bearer dev-workflow-engine' })
      .set('Content-Type', 'application/json').send('{"rulebook":').expect(400));
    expectSecurityHeaders(await request(t.server).get('/v1/no-such-route').expect(404));
    // Refused by the router before any route runs.
    expectSecurityHeaders(await request(t.server).get('/v1/decisions/%ED%A0%80').set({ Authorization: 'Bearer dev-auditor' }).expect(400));
    expectSecurityHeaders(await request(t.server).get(`/v1/decisions/${'x'.repeat(101)}`).set({ Authorization: 'Bearer dev-auditor' }).expect(414));
    expectSecurityHeaders(await request(t.server).get('/health/ready').expect(200));
  });

  it('sends no HSTS over plain http, even when a proxy that is not trusted claims https', async () => {
    const res = await request(t.server).get('/health/live').set('X-Forwarded-Proto', 'https').expect(200);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('allows the configured origin cross-origin, and no other', async () => {
    const listed = await request(t.server).get('/health/live').set('Origin', 'https://console.example.org').expect(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://console.example.org');
    expect(listed.headers.vary).toMatch(/Origin/i);
    const preflight = await request(t.server).options('/v1/decisions').set({ Origin: 'https://console.example.org',
      'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' }).expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example.org');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/i);
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    for (const origin of ['https://evil.example', 'https://console.example.org.evil.example', 'http://console.example.org']) {
      const other = await request(t.server).get('/v1/audit/decisions').set({ Origin: origin, Authorization: 'Bearer dev-auditor' }).expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const otherPreflight = await request(t.server).options('/v1/decisions').set({ Origin: origin, 'Access-Control-Request-Method': 'POST' });
      expect(otherPreflight.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('serves Swagger UI at /docs under a CSP that lets its own scripts, styles and assets load, and no inline script', async () => {
    const page = await request(t.server).get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expectSecurityHeaders(page, DOCS_CSP);
    const html = page.text;
    // The CSP allows no inline script: every <script> of the page loads a file.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(body.trim()).toBe('');
    }
    const assets = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/swagger-ui-bundle\.js$/), expect.stringMatching(/swagger-ui-init\.js$/),
      expect.stringMatching(/swagger-ui\.css$/)]));
    for (const asset of assets) {
      // Same origin only (script-src, style-src and img-src 'self').
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, 'http://verdict.test/docs').pathname;
      const res = await request(t.server).get(url).expect(200);
      expect(res.headers['content-type']).toMatch(/javascript|css|image/);
    }
    // The init script fetches the OpenAPI document from this origin (connect-src 'self').
    const init = await request(t.server).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toMatch(/openapi\.json|"openapi":\s*"3/);
    expectSecurityHeaders(await request(t.server).get('/openapi.json').expect(200));
  });
});
