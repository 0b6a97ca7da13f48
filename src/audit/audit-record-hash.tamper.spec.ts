import {
  auditRecordHash, decisionRowContent, factRowContent, factsDigest, ruleRowContent, rulesDigest, type DecisionRowContent, type FactRowContent,
  type RuleRowContent,
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

describe('reading stored rows back (node-postgres types) for verification', () => {
  it('reads every decision column as written, so a verifier hashes what the writer hashed', () => {
    const row = {
      id: DECISION.id, evaluated_at: new Date(DECISION.evaluatedAt), caller: DECISION.caller, request_id: DECISION.requestId,
      rulebook_key: DECISION.rulebookKey, rulebook_version: DECISION.rulebookVersion, content_hash: DECISION.contentHash,
      rulebook_status: DECISION.rulebookStatus, as_of: new Date(DECISION.asOf), workflow_instance_id: DECISION.workflowInstanceId,
      source_event_id: DECISION.sourceEventId, patient_ref: DECISION.patientRef, encounter_ref: DECISION.encounterRef, outcome: DECISION.outcome,
      input_hash: DECISION.inputHash, idempotency_key: DECISION.idempotencyKey, verdict_version: DECISION.verdictVersion,
      verdict_commit: DECISION.verdictCommit, fact_patient_ref: DECISION.factPatientRef, ignored_resources: DECISION.ignoredResources,
    };
    expect(decisionRowContent(row)).toStrictEqual(DECISION);
  });

  it('reads NULL and absent later columns of a decision as null', () => {
    const read = decisionRowContent({ id: DECISION.id, evaluated_at: new Date(DECISION.evaluatedAt), caller: 'c', request_id: 'r', rulebook_key: 'k',
      rulebook_version: '1.0.0', content_hash: 'h', rulebook_status: null, as_of: new Date(DECISION.asOf), workflow_instance_id: null,
      source_event_id: null, patient_ref: null, encounter_ref: null, outcome: null, input_hash: 'i', idempotency_key: null });
    expect(read).toMatchObject({ rulebookStatus: null, workflowInstanceId: null, sourceEventId: null, patientRef: null, encounterRef: null, outcome: null,
      idempotencyKey: null, verdictVersion: null, verdictCommit: null, factPatientRef: null, ignoredResources: null });
  });

  it('reads every rule and fact column as written', () => {
    const [rule] = RULE_ROWS;
    expect(ruleRowContent({ ordinal: String(rule.ordinal), name: rule.name, stage: String(rule.stage), priority: String(rule.priority), fired: rule.fired,
      event: rule.event, conditions: rule.conditions })).toStrictEqual(rule);
    expect(ruleRowContent({ ordinal: '1', name: 'n', stage: '1', priority: '1', fired: false })).toStrictEqual(
      { ordinal: 1, name: 'n', stage: 1, priority: 1, fired: false, event: null, conditions: null });
    const [fact, missing] = FACT_ROWS;
    const stored = (f: FactRowContent) => ({ ordinal: String(f.ordinal), name: f.name, value: f.value, unit: f.unit, source: f.source, reference: f.reference,
      code: f.code, effective: f.effective === null ? null : new Date(f.effective), raw_value: f.rawValue, raw_unit: f.rawUnit, status: f.status,
      missing_reason: f.missingReason, missing_detail: f.missingDetail });
    expect(factRowContent(stored(fact))).toStrictEqual(fact);
    expect(factRowContent(stored(missing))).toStrictEqual(missing);
  });
});
