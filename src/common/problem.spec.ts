import { QueryFailedError } from 'typeorm';
import { DomainError } from './domain-error.js';
import { renderProblem } from './problem.js';

describe('renderProblem', () => {
  it('renders a DomainError with its code, pointers and headers', () => {
    const r = renderProblem(new DomainError(422, 'UNPROCESSABLE_FACTS', 'Unprocessable input', 'spo2 out of range', [{ pointer: '/facts/spo2', message: 'above 100' }]), '/v1/decisions', 'rid');
    expect(r.status).toBe(422);
    expect(r.body).toEqual({ type: 'urn:verdict:problem:unprocessable-facts', title: 'Unprocessable input', status: 422, detail: 'spo2 out of range',
      instance: '/v1/decisions', code: 'UNPROCESSABLE_FACTS', requestId: 'rid', errors: [{ pointer: '/facts/spo2', message: 'above 100' }] });
  });

  it('maps a lost database connection to 503 with Retry-After', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const r = renderProblem(error, '/v1/decisions', 'rid');
    expect(r.status).toBe(503);
    expect(r.headers['Retry-After']).toBeDefined();
    expect(r.body.code).toBe('DATABASE_UNAVAILABLE');
  });

  it('maps a unique violation to 409', () => {
    const error = new QueryFailedError('INSERT …', [], Object.assign(new Error('duplicate key'), { code: '23505' }));
    expect(renderProblem(error, '/x', 'rid').status).toBe(409);
  });

  it('hides unexpected errors behind an opaque 500 that names only the request id', () => {
    const r = renderProblem(new TypeError("Cannot read properties of undefined (reading 'x') at /work/src/a.ts:1"), '/x', 'rid-9');
    expect(r.status).toBe(500);
    expect(r.unexpected).toBe(true);
    expect(JSON.stringify(r.body)).not.toMatch(/Cannot read|a\.ts/);
    expect(r.body.detail).toContain('rid-9');
  });

  it('renders Fastify body errors: 413 and malformed JSON', () => {
    expect(renderProblem(Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), '/x', 'r').body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(renderProblem(Object.assign(new SyntaxError('Unexpected end of JSON input'), { statusCode: 400 }), '/x', 'r').body.code).toBe('MALFORMED_JSON');
  });

  it('renders the router\'s refusals: a URL that does not decode 400 INVALID_URL, a path parameter too long 414', () => {
    const badUrl = renderProblem(Object.assign(new URIError("'/v1/x/%ED%A0%80' is not a valid url component"), { code: 'FST_ERR_BAD_URL', statusCode: 400 }), '/v1/x/%ED%A0%80', 'r');
    expect(badUrl).toMatchObject({ status: 400, body: { code: 'INVALID_URL', status: 400 } });
    expect(badUrl.body.errors).toBeUndefined();
    expect(renderProblem(Object.assign(new URIError('too long'), { code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414 }), '/x', 'r'))
      .toMatchObject({ status: 414, body: { code: 'URI_TOO_LONG', status: 414 } });
    expect(renderProblem(Object.assign(new Error('empty'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }), '/x', 'r').body.code).toBe('MALFORMED_JSON');
  });

  it('answers a value the database refuses (SQLSTATE class 22) 400 UNSTORABLE_VALUE, never 503, logged as unexpected', () => {
    for (const code of ['22021', '22P05']) {
      const r = renderProblem(new QueryFailedError('INSERT …', ['a\u0000'], Object.assign(new Error('invalid byte sequence'), { code })), '/v1/decisions', 'rid');
      expect(r).toMatchObject({ status: 400, unexpected: true, body: { code: 'UNSTORABLE_VALUE', status: 400 } });
      expect(JSON.stringify(r.body)).not.toMatch(/INSERT|invalid byte/);
    }
  });
});
