import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { decide, HIGH_RISK_ADULT } from '../support/audit-decisions.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Append-only for real: the service's database role cannot change audit rows, whatever the triggers say. */
describe('database roles: the service runs as verdict_service', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await startTestApp();
    id = (await decide(t, HIGH_RISK_ADULT, { patientRef: 'Patient/r1' })).decisionId;
  });
  afterAll(async () => {
    await t.close();
  });

  it("runs the service's queries as verdict_service", async () => {
    const [row] = (await t.app.get(DataSource).query(`SELECT current_user AS role`)) as { role: string }[];
    expect(row.role).toBe('verdict_service');
  });

  it.each([
    ['UPDATE decision SET caller = $2 WHERE id = $1', ['x']],
    ['DELETE FROM decision_rule WHERE decision_id = $1', []],
    ['UPDATE decision_fact SET unit = $2 WHERE decision_id = $1', ['x']],
    ['DELETE FROM idempotency_key WHERE decision_id = $1', []],
    ['DELETE FROM decision_chain WHERE decision_id = $1', []],
  ])('refuses %s for lack of privilege, even with the triggers off', async (sql, extra) => {
    // The owner switches the triggers off for the whole table: only the privileges are left to stop the service.
    const owner = new pg.Client({ connectionString: t.db.url });
    await owner.connect();
    const table = /(?:UPDATE|FROM) (\w+)/.exec(sql)![1];
    await owner.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    try {
      await t.app.get(DataSource).query(sql, [id, ...extra]).then(
        () => { throw new Error('the service changed an audit row'); },
        (error: { driverError?: { code?: string } }) => expect(error.driverError?.code).toBe('42501'),
      );
    } finally {
      await owner.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
      await owner.end();
    }
  });

  it('refuses TRUNCATE and DROP of audit tables to the service', async () => {
    const ds = t.app.get(DataSource);
    for (const sql of ['TRUNCATE decision', 'TRUNCATE audit_access_log', 'DROP TABLE decision_chain', 'ALTER TABLE decision DISABLE TRIGGER USER']) {
      await expect(ds.query(sql)).rejects.toMatchObject({ driverError: { code: '42501' } });
    }
  });

  it('still decides and reads through the API (the role has what it needs)', async () => {
    await request(t.server).get(`/v1/audit/decisions/${id}`).set({ Authorization: 'Bearer dev-auditor' }).expect(200);
    await request(t.server).get('/health/ready').expect(200);
  });
});
