import { QueryFailedError } from 'typeorm';
import { isConstraintRefusal, isDataException, isDatabaseUnavailable, isUniqueViolation, sqlState } from './postgres-errors.js';

/** A TypeORM query failure carrying a node-postgres error with SQLSTATE `code`. */
function queryFailed(code: string): QueryFailedError {
  return new QueryFailedError('INSERT …', [], Object.assign(new Error('refused'), { code }));
}

describe('postgres-errors', () => {
  it('reads the SQLSTATE from a QueryFailedError or a node-postgres error', () => {
    expect(sqlState(queryFailed('23505'))).toBe('23505');
    expect(sqlState(Object.assign(new Error('x'), { code: '08006' }))).toBe('08006');
    expect(sqlState(new Error('no code'))).toBeUndefined();
    expect(sqlState(null)).toBeUndefined();
  });

  it.each([
    ['23505', true, true],
    ['23P01', false, true],
    ['23514', false, true],
    ['42501', false, true],
    ['23503', false, false],
    ['40001', false, false],
  ])('SQLSTATE %s: unique violation %s, constraint refusal %s', (code, unique, refusal) => {
    expect(isUniqueViolation(queryFailed(code))).toBe(unique);
    expect(isConstraintRefusal(queryFailed(code))).toBe(refusal);
  });

  it('a duplicate key outside a QueryFailedError is not taken for one', () => {
    expect(isUniqueViolation(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
  });

  it.each(['57P01', '57P02', '57P03', '53100', '53200', '53300', '53400', '57014', '40001', '40P01', '58030', '08006', '08001', 'ECONNREFUSED', 'ETIMEDOUT'])(
    'code %s means the database is unavailable', (code) => {
      expect(isDatabaseUnavailable(queryFailed(code))).toBe(true);
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(true);
    });

  it.each(['timeout exceeded when trying to connect', 'Connection terminated unexpectedly', 'Cannot use a pool after calling end on the pool'])(
    'node-postgres message "%s" means the database is unavailable', (message) => expect(isDatabaseUnavailable(new Error(message))).toBe(true));

  it.each([queryFailed('23505'), queryFailed('42P01'), new Error('boom'), null, undefined])('%s is not an outage', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it.each(['22021', '22P05', '22001', '22P02', '22003'])('SQLSTATE %s is a data exception, never an outage', (code) => {
    expect(isDataException(queryFailed(code))).toBe(true);
    expect(isDatabaseUnavailable(queryFailed(code))).toBe(false);
  });

  it.each(['23505', '42P01', '08006', '2200', 'P0001'])('SQLSTATE %s is not a data exception', (code) => {
    expect(isDataException(queryFailed(code))).toBe(false);
  });
});
