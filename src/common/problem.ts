import { HttpException } from '@nestjs/common';
import { DomainError, type ProblemPointer } from './domain-error.js';
import { isDataException, isDatabaseUnavailable, isUniqueViolation } from './postgres-errors.js';

/** An RFC 9457 problem details document as Verdict renders it (`application/problem+json`). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: ProblemPointer[];
}

/** A rendered problem: HTTP status, extra headers, body. */
export interface RenderedProblem {
  status: number;
  headers: Record<string, string>;
  body: ProblemDocument;
  /** True for unexpected errors, which are logged with full detail (never sent). */
  unexpected: boolean;
}

const STATUS_CODES: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'Bad request'],
  401: ['UNAUTHORIZED', 'Authentication required'],
  403: ['FORBIDDEN', 'Forbidden'],
  404: ['NOT_FOUND', 'Not found'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  406: ['NOT_ACCEPTABLE', 'Not acceptable'],
  409: ['CONFLICT', 'Conflict'],
  413: ['PAYLOAD_TOO_LARGE', 'Payload too large'],
  414: ['URI_TOO_LONG', 'URI too long'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
  422: ['UNPROCESSABLE_ENTITY', 'Unprocessable entity'],
  429: ['RATE_LIMITED', 'Too many requests'],
  503: ['SERVICE_UNAVAILABLE', 'Service unavailable'],
};

function kebab(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}

function problem(status: number, code: string, title: string, detail: string, instance: string, requestId: string, errors?: ProblemPointer[]): ProblemDocument {
  return { type: `urn:verdict:problem:${kebab(code)}`, title, status, detail, instance, code, requestId, ...(errors && errors.length > 0 ? { errors } : {}) };
}

/** Fastify's errors of a body that is not JSON: empty, or not parseable. */
const MALFORMED_JSON_CODES = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/**
 * Maps any error to an RFC 9457 problem: `DomainError` as it says; Nest `HttpException`s by status; Fastify's own
 * errors (malformed JSON 400, a URL that does not decode 400 `INVALID_URL`, a path parameter over 100 characters 414,
 * body over the limit 413, unsupported media type 415); database unavailability 503 with `Retry-After`; a database
 * data exception (SQLSTATE class 22: a value the database cannot store) 400 `UNSTORABLE_VALUE`, never 503; anything
 * else an opaque 500 that carries only the request id.
 *
 * @param error what was thrown
 * @param instance the request path (problem `instance`)
 * @param requestId the request's `X-Request-Id`
 */
export function renderProblem(error: unknown, instance: string, requestId: string): RenderedProblem {
  if (error instanceof DomainError) {
    return {
      status: error.status,
      headers: error.headers ?? {},
      body: problem(error.status, error.code, error.title, error.detail, instance, requestId, error.errors),
      unexpected: error.status >= 500,
    };
  }
  // Nest wraps Fastify's own errors (body parser, limits) in an HttpException: render the Fastify error itself.
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (error instanceof HttpException && typeof cause?.code === 'string' && cause.code.startsWith('FST_')) return renderProblem(cause, instance, requestId);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const [code, title] = STATUS_CODES[status] ?? ['HTTP_ERROR', 'Error'];
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? error.message);
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    const headers: Record<string, string> = status === 429 ? { 'Retry-After': '1' } : {};
    return { status, headers, body: problem(status, code, title, detail, instance, requestId), unexpected: false };
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string } | null;
  if (fastifyError && typeof fastifyError.code === 'string' && fastifyError.code.startsWith('FST_') && typeof fastifyError.statusCode === 'number') {
    const status = fastifyError.statusCode;
    if (status === 413)
      return { status, headers: {}, body: problem(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', 'The request body exceeds the 1 MiB limit.', instance, requestId), unexpected: false };
    if (status === 415)
      return { status, headers: {}, body: problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'Send the body as application/json.', instance, requestId), unexpected: false };
    if (status === 400 && MALFORMED_JSON_CODES.has(fastifyError.code))
      return { status, headers: {}, body: problem(400, 'MALFORMED_JSON', 'Malformed JSON', 'The request body is not valid JSON.', instance, requestId, [{ pointer: '', message: 'body is not valid JSON' }]), unexpected: false };
    if (fastifyError.code === 'FST_ERR_BAD_URL')
      return { status, headers: {}, body: problem(400, 'INVALID_URL', 'Invalid URL', 'The URL does not decode: a percent-encoded sequence is not UTF-8 text.', instance, requestId), unexpected: false };
    if (fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH')
      return { status, headers: {}, body: problem(414, 'URI_TOO_LONG', 'URI too long', 'A path parameter is longer than 100 characters.', instance, requestId), unexpected: false };
    if (status < 500) {
      const [code, title] = STATUS_CODES[status] ?? ['HTTP_ERROR', 'Error'];
      return { status, headers: {}, body: problem(status, code, title, fastifyError.message ?? title, instance, requestId), unexpected: false };
    }
  }
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return { status: 400, headers: {}, body: problem(400, 'MALFORMED_JSON', 'Malformed JSON', 'The request body is not valid JSON.', instance, requestId, [{ pointer: '', message: 'body is not valid JSON' }]), unexpected: false };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      headers: { 'Retry-After': '5' },
      body: problem(503, 'DATABASE_UNAVAILABLE', 'Service unavailable', 'The audit database is unavailable; nothing was decided or recorded. Retry later.', instance, requestId),
      unexpected: false,
    };
  }
  if (isDataException(error)) {
    // Logged as unexpected: the input guards should have refused the value before it reached the database.
    return { status: 400, headers: {}, body: problem(400, 'UNSTORABLE_VALUE', 'Unstorable value', 'A value of the request cannot be stored: the database refused it as invalid data. Nothing was recorded.', instance, requestId), unexpected: true };
  }
  if (isUniqueViolation(error)) {
    return { status: 409, headers: {}, body: problem(409, 'CONFLICT', 'Conflict', 'The resource already exists.', instance, requestId), unexpected: false };
  }
  return {
    status: 500,
    headers: {},
    body: problem(500, 'INTERNAL_ERROR', 'Internal error', `An unexpected error occurred; quote request id ${requestId} when reporting it.`, instance, requestId),
    unexpected: true,
  };
}
