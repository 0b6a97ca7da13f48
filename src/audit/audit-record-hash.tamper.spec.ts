import {
  auditRecordHash, factsDigest, rulesDigest, type DecisionRowContent, type FactRowContent, type RuleRowContent,
} from './audit-record-hash.js';

/**
 * Tamper evidence, field by field: a change to any stored column of a decision, of one of its rules or of one of its
 * facts changes the record hash, so `audit/verify` reports the link. Rows are hashed in `ordinal` order whatever
 * order the database returns them in.
 */

const DECISION: DecisionRowContent = {
  id: '0b5e0000-0000-4000-8000-000000000001', evaluatedAt: '2026-11-21T09:30:00.118Z', caller: 'epic', requestId: 'req-1',
  rulebookKey: 'ed-triage', rulebookVersion: '1.1.0', contentHash: 'sha256:' + 'a'.repeat(64), rulebookStatus: 'active',
  asOf: '2026-11-21T09:30:00.000Z', workflowInstanceId: 'wf-1', sourceEventId: 'evt-1', patientRef: 'Patient/1',
  encounterRef: 'Encounter/1', outcome: { acuity: 2 }, inputHash: 'sha256:' + 'b'.repeat(64), idempotencyKey: 'key-1',
  verdictVersion: '0.1.0', verdictCommit: 'c'.repeat(40), factPatientRef: 'Patient/1', ignoredResources: [{ reference: 'Observation/x', reason: 'other-patient' }],
};
const RULE_ROWS: RuleRowContent[] = [
  { ordinal: 0, name: 'danger-zone', stage: 1, priority: 5, fired: true, event: { type: 'outcome', params: { set: { acuity: 2 } } },
    conditions: { all: [{ fact: 'spo2', operator: 'lessThan', value: 92, factValue: 88, result: true }] } },
  { ordinal: 1, name: 'resources', stage: 2, priority: 1, fired: false, event: { type: 'outcome', params: { set: { acuity: 3 } } },
    conditions: { all: [{ fact: 'resources', operator: 'greaterThan', value: 1, factValue: 0, result: false }] } },
];
const FACT_ROWS: FactRowContent[] = [
  { ordinal: 0, name: 'spo2', value: 88, unit: '%', source: 'fhir', reference: 'Observation/1', code: 'http://loinc.org|59408-5',
    effective: '2026-11-21T09:00:00.000Z', rawValue: 88.4, rawUnit: '%', status: 'final', missingReason: null, missingDetail: null },
  { ordinal: 1, name: 'temperature', value: null, unit: 'Cel', source: 'missing', reference: null, code: null, effective: null,
    rawValue: null, rawUnit: null, status: null, missingReason: 'stale', missingDetail: 'older than PT4H' },
];

const hashOf = (decision: DecisionRowContent, rules: RuleRowContent[], facts: FactRowContent[]): string =>
  auditRecordHash(decision, rulesDigest(rules), factsDigest(facts));
const ORIGINAL = hashOf(DECISION, RULE_ROWS, FACT_ROWS);

describe('record hash: every decision column is bound', () => {
  const changes: [keyof DecisionRowContent, unknown][] = [
    ['id', '0b5e0000-0000-4000-8000-000000000002'], ['evaluatedAt', '2026-11-21T09:30:00.119Z'], ['caller', 'epix'],
    ['requestId', 'req-2'], ['rulebookKey', 'ed-triage-x'], ['rulebookVersion', '1.0.0'], ['contentHash', 'sha256:' + 'f'.repeat(64)],
    ['rulebookStatus', 'approved'], ['asOf', '2026-11-21T09:29:00.000Z'], ['workflowInstanceId', 'wf-2'], ['sourceEventId', 'evt-2'],
    ['patientRef', 'Patient/2'], ['encounterRef', 'Encounter/2'], ['outcome', { acuity: 3 }], ['inputHash', 'sha256:' + 'e'.repeat(64)],
    ['idempotencyKey', 'key-2'], ['verdictVersion', '0.1.1'], ['verdictCommit', 'd'.repeat(40)], ['factPatientRef', 'Patient/2'],
    ['ignoredResources', []],
  ];
  it.each(changes)('a changed %s changes the hash', (column, value) => {
    expect(hashOf({ ...DECISION, [column]: value }, RULE_ROWS, FACT_ROWS)).not.toBe(ORIGINAL);
  });

  it.each(['workflowInstanceId', 'sourceEventId', 'patientRef', 'encounterRef', 'idempotencyKey', 'rulebookStatus'] as const)(
    'a %s erased to NULL changes the hash', (column) => {
      expect(hashOf({ ...DECISION, [column]: null }, RULE_ROWS, FACT_ROWS)).not.toBe(ORIGINAL);
    });
});

describe('record hash: every rule and fact column is bound', () => {
  const ruleChanges: [keyof RuleRowContent, unknown][] = [
    ['name', 'danger'], ['stage', 2], ['priority', 4], ['fired', false],
    ['event', { type: 'outcome', params: { set: { acuity: 1 } } }], ['event', null],
    ['conditions', { all: [{ fact: 'spo2', operator: 'lessThan', value: 92, factValue: 95, result: true }] }], ['conditions', null],
  ];
  it.each(ruleChanges)('a rule with a changed %s changes the hash', (column, value) => {
    expect(hashOf(DECISION, [{ ...RULE_ROWS[0], [column]: value }, RULE_ROWS[1]], FACT_ROWS)).not.toBe(ORIGINAL);
  });

  const factChanges: [keyof FactRowContent, unknown][] = [
    ['name', 'sp02'], ['value', 95], ['value', null], ['unit', '1'], ['unit', null], ['source', 'request'],
    ['reference', 'Observation/2'], ['reference', null], ['code', 'http://loinc.org|2708-6'], ['code', null],
    ['effective', '2026-11-21T08:00:00.000Z'], ['effective', null], ['rawValue', 95], ['rawValue', null], ['rawUnit', '[%]'],
    ['rawUnit', null], ['status', 'amended'],
  ];
  it.each(factChanges)('a fact with a changed %s changes the hash', (column, value) => {
    expect(hashOf(DECISION, RULE_ROWS, [{ ...FACT_ROWS[0], [column]: value }, FACT_ROWS[1]])).not.toBe(ORIGINAL);
  });

  it.each([['missingReason', 'not-in-supplied-data'], ['missingDetail', 'none']] as const)('a missing fact with a changed %s changes the hash', (column, value) => {
    expect(hashOf(DECISION, RULE_ROWS, [FACT_ROWS[0], { ...FACT_ROWS[1], [column]: value }])).not.toBe(ORIGINAL);
  });

  it('a removed or swapped row changes the hash', () => {
    expect(hashOf(DECISION, [RULE_ROWS[0]], FACT_ROWS)).not.toBe(ORIGINAL);
    expect(hashOf(DECISION, RULE_ROWS, [FACT_ROWS[0]])).not.toBe(ORIGINAL);
    const swapped = [{ ...RULE_ROWS[0], ordinal: 1 }, { ...RULE_ROWS[1], ordinal: 0 }];
    expect(hashOf(DECISION, swapped, FACT_ROWS)).not.toBe(ORIGINAL);
  });
});

describe('record hash: independent of the order rows are read in', () => {
  it('hashes rules and facts in ordinal order whatever order the database returns them in', () => {
    expect(hashOf(DECISION, [...RULE_ROWS].reverse(), [...FACT_ROWS].reverse())).toBe(ORIGINAL);
  });
});
