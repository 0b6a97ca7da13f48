import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath, type HeadersObject, type OpenAPIObject, type ParameterObject,
  type ReferenceObject, type SchemaObject, type SecuritySchemeObject,
} from '@nestjs/swagger';
import type { ProblemPointer } from './domain-error.js';
import type { ProblemDocument } from './problem.js';

/** The media type of every Verdict error response (RFC 9457 section 3). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** OpenAPI schema of one problem pointer: where in the request body (RFC 6901 JSON Pointer) and what is wrong. */
export class ProblemPointerItem implements ProblemPointer {
  @ApiProperty({ example: '/facts/respiratoryRate', description: 'RFC 6901 JSON Pointer into the request body ("" for the whole body).' })
  pointer!: string;

  @ApiProperty({ example: 'must be a number', description: 'What is wrong at that place.' })
  message!: string;
}

/**
 * OpenAPI schema of an RFC 9457 problem details document as `renderProblem` (`problem.ts`) renders it and the
 * global `ProblemFilter` sends it, as `application/problem+json`. Documentation only: nothing validates with it.
 */
export class ProblemDetails implements ProblemDocument {
  @ApiProperty({ example: 'urn:verdict:problem:validation-failed', description: 'URI of the problem type: `urn:verdict:problem:` + the kebab-case `code`.' })
  type!: string;

  @ApiProperty({ example: 'Request validation failed', description: 'Short summary of the problem type.' })
  title!: string;

  @ApiProperty({ example: 400, description: 'The HTTP status code, repeated.' })
  status!: number;

  @ApiProperty({ example: 'The request body breaks the decision request schema.', description: 'What went wrong in this occurrence.' })
  detail!: string;

  @ApiProperty({ example: '/v1/decisions', description: 'The request path (without the query string).' })
  instance!: string;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable UPPER_SNAKE error code to branch on.' })
  code!: string;

  @ApiProperty({ example: '5d0c8f3e-2b8a-4f0e-9d43-8f1f6a3c2b11', description: 'The request id (`X-Request-Id`); quote it when reporting.' })
  requestId!: string;

  @ApiPropertyOptional({ type: [ProblemPointerItem], description: 'Input problems located by JSON Pointer; present only when there are some.' })
  errors?: ProblemPointerItem[];
}

/** What each error status means in Verdict's API, used as the response description unless the endpoint says more. */
const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid (malformed JSON, schema or parameter violations, JSON nested deeper than JSON_MAX_DEPTH, U+0000 or a lone surrogate anywhere; `errors` points at each).',
  401: 'No bearer token, or an invalid one (unknown, expired, not for this service); see WWW-Authenticate.',
  403: 'The token lacks the role this operation requires.',
  404: 'Not found.',
  406: 'None of the accepted media types can be produced.',
  409: 'Conflict with the current state.',
  413: 'The request body exceeds 1 MiB.',
  415: 'The request body is not application/json (or application/fhir+json).',
  422: 'Well-formed input that cannot be used (`errors` points at each problem).',
  429: 'Too many requests from this caller; see Retry-After.',
  500: 'Unexpected error; the body carries only the request id.',
  503: 'A dependency (the database, or a token issuer\'s keys) is unavailable; see Retry-After.',
};

/** Statuses whose problem response carries `Retry-After` (seconds), as `renderProblem` and the rate limiter set it. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** One error response of an operation: the status, and optionally what it means there (else the default text). */
export interface ProblemResponse {
  status: number;
  description: string;
}

/**
 * Documents an operation's (or, on a class, every operation's) error responses: one OpenAPI response per status,
 * each `application/problem+json` with the `ProblemDetails` schema (RFC 9457); 429 and 503 also declare
 * `Retry-After`.
 *
 * @param responses HTTP statuses (4xx/5xx), or `{ status, description }` to say what the status means there
 * @returns one composed decorator (Nest `applyDecorators`)
 * @throws Error at load time for a status outside 400-599 (a success is not a problem)
 * @example `@ApiProblems(400, 401, 403, { status: 404, description: 'No such decision.' }, 503)`
 */
export function ApiProblems(...responses: (number | ProblemResponse)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetails, ProblemPointerItem),
    ...responses.map((response) => {
      const { status, description } = typeof response === 'number' ? { status: response, description: PROBLEM_DESCRIPTIONS[response] ?? 'Error.' } : response;
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new Error(`ApiProblems: ${status} is not an error status (400-599)`);
      return ApiResponse({
        status,
        description,
        content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetails) } } },
        ...(RETRY_AFTER_STATUSES.has(status) ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying, when the service can tell.', schema: { type: 'integer', minimum: 1 } } } } : {}),
      });
    }),
  );
}

/** Options of a documented success response. */
export interface SuccessResponseOptions {
  /** What the body is (and any header worth knowing). */
  description: string;
  /** The body is a JSON array of `type`. */
  isArray?: boolean;
  /** Response headers, by name (OpenAPI header objects). */
  headers?: HeadersObject;
}

function success(status: 200 | 201, type: Type<unknown>, options: SuccessResponseOptions): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, type, isArray: options.isArray ?? false, description: options.description, ...(options.headers ? { headers: options.headers } : {}) });
}

