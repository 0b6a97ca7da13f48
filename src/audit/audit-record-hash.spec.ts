import { auditRecordHash, chainLink, factsDigest, GENESIS_CHAIN_HASH, instant, rulesDigest, type DecisionRowContent } from './audit-record-hash.js';

const ROW: DecisionRowContent = {
  id: '0b5e0000-0000-4000-8000-000000000001', evaluatedAt: '2026-11-21T09:30:00.118Z', caller: 'epic', requestId: 'r', rulebookKey: 'ed-triage',
  rulebookVersion: '1.0.0', contentHash: 'sha256:' + 'a'.repeat(64), rulebookStatus: 'approved', asOf: '2026-11-21T09:30:00.000Z',
  workflowInstanceId: null, sourceEventId: null, patientRef: 'Patient/1', encounterRef: null, outcome: { acuity: 2, news2: { score: 7 } }, inputHash: 'sha256:x', idempotencyKey: null,
};
const RULES = rulesDigest([{ ordinal: 0, name: 'r', stage: 1, priority: 1, fired: true, event: { type: 'x' }, conditions: { all: [] } }]);
const FACTS = factsDigest([{ ordinal: 0, name: 'spo2', value: 90, unit: '%', source: 'fhir', reference: 'Observation/1', code: null, effective: '2026-11-21T09:00:00Z', rawValue: 90.2, rawUnit: null }]);

describe('auditRecordHash', () => {
  it('is stable under key order and instant notation (RFC 8785 canonical content)', () => {
    const reordered = { ...ROW, outcome: { news2: { score: 7 }, acuity: 2 }, evaluatedAt: '2026-11-21T10:30:00.118+01:00' };
    expect(auditRecordHash(reordered, RULES, FACTS)).toBe(auditRecordHash(ROW, RULES, FACTS));
    expect(auditRecordHash(ROW, RULES, FACTS)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['a changed caller', { ...ROW, caller: 'epix' }],
    ['a changed outcome value', { ...ROW, outcome: { acuity: 3, news2: { score: 7 } } }],
    ['a removed patient', { ...ROW, patientRef: null }],
    ['a changed status then', { ...ROW, rulebookStatus: 'retired' }],
  ])('changes with %s', (_name, changed) => {
    expect(auditRecordHash(changed as DecisionRowContent, RULES, FACTS)).not.toBe(auditRecordHash(ROW, RULES, FACTS));
  });

  it('changes with any rule or fact row', () => {
    const otherRules = rulesDigest([{ ordinal: 0, name: 'r', stage: 1, priority: 1, fired: false, event: { type: 'x' }, conditions: { all: [] } }]);
    const otherFacts = factsDigest([{ ordinal: 0, name: 'spo2', value: 91, unit: '%', source: 'fhir', reference: 'Observation/1', code: null, effective: '2026-11-21T09:00:00Z', rawValue: 90.2, rawUnit: null }]);
    expect(auditRecordHash(ROW, otherRules, FACTS)).not.toBe(auditRecordHash(ROW, RULES, FACTS));
    expect(auditRecordHash(ROW, RULES, otherFacts)).not.toBe(auditRecordHash(ROW, RULES, FACTS));
  });
});

describe('chainLink', () => {
  it('binds the previous link, the position, the decision and the record hash', () => {
    const link = chainLink(GENESIS_CHAIN_HASH, 1, ROW.id, 'sha256:r');
    expect(link).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(chainLink(GENESIS_CHAIN_HASH, 2, ROW.id, 'sha256:r')).not.toBe(link);
    expect(chainLink(link, 1, ROW.id, 'sha256:r')).not.toBe(link);
    expect(chainLink(GENESIS_CHAIN_HASH, 1, ROW.id, 'sha256:s')).not.toBe(link);
  });
});

describe('instant', () => {
  it('writes RFC 3339 UTC with milliseconds', () => {
    expect(instant('2026-11-21T10:30:00+01:00')).toBe('2026-11-21T09:30:00.000Z');
    expect(instant(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(instant(null)).toBeNull();
  });
});
