import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import request from 'supertest';
import { AuditChainSealer } from '../../src/audit/chain/audit-chain.sealer.js';
import { auditEventBundleProblems } from '../support/fhir-audit-event-validator.js';
import { approvedVersion, AUDITOR, bundled, ENGINE, PINNING_ENGINE } from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const AS_OF = '2026-11-21T09:30:00.000Z';
const HOURS_BEFORE = (h: number) => new Date(Date.parse(AS_OF) - h * 3_600_000).toISOString();
/** A copy of ed-triage 1.1.0 whose heart rate may be at most 4 hours old at asOf (a test rulebook, not a recommendation). */
const STALE_HR_VERSION = '9.0.0';

const quantity = (value: number, code: string) => ({ value, unit: code, system: 'http://unitsofmeasure.org', code });
const observation = (id: string, patient: string, loinc: string, value: Record<string, unknown>, effective: string, status = 'final') => ({
  fullUrl: `http://example.org/fhir/Observation/${id}`,
  resource: {
    resourceType: 'Observation', id, status,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
    subject: { reference: patient }, effectiveDateTime: effective, valueQuantity: value,
  },
});

/**
 * The patient p1 with: a heart rate a day old (stale under a 4-hour maximum), an SpO2 from 10 minutes ago, a
 * temperature entered in error, and a respiratory rate of another patient (p2) that must be left out.
 */
const BUNDLE = {
  resourceType: 'Bundle', type: 'collection',
  entry: [
    { fullUrl: 'http://example.org/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'p1', birthDate: '1970-05-01' } },
    observation('hr-old', 'Patient/p1', '8867-4', quantity(88, '/min'), HOURS_BEFORE(24)),
    observation('spo2-now', 'Patient/p1', '2708-6', quantity(97, '%'), HOURS_BEFORE(1 / 6)),
    observation('temp-eie', 'Patient/p1', '8310-5', quantity(39.2, 'Cel'), HOURS_BEFORE(1 / 6), 'entered-in-error'),
    observation('rr-other', 'Patient/p2', '9279-1', quantity(30, '/min'), HOURS_BEFORE(1 / 6)),
  ],
};

/** The build the running code should name: package.json's version and the commit checked out (or `unknown`). */
function expectedBuild(): { version: string; commit: string } {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a checkout
  }
  return { version: (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version, commit };
}

/**
 * The members that must read the same, byte for byte, in POST and GET: everything but the JSON that PostgreSQL keeps
 * as jsonb (`outcome`, each rule's `event` and `conditions`), whose key order jsonb does not keep (compared deeply).
 */
function textual(body: Record<string, any>): string {
  const { rules: _rules, ...explanation } = body.explanation as Record<string, unknown>;
  return JSON.stringify({ ...body, outcome: undefined, explanation });
}

/** Reads a whole response body as text, whatever its content type. */
function text(req: request.Test): request.Test {
  return req.buffer(true).parse((res, callback) => {
    let data = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => { data += chunk; });
    res.on('end', () => callback(null, data));
  });
}

/**
 * Issue 7: every decision names the Verdict build that made it, and its explanation says why a fact is missing (a
 * stale reading with its time), which resources were left out and whose facts they are; all of it is stored in the
 * audit, returned identically by GET, exported, and covered by the tamper-evident record hash, while decisions
 * recorded before these columns existed keep verifying.
 */