/**
 * Documents a 200 JSON response whose body is `type` (a class with `@ApiProperty` fields, referenced by name in
 * `components.schemas`).
 *
 * @param type the response body class
 * @param options description, array, headers
 */
export function ApiOk(type: Type<unknown>, options: SuccessResponseOptions): MethodDecorator & ClassDecorator {
  return success(200, type, options);
}

/**
 * Documents a 201 JSON response whose body is `type` (see `ApiOk`); put `Location` in `options.headers`.
 *
 * @param type the response body class
 * @param options description, array, headers
 */
export function ApiCreated(type: Type<unknown>, options: SuccessResponseOptions): MethodDecorator & ClassDecorator {
  return success(201, type, options);
}

/**
 * Documents a 200 response that is not one JSON document (a CSV or NDJSON stream, Prometheus text): each media
 * type the operation can produce with the schema of its body, usually `{ type: 'string' }`.
 *
 * @param description what the body is
 * @param mediaTypes the media types, each with its body schema (OpenAPI schema object)
 * @example `@ApiOkMedia('The records', { 'text/csv': { type: 'string' }, 'application/x-ndjson': { type: 'string' } })`
 */
export function ApiOkMedia(description: string, mediaTypes: Record<string, SchemaObject>): MethodDecorator & ClassDecorator {
  const content = Object.fromEntries(Object.entries(mediaTypes).map(([mediaType, schema]) => [mediaType, { schema }]));
  return ApiResponse({ status: 200, description, content });
}

/**
 * The bearer security scheme (`components.securitySchemes.bearer`, the name `@ApiBearerAuth()` refers to). A token is
 * an OAuth 2.0 access token (a JWT from a configured issuer) or an opaque static token (`auth.guard.ts`), so no
 * `bearerFormat` (Nest's `addBearerAuth` would label every token JWT). RFC 6750.
 */
export const BEARER_SCHEME: SecuritySchemeObject = {
  type: 'http',
  scheme: 'bearer',
  description: '`Authorization: Bearer <token>`: an OAuth 2.0 access token (a JWT from an issuer this installation trusts: SMART Backend Services '
    + 'for workflow engines, OpenID Connect for people) or an opaque static token issued to the caller. Missing or invalid: 401; without the role: 403.',
};

/**
 * The `Idempotency-Key` request header (IETF draft-ietf-httpapi-idempotency-key-header), optional: 1-255 printable
 * ASCII characters, as `DecisionsService` checks them. Declared once in `components.parameters.IdempotencyKey`.
 */
export const IDEMPOTENCY_KEY_PARAMETER: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Makes a retry safe: the same key with the same body replays the original response (header `Idempotent-Replayed: true`); '
    + 'with a different body 422 IDEMPOTENCY_KEY_REUSED; while the first request runs 409 IDEMPOTENCY_KEY_IN_USE.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$' },
};

/** Reusable parameters by component name: an operation's parameter that matches one becomes a `$ref` to it. */
const REUSABLE_PARAMETERS: Record<string, ParameterObject> = { IdempotencyKey: IDEMPOTENCY_KEY_PARAMETER };

/** Documents the optional `Idempotency-Key` header on an operation (a `$ref` once `withReusableParameters` ran). */
export function ApiIdempotencyKey(): MethodDecorator & ClassDecorator {
  const { name, required, description, schema } = IDEMPOTENCY_KEY_PARAMETER;
  return ApiHeader({ name, required, description, schema: schema as SchemaObject });
}

function sameParameter(a: ParameterObject, b: ParameterObject): boolean {
  // Header names are case-insensitive (RFC 9110 section 5.1); the others are not.
  return a.in === b.in && (a.in === 'header' ? a.name.toLowerCase() === b.name.toLowerCase() : a.name === b.name);
}

/**
 * Declares the reusable parameters (`IdempotencyKey`) once in `components.parameters` and replaces, in every
 * operation, the parameters that match one (same `in`, same name; header names case-insensitively) by a single
 * `$ref`. So a header both read with `@Headers('idempotency-key')` (which Nest documents as a required parameter of
 * that name) and documented with `ApiIdempotencyKey()` appears once, optional.
 *
 * @param document the document `SwaggerModule.createDocument` built; changed in place
 * @returns the same document
 */
export function withReusableParameters(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, parameters: { ...document.components?.parameters, ...REUSABLE_PARAMETERS } };
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.options, item.head, item.patch, item.trace]) {
      if (!operation?.parameters) continue;
      const parameters: (ParameterObject | ReferenceObject)[] = [];
      for (const parameter of operation.parameters) {
        const reusable = '$ref' in parameter ? undefined : Object.entries(REUSABLE_PARAMETERS).find(([, p]) => sameParameter(p, parameter));
        if (!reusable) {
          parameters.push(parameter);
          continue;
        }
        const ref = `#/components/parameters/${reusable[0]}`;
        if (!parameters.some((p) => '$ref' in p && p.$ref === ref)) parameters.push({ $ref: ref });
      }
      operation.parameters = parameters;
    }
  }
  return document;
}
