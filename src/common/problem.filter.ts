import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderProblem } from './problem.js';

/** Sends `problem` for `error` on a Fastify reply, logging unexpected errors in full (never in the response). */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const requestId = String(request.id);
  const path = (request.url ?? '').split('?')[0];
  const rendered = renderProblem(error, path, requestId);
  if (rendered.unexpected) logger.error({ err: error, requestId }, 'unexpected error');
  void reply.status(rendered.status).headers({ ...rendered.headers, 'content-type': 'application/problem+json; charset=utf-8' }).send(JSON.stringify(rendered.body));
}

/** The global exception filter: every error leaves as RFC 9457 `application/problem+json` (see `renderProblem`). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}
