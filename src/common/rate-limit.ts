import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { DomainError } from './domain-error.js';

/** `Authorization: Bearer <token>` (RFC 6750 §2.1): the scheme in any case, any run of spaces or tabs before the token. */
const BEARER = /^bearer[ \t]+(\S+)$/i;

/**
 * The bucket a request counts against: one per credential, else one per client address.
 *
 * A bearer token is normalised before it is hashed (RFC 7235: the scheme is case-insensitive; surrounding and repeated
 * whitespace ignored), so `Bearer t`, `bearer  t` and `BEARER\tt` share one bucket: a caller cannot multiply its limit
 * by spelling its credential differently. The key is the token's sha256, never the token. It does not ask whether the
 * token is valid (rate limiting runs in an `onRequest` hook, before the Nest guard authenticates): an invalid token
 * gets its own bucket, and its 401 costs no database work. Anything else (no header, another scheme) is keyed on the
 * client address, which is the socket's unless `TRUST_PROXY` names the proxy the request came through (Fastify's
 * `request.ip`), so a client cannot pick its bucket with `X-Forwarded-For`.
 *
 * @param authorization the `Authorization` header as received, if any
 * @param clientAddress the client address (`request.ip`)
 * @returns `token:<sha256 hex>` or `ip:<address>`
 */
export function rateLimitKey(authorization: string | undefined, clientAddress: string): string {
  const bearer = BEARER.exec(authorization?.trim() ?? '');
  return bearer ? 'token:' + createHash('sha256').update(bearer[1], 'utf8').digest('hex') : 'ip:' + clientAddress;
}

/** True for the health probes (`/health/live`, `/health/ready`), which count in a bucket of their own. */
function isHealthProbe(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith('/health/') ?? false;
}

/**
 * The options of `@fastify/rate-limit` for Verdict: `perSecond` requests per caller (`rateLimitKey`) per one-second
 * window, on every route. The health probes are limited too (`/health/ready` queries the database) but in a bucket of
 * their own per caller, so a busy engine never fails its own instance's readiness, nor a probe the engine's quota.
 * Above the limit: 429 problem+json `RATE_LIMITED` with `Retry-After` (RFC 9110 §10.2.3) in whole seconds.
 *
 * @param perSecond requests per caller per second (`RATE_LIMIT_PER_SECOND`, above 0)
 * @returns options for `app.register(rateLimit, …)`
 */
export function rateLimitOptions(perSecond: number): RateLimitPluginOptions {
  return {
    max: perSecond,
    timeWindow: 1000,
    keyGenerator: (request) => (isHealthProbe(request) ? 'health|' : '') + rateLimitKey(request.headers.authorization, request.ip),
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      const error = new DomainError(429, 'RATE_LIMITED', 'Too many requests',
        `More than ${context.max} requests per second from this caller; retry after ${retryAfter} s.`, undefined, { 'Retry-After': String(retryAfter) });
      return Object.assign(error, { statusCode: 429 });
    },
  };
}
