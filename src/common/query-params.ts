import { DomainError, type ProblemPointer, jsonPointer } from './domain-error.js';
import { parseRfc3339 } from './rfc3339.js';

/** Longest text a query parameter may carry. */
const TEXT_MAX = 500;

/** The pointer of query parameter `name` in a problem (`/query/limit`). */
export function queryPointer(name: string): string {
  return jsonPointer('query', name);
}

/**
 * Reads the query parameters of one request and collects every problem before failing once, so a caller sees all
 * that is wrong at the same time. Each reader returns `undefined` when the parameter is absent or invalid (and
 * records why). A repeated parameter (an array from the query-string parser) is refused: every parameter is given
 * at most once.
 *
 * ```ts
 * const params = new QueryParams(query, ['from', 'limit']);
 * const from = params.instant('from');
 * const limit = params.integer('limit', 1, 1000) ?? 100;
 * params.throwIfInvalid();
 * ```
 */
export class QueryParams {
  /** Problems found so far, one per parameter, with `/query/<name>` pointers. */
  readonly problems: ProblemPointer[] = [];

  /**
   * @param query the parsed query string
   * @param allowed the parameters this operation takes; any other is a problem
   * @param allowedPrefixes prefixes of open-ended parameter families (`outcome.`)
   */
  constructor(private readonly query: Record<string, unknown>, allowed?: readonly string[], allowedPrefixes: readonly string[] = []) {
    if (allowed) {
      for (const name of Object.keys(query)) {
        if (!allowed.includes(name) && !allowedPrefixes.some((prefix) => name.startsWith(prefix))) this.problem(name, 'is not a parameter of this operation');
      }
    }
  }

  /** Records a problem with parameter `name`. */
  problem(name: string, message: string): void {
    this.problems.push({ pointer: queryPointer(name), message });
  }

  /**
   * A text parameter: 1–500 characters, no control characters, given once; optionally matching `pattern`.
   * @param hint the message when `pattern` does not match
   */
  text(name: string, pattern?: { test(raw: string): boolean }, hint?: string): string | undefined {
    const value = this.query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problem(name, 'must be given once');
      return undefined;
    }
    if (value.length === 0 || value.length > TEXT_MAX || /[\u0000-\u001f\u007f]/.test(value)) {
      this.problem(name, `must be 1 to ${TEXT_MAX} characters without control characters`);
      return undefined;
    }
    if (pattern && !pattern.test(value)) {
      this.problem(name, hint ?? 'is not valid');
      return undefined;
    }
    return value;
  }

  /** An RFC 3339 date-time with a time zone, as a `Date`. */
  instant(name: string): Date | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const date = parseRfc3339(raw);
    if (!date) this.problem(name, 'must be an RFC 3339 date-time with a time zone (2026-11-21T00:00:00Z)');
    return date;
  }

  /** An integer in `[min, max]`, written in plain decimal digits. */
  integer(name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const n = /^(0|[1-9]\d{0,15})$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= min && n <= max)) {
      this.problem(name, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return n;
  }

  /** One of `values`. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    if (!(values as readonly string[]).includes(raw)) {
      this.problem(name, `must be one of ${values.join(', ')}`);
      return undefined;
    }
    return raw as T;
  }

  /**
   * Fails when any problem was recorded.
   * @throws DomainError 400 `VALIDATION_FAILED` with one `/query/<name>` pointer per problem
   */
  throwIfInvalid(): void {
    if (this.problems.length > 0) {
      throw new DomainError(400, 'VALIDATION_FAILED', 'Request validation failed', `The query is invalid in ${this.problems.length} place(s).`, this.problems);
    }
  }
}
