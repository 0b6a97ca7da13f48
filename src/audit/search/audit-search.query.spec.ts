import { DomainError } from '../../common/domain-error.js';
import { encodeCursor, outcomeValues, parseDecisionSearch, searchSql } from './audit-search.query.js';

function pointers(query: Record<string, unknown>, mode: 'search' | 'export' = 'search'): string[] {
  try {
    parseDecisionSearch(query, mode);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(400);
    return (error as DomainError).errors!.map((e) => e.pointer);
  }
}

describe('parseDecisionSearch', () => {
  it('reads every filter and the defaults', () => {
    const { search } = parseDecisionSearch({
      from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00.000+01:00', rulebook: 'ed-triage', version: '1.0.0', rule: 'news2-respiratory-rate-3',
      patientRef: 'Patient/1', encounterRef: 'Encounter/2', workflowInstanceId: 'wf', sourceEventId: 'evt', caller: 'epic', 'outcome.news2.riskBand': 'high',
    }, 'search');
    expect(search).toMatchObject({ rulebook: 'ed-triage', version: '1.0.0', limit: 100, sort: { field: 'evaluatedAt', descending: true },
      context: { patientRef: 'Patient/1', encounterRef: 'Encounter/2', workflowInstanceId: 'wf', sourceEventId: 'evt', caller: 'epic' },
      outcome: [{ path: ['news2', 'riskBand'], values: ['high'] }] });
    expect(search.to!.toISOString()).toBe('2026-11-01T23:00:00.000Z');
  });

  it.each([
    [{ limit: '0' }, ['/query/limit']],
    [{ limit: '1000' }, []],
    [{ limit: '1001' }, ['/query/limit']],
    [{ limit: '1e3' }, ['/query/limit']],
    [{ from: '2026-11-01' }, ['/query/from']],
    [{ from: '2026-02-30T00:00:00Z' }, ['/query/from']],
    [{ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }, ['/query/to']],
    [{ sort: 'caller' }, ['/query/sort']],
    [{ sort: '-asOf' }, []],
    [{ rulebook: '../x' }, ['/query/rulebook']],
    [{ version: '1.0' }, ['/query/version']],
    [{ patientRef: '' }, ['/query/patientRef']],
    [{ patientRef: 'a\u0000b' }, ['/query/patientRef']],
    [{ patientRef: ['a', 'b'] }, ['/query/patientRef']],
    [{ 'outcome.': 'x' }, ['/query/outcome.']],
    [{ 'outcome.a.b.c.d.e.f.g': 'x' }, ['/query/outcome.a.b.c.d.e.f.g']],
    [{ unknown: '1', other: '2' }, ['/query/unknown', '/query/other']],
    [{ format: 'csv' }, ['/query/format']],
    [{ cursor: '!!' }, ['/query/cursor']],
  ])('search %j -> pointers %j', (query, expected) => {
    expect(pointers(query)).toEqual(expected);
  });

  it('requires a known format for exports and refuses paging parameters there', () => {
    expect(pointers({}, 'export')).toEqual(['/query/format']);
    expect(pointers({ format: 'pdf' }, 'export')).toEqual(['/query/format']);
    expect(pointers({ format: 'fhir', limit: '10', cursor: 'x' }, 'export')).toEqual(['/query/limit', '/query/cursor']);
    expect(parseDecisionSearch({ format: 'csv' }, 'export').format).toBe('csv');
  });

  it('accepts its own cursor only with the same sort', () => {
    const cursor = encodeCursor({ field: 'evaluatedAt', descending: true }, new Date('2026-11-21T09:00:00Z'), '0b5e0000-0000-4000-8000-000000000001');
    expect(parseDecisionSearch({ cursor }, 'search').search.after).toEqual({ value: new Date('2026-11-21T09:00:00Z'), id: '0b5e0000-0000-4000-8000-000000000001' });
    expect(pointers({ cursor, sort: 'evaluatedAt' })).toEqual(['/query/cursor']);
    expect(pointers({ cursor: Buffer.from('{"s":"-evaluatedAt","v":"x","i":"y"}').toString('base64url') })).toEqual(['/query/cursor']);
  });
});

describe('outcomeValues', () => {
  it.each([
    ['2', [2, '2']], ['-1.5', [-1.5, '-1.5']], ['true', [true, 'true']], ['false', [false, 'false']], ['null', [null, 'null']],
    ['high', ['high']], ['01', ['01']], ['1e999', ['1e999']],
  ])('%s -> %j', (raw, values) => {
    expect(outcomeValues(raw)).toEqual(values);
  });
});

describe('searchSql', () => {
  it('binds every value and orders by the sort with the id as tie-breaker', () => {
    const { search } = parseDecisionSearch({ rulebook: 'ed-triage', 'outcome.acuity': '2', rule: "x'; DROP TABLE decision; --", sort: 'asOf' }, 'search');
    const sql = searchSql({ ...search, after: { value: new Date('2026-01-01T00:00:00Z'), id: '0b5e0000-0000-4000-8000-000000000001' } });
    expect(sql.where).not.toContain('DROP');
    expect(sql.params).toEqual(['ed-triage', '{"acuity":2}', '{"acuity":"2"}', "x'; DROP TABLE decision; --", new Date('2026-01-01T00:00:00Z'), '0b5e0000-0000-4000-8000-000000000001']);
    expect(sql.where).toContain('(d.as_of, d.id) > ($5, $6::uuid)');
    expect(sql.orderBy).toBe('d.as_of ASC, d.id ASC');
    expect(searchSql(parseDecisionSearch({}, 'search').search)).toEqual({ where: 'TRUE', params: [], orderBy: 'd.evaluated_at DESC, d.id DESC' });
  });
});
