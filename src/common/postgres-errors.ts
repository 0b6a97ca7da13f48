/**
 * PostgreSQL errors, recognised in one place. Codes are SQLSTATEs from the PostgreSQL manual, Appendix A
 * ("PostgreSQL Error Codes"); node-postgres puts them in `error.code`, and TypeORM's `QueryFailedError` keeps the
 * driver's error in `driverError`. Every predicate accepts anything (`unknown`) and is false for what is not such an
 * error.
 */
import { QueryFailedError } from 'typeorm';

/** SQLSTATE `23505` unique_violation (class 23, integrity constraint violation). */
export const UNIQUE_VIOLATION = '23505';

/**
 * SQLSTATEs a governance change can hit when the database's own rules refuse it: `23P01` exclusion_violation,
 * `23514` check_violation, `42501` insufficient_privilege (raised by the governance triggers), `23505`
 * unique_violation.
 */
const CONSTRAINT_REFUSALS = new Set(['23P01', '23514', '42501', UNIQUE_VIOLATION]);

/**
 * SQLSTATEs that mean "the database cannot serve now": `57P01` admin_shutdown, `57P02` crash_shutdown, `57P03`
 * cannot_connect_now, `57014` query_canceled (statement timeout), `40001` serialization_failure, `40P01`
 * deadlock_detected, `58030` io_error; and all of class `08` (connection exception) and class `53` (insufficient
 * resources: `53100` disk_full, `53200` out_of_memory, `53300` too_many_connections, `53400`
 * configuration_limit_exceeded).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01', '58030']);
/** SQLSTATE classes (the first two characters) that mean the database cannot serve now (see above). */
const UNAVAILABLE_CLASSES = new Set(['08', '53']);

/** Node.js socket error codes of an unreachable server. */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/** Messages of node-postgres and its pool when no connection could be had or it broke. */
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|Cannot use a pool after calling end/;

/**
 * The SQLSTATE of a failed query: `driverError.code` of a TypeORM `QueryFailedError`, else `code` of a
 * node-postgres error. @returns the five-character code (or a Node.js error code), or undefined when there is none
 */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `error` is a TypeORM `QueryFailedError` with SQLSTATE `23505` unique_violation (a duplicate key). */
export function isUniqueViolation(error: unknown): error is QueryFailedError {
  return error instanceof QueryFailedError && sqlState(error) === UNIQUE_VIOLATION;
}

/**
 * Whether `error` is a TypeORM `QueryFailedError` by which the database's own integrity rules refused a change:
 * `23P01` exclusion_violation, `23514` check_violation, `42501` insufficient_privilege (a trigger's refusal) or
 * `23505` unique_violation.
 */
export function isConstraintRefusal(error: unknown): error is QueryFailedError {
  return error instanceof QueryFailedError && CONSTRAINT_REFUSALS.has(sqlState(error) ?? '');
}

/**
 * Whether `error` means the database is unreachable or overloaded: a connection exception (class `08`), a shutdown,
 * too many connections, a statement timeout, a serialization failure or deadlock (see `UNAVAILABLE_SQLSTATES`), a
 * socket error, or node-postgres reporting a failed or broken connection.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error) return false;
  const code = sqlState(error);
  if (code && (UNAVAILABLE_SQLSTATES.has(code) || (code.length === 5 && UNAVAILABLE_CLASSES.has(code.slice(0, 2))) || UNAVAILABLE_NODE_CODES.has(code))) return true;
  const message = (error as { message?: unknown }).message;
  return UNAVAILABLE_MESSAGES.test(typeof message === 'string' ? message : '');
}

/**
 * Whether `error` is a PostgreSQL data exception (SQLSTATE class `22`: `22021` character_not_in_repertoire,
 * `22P05` untranslatable_character, `22001` string_data_right_truncation, `22P02` invalid_text_representation, …):
 * the database refused a value, which says nothing about its availability. The input guards keep request values that
 * would cause one from reaching the database; one that still does is answered 400, never 503.
 */
export function isDataException(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && code.length === 5 && code.startsWith('22');
}