describe('decision provenance: the Verdict build and the intake explanation, stored and audited', () => {
  let t: TestApp;
  let sealer: AuditChainSealer;
  let created: request.Response;

  beforeAll(async () => {
    t = await startTestApp();
    sealer = t.app.get(AuditChainSealer);
    const document = { ...bundled('ed-triage'), version: STALE_HR_VERSION };
    document.facts = { ...document.facts, heartRate: { ...document.facts.heartRate, maxAge: 'PT4H' } };
    expect((await approvedVersion(t.server, 'ed-triage', STALE_HR_VERSION, { document })).status).toBe('approved');
    // 9.0.0 is approved but never activated: naming it takes decision:pin-version.
    created = await request(t.server).post('/v1/decisions').set(PINNING_ENGINE)
      .send({ rulebook: 'ed-triage', version: STALE_HR_VERSION, fhir: BUNDLE, asOf: AS_OF, context: { encounterRef: 'Encounter/e1' } }).expect(201);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Runs SQL as the owner with the append-only triggers bypassed: what a tampering superuser can do. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  const integrityOf = async (id: string) => {
    await sealer.sealPending({ marginMs: 0 });
    const [{ seq }] = await t.sql<{ seq: string }>(`SELECT seq FROM decision_chain WHERE decision_id = $1`, [id]);
    return (await request(t.server).get('/v1/audit/integrity').query({ fromSeq: seq, toSeq: seq }).set(AUDITOR).expect(200)).body;
  };

  it('names the Verdict build, the patient, why each fact is missing (stale, with its time) and the resources left out', () => {
    const { body } = created;
    expect(body.verdict).toEqual(expectedBuild());
    expect(body.explanation.patient).toBe('Patient/p1');
    expect(body.explanation.facts.spo2).toMatchObject({ value: 97, source: 'fhir', reference: 'Observation/spo2-now', status: 'final' });
    expect(body.explanation.missingFacts).toEqual(expect.arrayContaining(['heartRate', 'temperatureC', 'respiratoryRate']));
    expect(body.explanation.missingFactDetails.heartRate).toMatchObject({ reason: 'stale', reference: 'Observation/hr-old', effective: HOURS_BEFORE(24), rawValue: 88 });
    expect(body.explanation.missingFactDetails.temperatureC).toMatchObject({ reason: 'status-not-accepted', status: 'entered-in-error' });
    // Every missing fact says why, and only missing facts do.
    expect(Object.keys(body.explanation.missingFactDetails)).toEqual(body.explanation.missingFacts);
    expect(body.explanation.ignoredResources).toEqual(expect.arrayContaining([
      expect.objectContaining({ reference: 'Observation/rr-other', resourceType: 'Observation', reason: 'other-patient' })]));
  });

  it('returns from GET /v1/decisions/{id} the decision POST answered: the same members in the same order', async () => {
    const read = await request(t.server).get(`/v1/decisions/${created.body.decisionId}`).set(AUDITOR).expect(200);
    expect(read.body).toEqual(created.body);
    expect(textual(read.body)).toBe(textual(created.body));
    // Also for a decision on request facts only: no patient, nothing left out.
    const plain = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { respiratoryRate: 18 }, asOf: AS_OF }).expect(201);
    expect(plain.body.explanation).toMatchObject({ patient: null, ignoredResources: [] });
    expect(plain.body.explanation.missingFactDetails.heartRate).toMatchObject({ reason: 'not-in-supplied-data' });
    const plainRead = await request(t.server).get(`/v1/decisions/${plain.body.decisionId}`).set(ENGINE).expect(200);
    expect(plainRead.body).toEqual(plain.body);
    expect(textual(plainRead.body)).toBe(textual(plain.body));
  });

  it('stores all of it in the audit rows and shows it in the audit read and the exports', async () => {
    const id = created.body.decisionId as string;
    const [row] = await t.sql<Record<string, unknown>>(`SELECT verdict_version, verdict_commit, fact_patient_ref, ignored_resources FROM decision WHERE id = $1`, [id]);
    expect(row).toMatchObject({ verdict_version: expectedBuild().version, verdict_commit: expectedBuild().commit, fact_patient_ref: 'Patient/p1' });
    expect(row.ignored_resources).toEqual(created.body.explanation.ignoredResources);
    const [hr] = await t.sql<Record<string, unknown>>(
      `SELECT source, missing_reason, missing_detail, reference, effective FROM decision_fact WHERE decision_id = $1 AND name = 'heartRate'`, [id]);
    expect(hr).toMatchObject({ source: 'missing', missing_reason: 'stale', reference: 'Observation/hr-old', effective: new Date(HOURS_BEFORE(24)) });

    const detail = await request(t.server).get(`/v1/audit/decisions/${id}`).set(AUDITOR).expect(200);
    expect(detail.body.verdict).toEqual(created.body.verdict);
    expect(detail.body.explanation).toEqual(created.body.explanation);

    const ndjson = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'ndjson', encounterRef: 'Encounter/e1' }).set(AUDITOR)).expect(200);
    const [line] = (ndjson.body as string).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line.verdict).toEqual(created.body.verdict);
    expect(line.explanation).toEqual(created.body.explanation);
    expect(textual({ explanation: line.explanation })).toBe(textual({ explanation: created.body.explanation }));

    const csv = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'csv', encounterRef: 'Encounter/e1' }).set(AUDITOR)).expect(200);
    expect((csv.body as string).trimEnd().split('\r\n')[1]).toMatch(new RegExp(`,${expectedBuild().version},${expectedBuild().commit}$`));

    const fhir = await text(request(t.server).get('/v1/audit/decisions/export').query({ format: 'fhir', encounterRef: 'Encounter/e1' }).set(AUDITOR)).expect(200);
    const bundle = JSON.parse(fhir.body as string);
    expect(auditEventBundleProblems(bundle)).toEqual([]);
    const decisionEntity = bundle.entry[0].resource.entity.find((e: { role: { code: string } }) => e.role.code === '3');
    expect(decisionEntity.detail).toEqual(expect.arrayContaining([{ type: 'verdictCommit', valueString: expectedBuild().commit }]));
  });

  it('keeps the chain intact over new decisions, and detects a changed build, missing reason or ignored resource', async () => {
    const id = created.body.decisionId as string;
    expect(await integrityOf(id)).toMatchObject({ ok: true, checked: { links: 1, records: 1 } });

    const cases: [string, string][] = [
      ['the build commit', `UPDATE decision SET verdict_commit = 'unknown' WHERE id = $1`],
      ['why a fact is missing', `UPDATE decision_fact SET missing_reason = 'not-in-supplied-data' WHERE decision_id = $1 AND name = 'heartRate'`],
      ['a resource left out', `UPDATE decision SET ignored_resources = '[]'::jsonb WHERE id = $1`],
      ['the facts\' patient', `UPDATE decision SET fact_patient_ref = 'Patient/p2' WHERE id = $1`],
    ];
    for (const [what, sql] of cases) {
      const decided = await request(t.server).post('/v1/decisions').set(PINNING_ENGINE)
        .send({ rulebook: 'ed-triage', version: STALE_HR_VERSION, fhir: BUNDLE, asOf: AS_OF }).expect(201);
      const victim = decided.body.decisionId as string;
      expect(await integrityOf(victim)).toMatchObject({ ok: true });
      await tamper(sql, [victim]);
      const report = await integrityOf(victim);
      expect({ what, firstBrokenLink: report.firstBrokenLink }).toMatchObject({ what, firstBrokenLink: { kind: 'record-altered', decisionId: victim } });
    }
  });

  it('still verifies a decision recorded before these columns existed, and shows it with the same stable shape', async () => {
    const model = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { respiratoryRate: 18 }, asOf: AS_OF }).expect(201);
    const old = '01d00000-0000-4000-8000-000000000001';
    // A record as the service wrote it before the migration: the same rows, with every new column NULL.
    await tamper(`INSERT INTO decision (id, evaluated_at, caller, request_id, rulebook_key, rulebook_version, content_hash, rulebook_status, as_of,
                    outcome, input_hash)
                  SELECT $1, date_trunc('milliseconds', clock_timestamp()), caller, request_id, rulebook_key, rulebook_version, content_hash, rulebook_status, as_of, outcome, input_hash
                    FROM decision WHERE id = $2`, [old, model.body.decisionId]);
    await tamper(`INSERT INTO decision_rule SELECT $1, d.evaluated_at, r.ordinal, r.name, r.stage, r.priority, r.fired, r.event, r.conditions
                    FROM decision_rule r, decision d WHERE r.decision_id = $2 AND d.id = $1`, [old, model.body.decisionId]);
    await tamper(`INSERT INTO decision_fact (decision_id, evaluated_at, ordinal, name, value, unit, source, reference, code, effective, raw_value, raw_unit)
                  SELECT $1, d.evaluated_at, f.ordinal, f.name, f.value, f.unit, f.source, NULL, NULL, NULL, NULL, NULL
                    FROM decision_fact f, decision d WHERE f.decision_id = $2 AND d.id = $1`, [old, model.body.decisionId]);
    // Sealed from its rows (record_hash NULL), as the sealer does for such records; then verified from its rows.
    expect(await integrityOf(old)).toMatchObject({ ok: true, checked: { records: 1 } });

    const read = await request(t.server).get(`/v1/decisions/${old}`).set(AUDITOR).expect(200);
    expect(read.body.verdict).toBeNull();
    expect(read.body.explanation).toMatchObject({ missingFacts: model.body.explanation.missingFacts, missingFactDetails: {}, ignoredResources: [], patient: null });
    expect(Object.keys(read.body)).toEqual(Object.keys(model.body));
    expect(Object.keys(read.body.explanation)).toEqual(Object.keys(model.body.explanation));
  });
});
