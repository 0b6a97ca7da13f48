import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { sendProblem } from './common/problem.filter.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app.config.js';
import { warmUpFhirValidator } from './facts/index.js';

/** The request body limit of the contract: 1 MiB, 413 above. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The request id: the caller's `X-Request-Id` when it is 1-200 visible ASCII characters, else a new UUID. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  req.headers['x-request-id'] = id; // so the access log (pino-http) carries the same id
  return id;
}

/**
 * Builds the Verdict application exactly as it serves: Fastify (body limit 1 MiB, request ids), pino logs, global
 * validation and problem+json errors (Fastify's own parser errors included), OpenAPI at `/openapi.json` and Swagger
 * UI at `/docs`. Used by `main.ts` and by the e2e tests, so both run the same stack.
 *
 * @param config validated configuration
 * @param databaseUrl the PostgreSQL to use
 * @returns an initialised (not yet listening) application
 * @throws whatever stops the start: migrations, an invalid or changed rulebook, an unreachable database
 */
export async function createApp(config: AppConfig, databaseUrl: string, options: { logs?: boolean } = {}): Promise<NestFastifyApplication> {
  warmUpFhirValidator();
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, genReqId: requestId, requestIdHeader: false, trustProxy: true });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl), adapter, {
    bufferLogs: true,
    logger: options.logs === false ? false : undefined,
  });
  if (options.logs !== false) app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', String(request.id));
  });
  const errorLogger = new NestLogger('HTTP');
  fastify.setErrorHandler((error, request, reply) => sendProblem(error, request, reply, errorLogger));
  fastify.setNotFoundHandler((request, reply) => {
    void reply.status(404).headers({ 'content-type': 'application/problem+json; charset=utf-8' }).send(JSON.stringify({
      type: 'urn:verdict:problem:route-not-found', title: 'Not found', status: 404, detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
      instance: request.url.split('?')[0], code: 'ROUTE_NOT_FOUND', requestId: String(request.id),
    }));
  });

  const document = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Verdict')
    .setDescription('Clinical rules and decision service: explained, audited decisions from versioned rulebooks. Errors are RFC 9457 problem details.')
    .setVersion('1')
    .addBearerAuth()
    .build());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });

  await app.init();
  return app;
}
