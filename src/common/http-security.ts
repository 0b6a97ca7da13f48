import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers of every answer (README "Security headers and rate limits"), beside those `@fastify/helmet`
 * sets (`helmetOptions`): `Cache-Control`, the Content Security Policy and HSTS, which depend on the request.
 */

/** When answers carry `Strict-Transport-Security` (the `HSTS` setting). */
export type HstsMode = 'auto' | 'always' | 'off';

/**
 * The CSP of every answer but Swagger UI's: JSON and problem details load nothing, run nothing and may not be framed,
 * so a response rendered by a browser (a stored string, an error echoing input) can do nothing.
 */
export const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The CSP of Swagger UI (`/docs` and its assets): its scripts and stylesheets from this origin only (no inline
 * script: the Nest page loads `swagger-ui-init.js`); inline styles (`<style>` blocks in the page and style attributes
 * Swagger UI sets); images from this origin and `data:` (its icons); requests to this origin only (the OpenAPI
 * document and "Try it out"); never framed.
 */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
  + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** `Strict-Transport-Security` (RFC 6797): a year, subdomains included (helmet's default value). */
export const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

/** Swagger UI: `/docs`, `/docs/` and its assets under `/docs/`. */
const DOCS_PATH = /^\/docs(?:[/?#]|$)/;

/**
 * Options of `@fastify/helmet` (and of `helmet`, which it wraps) for Verdict: helmet's defaults
 * (`X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `Cross-Origin-Opener-Policy` and
 * `Cross-Origin-Resource-Policy: same-origin`, `X-DNS-Prefetch-Control: off`, `X-Permitted-Cross-Domain-Policies: none`,
 * …) with `X-Frame-Options: DENY`. The CSP and HSTS are left to `setRequestSecurityHeaders`, which chooses them per
 * request.
 * @returns options for `app.register(helmet, …)`
 */
export function helmetOptions() {
  // No `HelmetOptions` annotation: `@fastify/helmet` types the same options from helmet's CommonJS declarations.
  return { contentSecurityPolicy: false, strictTransportSecurity: false, xFrameOptions: { action: 'deny' } } as const satisfies HelmetOptions;
}

/**
 * True when `Strict-Transport-Security` belongs on the answer to `request`: `always`; or `auto` and the request arrived
 * over https (a TLS socket, or `X-Forwarded-Proto: https` from a proxy `TRUST_PROXY` names: Fastify's
 * `request.protocol`). An http answer never carries it (RFC 6797 §7.2: browsers ignore it there anyway).
 */
export function wantsHsts(mode: HstsMode, request: Pick<FastifyRequest, 'protocol'>): boolean {
  return mode === 'always' || (mode === 'auto' && request.protocol === 'https');
}

/**
 * Sets the headers that depend on the request: `Cache-Control: no-store` (every `/v1` answer carries or may carry PHI,
 * errors included; a route may set its own value later, as Swagger UI's static assets and the readiness probe do), the
 * CSP (`DOCS_CSP` under `/docs`, else `API_CSP`) and HSTS when `wantsHsts`.
 */
function setRequestSecurityHeaders(request: FastifyRequest, reply: FastifyReply, hsts: HstsMode): void {
  void reply.header('Cache-Control', 'no-store');
  void reply.header('Content-Security-Policy', DOCS_PATH.test(request.url ?? '') ? DOCS_CSP : API_CSP);
  if (wantsHsts(hsts, request)) void reply.header('Strict-Transport-Security', HSTS_VALUE);
}

/**
 * Adds the request hook that sets `setRequestSecurityHeaders` on every answer that reaches a route or the not-found
 * handler (successes, problems and the rate limiter's 429 alike: an instance-level hook runs before the rate
 * limiter's route-level one). `@fastify/helmet` sets the others.
 * @param fastify the Fastify instance of the application
 * @param hsts the `HSTS` setting
 */
export function registerSecurityHeaders(fastify: FastifyInstance, hsts: HstsMode): void {
  fastify.addHook('onRequest', async (request, reply) => {
    setRequestSecurityHeaders(request, reply, hsts);
  });
}

/**
 * The security headers for what the router refuses before any hook runs (Fastify's `frameworkErrors`: a URL that does
 * not decode, a path parameter over 100 characters): helmet's, with `helmetOptions`, and `setRequestSecurityHeaders`,
 * so those answers carry the same headers as every other.
 * @param hsts the `HSTS` setting
 * @returns a function to call on such a request before its problem is sent
 */
export function routerErrorSecurityHeaders(hsts: HstsMode): (request: FastifyRequest, reply: FastifyReply) => void {
  const applyHelmet = helmet(helmetOptions());
  return (request, reply) => {
    applyHelmet(request.raw, reply.raw, () => undefined);
    setRequestSecurityHeaders(request, reply, hsts);
  };
}

/**
 * CORS (Fetch standard) options for `app.enableCors`, for the configured origins only: a listed origin gets
 * `Access-Control-Allow-Origin` with itself (and `Vary: Origin`); any other origin gets no CORS header, so its
 * browser pages cannot read the answers. No credentials mode (Verdict reads bearer tokens, never cookies).
 * @param origins the `CORS_ORIGINS` setting, exact origins (`https://console.example.org`); callers pass none to disable CORS
 * @returns the options, the methods and headers the API uses
 */
export function corsOptions(origins: readonly string[]) {
  return {
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After', 'Idempotent-Replayed', 'Content-Disposition',
      'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    credentials: false,
    maxAge: 600,
  };
}
