/** One problem with the request, located by an RFC 6901 JSON Pointer into the request body. */
export interface ProblemPointer {
  pointer: string;
  message: string;
}

/**
 * The one error type of Verdict's domain: a stable UPPER_SNAKE `code`, the HTTP status it maps to, a readable
 * `detail` and, for input problems, the pointers into the request body. Rendered by the global problem filter as
 * RFC 9457 `application/problem+json`; nothing else of it (stack, cause) reaches a response.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: ProblemPointer[],
    readonly headers?: Record<string, string>,
    cause?: unknown,
  ) {
    super(detail, cause === undefined ? undefined : { cause });
    this.name = 'DomainError';
  }
}

/** 400 `VALIDATION_FAILED`: the body breaks the request schema (types, unknown properties). */
export function validationFailed(detail: string, errors: ProblemPointer[]): DomainError {
  return new DomainError(400, 'VALIDATION_FAILED', 'Request validation failed', detail, errors);
}

/** 422 `UNPROCESSABLE_FACTS`: well-formed input that is clinically or structurally unusable (range, unit, FHIR). */
export function unprocessable(code: string, detail: string, errors: ProblemPointer[]): DomainError {
  return new DomainError(422, code, 'Unprocessable input', detail, errors);
}

/** Escapes one JSON Pointer reference token (RFC 6901 section 3: `~` -> `~0`, `/` -> `~1`). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Joins reference tokens into a JSON Pointer: `jsonPointer('facts', 'spo2')` -> `/facts/spo2`. */
export function jsonPointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => '/' + pointerToken(t)).join('');
}
