import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { createLogger } from './app.logger.js';
import { BEARER_SCHEME, withReusableParameters } from './common/api-docs.js';
import { PinoNestLogger } from './common/pino-nest.logger.js';
import { sendProblem } from './common/problem.filter.js';
import { corsOptions, helmetOptions, registerSecurityHeaders, routerErrorSecurityHeaders } from './common/http-security.js';
import { rateLimitOptions } from './common/rate-limit.js';
import { registerJsonBodyParser, registerRequestTextGuard } from './common/request-guards.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app.config.js';
import type { RequestWithBodyHash } from './common/request-body-hash.js';
import { warmUpFhirValidator } from './facts/index.js';

/** The request body limit of the contract: 1 MiB, 413 above. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The request id: the caller's `X-Request-Id` when it is 1-200 visible ASCII characters, else a new UUID. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  return id;
}

/**
 * Builds the Verdict application exactly as it serves: Fastify (body limit 1 MiB, request ids), pino logs, the input
 * guards (JSON bodies only, parsed safely, nesting limited to `JSON_MAX_DEPTH`; U+0000 and lone surrogates refused in
 * bodies, paths, queries and stored headers: README "Input limits"), global validation and problem+json errors
 * (Fastify's own router and parser errors included), security headers and CORS for the configured origins, the
 * per-caller rate limit (README "Security headers and rate limits"), OpenAPI at `/openapi.json` and Swagger UI at `/docs`. Used by
 * `main.ts` and by the e2e tests, so both run the same stack.
 *
 * @param config validated configuration
 * @param databaseUrl the PostgreSQL to use
 * @param options `logs: false` silences the logs (tests); `logger` is the process logger to share (`main.ts`), else
 *   one is made by `createLogger`
 * @returns an initialised (not yet listening) application
 * @throws whatever stops the start: migrations, an invalid or changed rulebook, an unreachable database
 */
export async function createApp(config: AppConfig, databaseUrl: string, options: { logs?: boolean; logger?: Logger } = {}): Promise<NestFastifyApplication> {
  warmUpFhirValidator();
  const logger = options.logger ?? createLogger(config, { silent: options.logs === false });
  const routerLogger = new NestLogger('FastifyRouter');
  const routerSecurityHeaders = routerErrorSecurityHeaders(config.hsts);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES, genReqId: requestId, requestIdHeader: false, loggerInstance: logger,
    // X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies TRUST_PROXY names (none by default).
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // Access logs only at debug/trace: at info they would double the log volume of a busy decision service.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    // What the router refuses before any route runs (a URL that does not decode, a path parameter over 100
    // characters) leaves as problem+json too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('X-Request-Id', String(request.id));
      routerSecurityHeaders(request, reply);
      sendProblem(error, request, reply, routerLogger);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl), adapter, {
    logger: new PinoNestLogger(logger),
    // Nest's parsers (JSON, URL-encoded forms) are replaced by registerJsonBodyParser below.
    bodyParser: false,
  });
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  // Security headers on every answer, CORS for the configured origins only, then the per-caller rate limit (README
  // "Security headers and rate limits").
  await app.register(helmet, helmetOptions());
  registerSecurityHeaders(fastify, config.hsts);
  if (config.corsOrigins.length > 0) app.enableCors(corsOptions(config.corsOrigins));
  if (config.rateLimitPerSecond > 0) await app.register(rateLimit, rateLimitOptions(config.rateLimitPerSecond));

  registerJsonBodyParser(fastify, { maxDepth: config.jsonMaxDepth, bodyLimit: BODY_LIMIT_BYTES });
  registerRequestTextGuard(fastify);
  // The sha256 of each request body as received, computed while the bytes stream in (the audit's input hash and the
  // idempotency fingerprint; re-serializing a parsed 1 MiB bundle to hash it cost about 8 % of a decision's CPU).
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const hash = createHash('sha256');
    let received = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        received += chunk.length;
        (tap as Transform & { receivedEncodedLength?: number }).receivedEncodedLength = received;
        callback(null, chunk);
      },
      flush(callback) {
        (request as RequestWithBodyHash).bodySha256 = 'sha256:' + hash.digest('hex');
        callback();
      },
    });
    return payload.pipe(tap);
  });
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', String(request.id));
  });

  const document = withReusableParameters(SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Verdict')
    .setDescription('Clinical rules and decision service: explained, audited decisions from versioned rulebooks. Errors are RFC 9457 problem details.')
    .setVersion('1')
    .addSecurity('bearer', BEARER_SCHEME)
    .build()));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });

  await app.init();
  return app;
}
