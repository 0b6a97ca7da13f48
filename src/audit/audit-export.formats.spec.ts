import { csvCell, csvLine, decisionAuditEvent, type DecisionSummary } from './audit-export.formats.js';

const SUMMARY: DecisionSummary = {
  decisionId: '0b5e0000-0000-4000-8000-000000000001', evaluatedAt: '2026-11-21T09:30:00.118Z', asOf: '2026-11-21T09:30:00.000Z',
  caller: 'epic-bridge', requestId: 'req-1', rulebook: { key: 'ed-triage', version: '1.0.0', contentHash: 'sha256:' + 'a'.repeat(64), statusAtDecision: 'approved' },
  outcome: { acuity: 2 }, context: { patientRef: 'Patient/1' }, firedRules: ['r1', 'r2'], idempotencyKey: null, recordHash: null,
};

describe('csvCell (RFC 4180, OWASP CSV injection)', () => {
  it.each([
    ['plain', 'plain'],
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x","y")', `"'=HYPERLINK(""x"",""y"")"`],
    ['line\nbreak', '"line\nbreak"'],
    [null, ''],
  ])('%j -> %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes one CRLF line with the outcome as canonical JSON and fired rules joined by ;', () => {
    expect(csvLine(SUMMARY)).toBe(`0b5e0000-0000-4000-8000-000000000001,2026-11-21T09:30:00.118Z,2026-11-21T09:30:00.000Z,epic-bridge,req-1,ed-triage,1.0.0,sha256:${'a'.repeat(64)},approved,Patient/1,,,,"{""acuity"":2}",r1;r2,,\r\n`);
  });
});

describe('decisionAuditEvent (FHIR R4 AuditEvent)', () => {
  it('maps a decision to type, action E, recorded, outcome, agents and entities', () => {
    const event = decisionAuditEvent(SUMMARY);
    expect(event).toMatchObject({ resourceType: 'AuditEvent', id: SUMMARY.decisionId, action: 'E', recorded: SUMMARY.evaluatedAt, outcome: '0', outcomeDesc: '{"acuity":2}' });
    expect((event.entity as { role: { code: string } }[]).map((e) => e.role.code)).toEqual(['1', '5', '3']);
  });

  it('leaves the patient entity out when the decision names no patient', () => {
    const event = decisionAuditEvent({ ...SUMMARY, context: {} });
    expect((event.entity as unknown[]).length).toBe(2);
  });
});
