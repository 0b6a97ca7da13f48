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
});
