import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error.js';
import { checkJsonBody, checkRequestText, findPrototypePoisoning, invalidCharacters, jsonBodyRefusal, mayHoldRefusedCharacter } from './input-guard.js';

/** The media types Verdict reads a body in: JSON, and FHIR's own JSON media type (FHIR R4 http.html#mime). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/fhir+json'];

/** The request headers whose values Verdict stores (the idempotency key, in the audit). */
const STORED_HEADERS = ['idempotency-key'];

type Done = (error: Error | null, body?: unknown) => void;
type DefaultJsonParser = (request: FastifyRequest, body: string, done: Done) => void;

/**
 * Makes JSON the only request body Verdict takes, parsed safely: every other content type parser of Fastify is
 * removed (a body in another media type is 415), and `application/json` and `application/fhir+json` are parsed by
 * Fastify's own JSON parser (secure-json-parse, with `__proto__` and `constructor.prototype` keys refused: prototype
 * poisoning) and then checked by the input guard (`checkJsonBody`) before anything else sees the body. The
 * `preParsing` hooks (the body's sha256) are unaffected: they run before any parser.
 *
 * Refusals, each an RFC 9457 problem through the global filter: malformed or empty JSON 400 `MALFORMED_JSON` (as
 * before); a prototype-poisoning key 400 `FORBIDDEN_KEY` pointing at it; nesting deeper than `maxDepth` 400
 * `JSON_TOO_DEEP`; U+0000 or a lone surrogate in a string or key 400 `INVALID_CHARACTER`, a pointer per place.
 *
 * @param fastify the application's Fastify instance, before its routes are registered
 * @param options `maxDepth` (the JSON nesting limit, `JSON_MAX_DEPTH`), `bodyLimit` in bytes
 */
export function registerJsonBodyParser(fastify: FastifyInstance, options: { maxDepth: number; bodyLimit: number }): void {
  const parse = fastify.getDefaultJsonParser('error', 'error') as DefaultJsonParser;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'string', bodyLimit: options.bodyLimit }, (request, body, done) => {
    const text = body as string;
    parse(request, text, (error, parsed) => {
      if (error) {
        done(explainParseFailure(error, text), undefined);
        return;
      }
      const found = checkJsonBody(parsed, options.maxDepth, mayHoldRefusedCharacter(text));
      if (found) done(jsonBodyRefusal(found, options.maxDepth), undefined);
      else done(null, parsed);
    });
  });
}

/**
 * Fastify's parser says only "invalid JSON": when the text is valid JSON all the same, it was refused for prototype
 * poisoning, and the refusal names the key. @returns the error to answer with
 */
function explainParseFailure(error: Error, text: string): Error {
  if ((error as { code?: unknown }).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') return error;
  let plain: unknown;
  try {
    plain = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return error;
  }
  const key = findPrototypePoisoning(plain);
  return key
    ? new DomainError(400, 'FORBIDDEN_KEY', 'Forbidden key', 'The request body contains a key that could alter object prototypes (prototype poisoning).', [key])
    : error;
}

/**
 * Refuses, before validation, a request whose path parameters, query parameters (names or values) or stored headers
 * hold U+0000 or a lone surrogate: 400 `INVALID_CHARACTER` with pointers `/path/<name>`, `/query/<name>`,
 * `/header/<name>`. Runs as a `preValidation` hook, so before guards, pipes and handlers.
 * @param fastify the application's Fastify instance, before its routes are registered
 */
export function registerRequestTextGuard(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request) => {
    const headers = Object.fromEntries(STORED_HEADERS.filter((name) => request.headers[name] !== undefined).map((name) => [name, request.headers[name]]));
    const problems = [
      ...checkRequestText('path', request.params as Record<string, unknown>),
      ...checkRequestText('query', request.query as Record<string, unknown>),
      ...checkRequestText('header', headers),
    ];
    if (problems.length > 0) throw invalidCharacters(problems);
  });
}
