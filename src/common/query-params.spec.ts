import { DomainError } from './domain-error.js';
import { QueryParams } from './query-params.js';

function problemsOf(read: (params: QueryParams) => void, query: Record<string, unknown>, allowed?: string[]): unknown {
  const params = new QueryParams(query, allowed);
  read(params);
  try {
    params.throwIfInvalid();
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(400);
    return (error as DomainError).errors;
  }
}

describe('QueryParams', () => {
  it('reads valid parameters and reports nothing', () => {
    const params = new QueryParams({ from: '2026-11-21T00:00:00Z', limit: '20', sort: 'asc' }, ['from', 'limit', 'sort']);
    expect(params.instant('from')?.toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(params.integer('limit', 1, 1000)).toBe(20);
    expect(params.oneOf('sort', ['asc', 'desc'])).toBe('asc');
    expect(() => params.throwIfInvalid()).not.toThrow();
  });

  it('collects every problem with a /query/<name> pointer before failing', () => {
    const errors = problemsOf((p) => {
      p.instant('from');
      p.integer('limit', 1, 1000);
      p.text('caller');
      p.oneOf('sort', ['asc', 'desc']);
    }, { from: '2026-02-30T00:00:00Z', limit: '1001', caller: ['a', 'b'], sort: 'up', extra: 'x' }, ['from', 'limit', 'caller', 'sort']);
    expect(errors).toEqual([
      { pointer: '/query/extra', message: 'is not a parameter of this operation' },
      { pointer: '/query/from', message: 'must be an RFC 3339 date-time with a time zone (2026-11-21T00:00:00Z)' },
      { pointer: '/query/limit', message: 'must be an integer from 1 to 1000' },
      { pointer: '/query/caller', message: 'must be given once' },
      { pointer: '/query/sort', message: 'must be one of asc, desc' },
    ]);
  });

  it.each(['', 'a\u0000b', 'x'.repeat(501)])('refuses the text %p', (text) => {
    expect(problemsOf((p) => p.text('q'), { q: text })).toEqual([{ pointer: '/query/q', message: 'must be 1 to 500 characters without control characters' }]);
  });

  it.each(['01', '-1', '1.5', '1e3', ' 1'])('refuses the integer %p', (text) => {
    expect(problemsOf((p) => p.integer('n', 0, 10), { n: text })).toEqual([{ pointer: '/query/n', message: 'must be an integer from 0 to 10' }]);
  });

  it('accepts open-ended parameter families by prefix', () => {
    expect(problemsOf(() => undefined, { 'outcome.acuity': '2' }, [])).toEqual([{ pointer: '/query/outcome.acuity', message: 'is not a parameter of this operation' }]);
    const params = new QueryParams({ 'outcome.acuity': '2' }, [], ['outcome.']);
    expect(params.problems).toEqual([]);
  });
});
