import { contentHash } from '../common/canonical-json.js';
import {
  auditRecordHash, chainLink, decisionRowContent, factRowContent, factsDigest, GENESIS_CHAIN_HASH, instant, rulesDigest, type DecisionRowContent, type FactRowContent,
} from './audit-record-hash.js';

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

describe('auditRecordHash of records written before and after the build and intake columns', () => {
  const FACT: FactRowContent = { ordinal: 0, name: 'spo2', value: 90, unit: '%', source: 'fhir', reference: 'Observation/1', code: null, effective: '2026-11-21T09:00:00Z', rawValue: 90.2, rawUnit: null };
  const NEW_ROW: DecisionRowContent = { ...ROW, verdictVersion: '0.1.0', verdictCommit: 'c'.repeat(40), factPatientRef: 'Patient/1',
    ignoredResources: [{ reference: 'Observation/9', resourceType: 'Observation', reason: 'other-patient', detail: 'about Patient/2' }] };

  it('hashes an older record (NULL in every new column) exactly as format v1 did, so it still verifies', () => {
    const v1 = contentHash({ v: 1, id: ROW.id, evaluatedAt: ROW.evaluatedAt, caller: ROW.caller, requestId: ROW.requestId, rulebookKey: ROW.rulebookKey,
      rulebookVersion: ROW.rulebookVersion, contentHash: ROW.contentHash, rulebookStatus: ROW.rulebookStatus, asOf: ROW.asOf, workflowInstanceId: null,
      sourceEventId: null, patientRef: 'Patient/1', encounterRef: null, outcome: ROW.outcome, inputHash: ROW.inputHash, idempotencyKey: null, rules: RULES, facts: FACTS });
    // As the verifier reads such a row back: the new columns are NULL.
    const stored = decisionRowContent({ id: ROW.id, evaluated_at: new Date(ROW.evaluatedAt), caller: ROW.caller, request_id: ROW.requestId, rulebook_key: ROW.rulebookKey,
      rulebook_version: ROW.rulebookVersion, content_hash: ROW.contentHash, rulebook_status: ROW.rulebookStatus, as_of: new Date(ROW.asOf), workflow_instance_id: null,
      source_event_id: null, patient_ref: 'Patient/1', encounter_ref: null, outcome: ROW.outcome, input_hash: ROW.inputHash, idempotency_key: null,
      verdict_version: null, verdict_commit: null, fact_patient_ref: null, ignored_resources: null });
    expect(auditRecordHash(stored, RULES, FACTS)).toBe(v1);
    expect(auditRecordHash(ROW, RULES, FACTS)).toBe(v1);
    const oldFact = factRowContent({ ordinal: 0, name: 'spo2', value: 90, unit: '%', source: 'fhir', reference: 'Observation/1', code: null,
      effective: new Date('2026-11-21T09:00:00Z'), raw_value: 90.2, raw_unit: null, status: null, missing_reason: null, missing_detail: null });
    expect(factsDigest([oldFact])).toBe(FACTS);
  });

  it.each([
    ['the build version', { verdictVersion: '0.1.1' }],
    ['the build commit', { verdictCommit: 'd'.repeat(40) }],
    ['the facts\' patient', { factPatientRef: 'Patient/2' }],
    ['an ignored resource', { ignoredResources: [] }],
  ])('binds %s of a newer record: changing it changes the hash', (_name, change) => {
    expect(auditRecordHash(NEW_ROW, RULES, FACTS)).not.toBe(auditRecordHash(ROW, RULES, FACTS));
    expect(auditRecordHash({ ...NEW_ROW, ...change }, RULES, FACTS)).not.toBe(auditRecordHash(NEW_ROW, RULES, FACTS));
  });

  it.each([
    ['a fact\'s FHIR status', { status: 'final' }, { status: 'preliminary' }],
    ['why a fact is missing', { source: 'missing', missingReason: 'stale', missingDetail: 'older than PT4H' }, { source: 'missing', missingReason: 'unreadable', missingDetail: 'older than PT4H' }],
    ['the explanation of a missing fact', { source: 'missing', missingReason: 'stale', missingDetail: 'older than PT4H' }, { source: 'missing', missingReason: 'stale', missingDetail: 'older than PT1H' }],
  ])('binds %s of a newer fact row', (_name, kept, tampered) => {
    const digest = factsDigest([{ ...FACT, ...kept }]);
    expect(digest).not.toBe(FACTS);
    expect(factsDigest([{ ...FACT, ...tampered }])).not.toBe(digest);
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
