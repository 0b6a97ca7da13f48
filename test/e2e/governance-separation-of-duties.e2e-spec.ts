import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { loadAppConfig } from '../../src/config/app.config.js';
import { SERVICE_ROLE } from '../../src/database/data-source.js';
import { RulebookRegistry } from '../../src/rulebooks/rulebook-registry.service.js';
import {
  APPROVER, APPROVER_2, AUDITOR, AUTHOR, AUTHOR_2, approvedVersion, bundled, CLINICAL_LEAD, ENGINE, NORMAL_ADULT, OPERATOR, PINNING_ENGINE, SAFETY_OFFICER,
  stricterTriage, versionPath,
} from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A refusal answers problem+json with the status and code. */
function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String), requestId: expect.any(String) });
}

/** Another Verdict instance on the same database, started later (as an upgrade or a second replica would run). */
async function startInstance(t: TestApp, env: Record<string, string>): Promise<NestFastifyApplication> {
  const config = loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_SECOND: '0', VERDICT_DEMO_AUTH: 'true', HOST: '127.0.0.1',
    ...env, DATABASE_URL: t.db.url });
  const app = await createApp(config, t.db.url, { logs: false });
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const SCHEDULING = 'scheduling-eligibility';
const SCHEDULING_FACTS = { appointmentType: 'primary-care', hasActiveCoverage: true };

/**
 * Four eyes without loopholes (issue 9, item 4; rulebooks/GOVERNANCE.md "Separation of duties"). Each loophole the
 * security probe found is refused through the API and, where the database holds the line too, directly in SQL as the
 * service's database role (`SET ROLE verdict_service` on a connection of the database's owner, as the service's
 * sessions run):
 * - no role bundles author and approver (the former `admin`);
 * - the authors of a version, those of every version it was copied from, and its submitter never approve it;
 * - versions are created as drafts only and their authorship is frozen; approvals and status changes only through
 *   the lifecycle;
 * - bundled files go into review on an existing installation (a fresh one bootstraps them, recorded as such);
 * - engines run the version in force at `asOf`, bounded to now plus a tolerance, unless they hold decision:pin-version.
 */
describe('separation of duties', () => {
  let t: TestApp;
  let service: pg.Client;

  beforeAll(async () => {
    t = await startTestApp();
    service = new pg.Client({ connectionString: t.db.url });
    await service.connect();
    await service.query(`SET ROLE ${SERVICE_ROLE}`);
  });
  afterAll(async () => {
    await service?.end();
    await t?.close();
  });

  /** Runs `sql` as the service's role and expects the database to refuse it, with a reason matching `reason`. */
  const refusedInSql = async (sql: string, params: unknown[], reason: RegExp): Promise<void> => {
    await expect(service.query(sql, params)).rejects.toThrow(reason);
  };
  const versionRow = async (key: string, version: string) =>
    (await t.sql<{ id: string; content_hash: string; status: string }>(`SELECT id, content_hash, status FROM rulebook_version WHERE rulebook_key = $1 AND version = $2`,
      [key, version]))[0];
  const lastRefusal = async (key: string, version: string) =>
    ((await request(t.server).get(`/v1/rulebooks/${key}/history?version=${version}&limit=1000`).set(AUDITOR).expect(200)).body.entries as
      { outcome: string; actor: string; role: string; problem: { code: string; status: number } | null }[]).filter((e) => e.outcome === 'refused').at(-1);

  describe('roles: none bundles authoring and approving', () => {
    it('has no admin: the former all-roles token is unknown and the operator only reads metrics', async () => {
      expectProblem(await request(t.server).get('/v1/rulebooks').set({ Authorization: 'Bearer dev-admin' }), 401, 'UNAUTHENTICATED');
      await request(t.server).get('/metrics').set(OPERATOR).expect(200);
      expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(OPERATOR).send({ copyOf: '1.1.0', version: '1.9.0' }), 403, 'FORBIDDEN');
      expectProblem(await request(t.server).post(versionPath('ed-triage', '1.1.0', 'activate')).set(OPERATOR).send({}), 403, 'FORBIDDEN');
      expectProblem(await request(t.server).get('/v1/audit/decisions').set(OPERATOR), 403, 'FORBIDDEN');
      expectProblem(await request(t.server).post('/v1/decisions').set(OPERATOR).send({ rulebook: 'ed-triage', facts: NORMAL_ADULT }), 403, 'FORBIDDEN');
      // An author is no approver, an approver no author, an engine neither.
      expectProblem(await request(t.server).post(versionPath('ed-triage', '1.1.0', 'activate')).set(AUTHOR).send({}), 403, 'FORBIDDEN');
      expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(APPROVER).send({ copyOf: '1.1.0', version: '1.9.0' }), 403, 'FORBIDDEN');
      expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(PINNING_ENGINE).send({ copyOf: '1.1.0', version: '1.9.0' }), 403, 'FORBIDDEN');
    });
  });

  describe('approvals: authors (through copies) and the submitter never approve', () => {
    it('refuses the authors of the version a copy was made from, through copies of copies, in the API and in SQL', async () => {
      // The clinical lead (author and approver) writes 2.0.0; an author copies it as 2.0.1, another copies that as 2.0.2.
      await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(CLINICAL_LEAD).send(stricterTriage('2.0.0')).expect(201);
      const copy = await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '2.0.0', version: '2.0.1' }).expect(201);
      expect(copy.body).toMatchObject({ basedOn: '2.0.0', createdBy: 'dev-author', editors: ['dev-author'] });
      const submitted = await request(t.server).post(versionPath('ed-triage', '2.0.1', 'submit')).set(AUTHOR).send({}).expect(200);
      const direct = await request(t.server).post(versionPath('ed-triage', '2.0.1', 'approve')).set(CLINICAL_LEAD).send({ contentHash: submitted.body.contentHash });
      expectProblem(direct, 403, 'SEPARATION_OF_DUTIES');
      expect(direct.body.detail).toBe('dev-clinical-lead created or edited ed-triage@2.0.0, which ed-triage@2.0.1 was copied from, and cannot also approve it: '
        + 'the authors of a version (including those of the versions it was copied from), its submitter and its approvers must be different people '
        + '(four-eyes principle). Another approver must approve it.');
      expect(await lastRefusal('ed-triage', '2.0.1')).toMatchObject({ actor: 'dev-clinical-lead', role: 'rulebook:approve', problem: { code: 'SEPARATION_OF_DUTIES', status: 403 } });

      await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR_2).send({ copyOf: '2.0.1', version: '2.0.2' }).expect(201);
      const again = await request(t.server).post(versionPath('ed-triage', '2.0.2', 'submit')).set(AUTHOR_2).send({}).expect(200);
      const transitive = await request(t.server).post(versionPath('ed-triage', '2.0.2', 'approve')).set(CLINICAL_LEAD).send({ contentHash: again.body.contentHash });
      expectProblem(transitive, 403, 'SEPARATION_OF_DUTIES');
      expect(transitive.body.detail).toMatch(/^dev-clinical-lead created or edited ed-triage@2\.0\.0, which ed-triage@2\.0\.2 was copied from, /);

      // The service's database role cannot record those approvals either.
      const row = await versionRow('ed-triage', '2.0.2');
      await refusedInSql(`INSERT INTO rulebook_approval (version_id, approver, content_hash) VALUES ($1, 'dev-clinical-lead', $2)`, [row.id, row.content_hash],
        /dev-clinical-lead authored or edited ed-triage@2\.0\.0, which ed-triage@2\.0\.2 was copied from, and cannot approve it/);
      await refusedInSql(`INSERT INTO rulebook_approval (version_id, approver, content_hash) VALUES ($1, 'dev-author', $2)`, [row.id, row.content_hash],
        /dev-author authored or edited ed-triage@2\.0\.1, which ed-triage@2\.0\.2 was copied from/);
      // Someone who wrote none of them approves.
      const approved = await request(t.server).post(versionPath('ed-triage', '2.0.2', 'approve')).set(APPROVER).send({ contentHash: again.body.contentHash }).expect(200);
      expect(approved.body.approvals).toEqual([expect.objectContaining({ approver: 'dev-approver' })]);
    });

    it('refuses the submitter, who never edited it, in the API and in SQL', async () => {
      await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(stricterTriage('2.1.0')).expect(201);
      const submitted = await request(t.server).post(versionPath('ed-triage', '2.1.0', 'submit')).set(CLINICAL_LEAD).send({}).expect(200);
      expect(submitted.body).toMatchObject({ editors: ['dev-author'], submittedBy: 'dev-clinical-lead' });
      const res = await request(t.server).post(versionPath('ed-triage', '2.1.0', 'approve')).set(CLINICAL_LEAD).send({ contentHash: submitted.body.contentHash });
      expectProblem(res, 403, 'SEPARATION_OF_DUTIES');
      expect(res.body.detail).toMatch(/^dev-clinical-lead submitted ed-triage@2\.1\.0 for review and cannot also approve it/);
      const row = await versionRow('ed-triage', '2.1.0');
      await refusedInSql(`INSERT INTO rulebook_approval (version_id, approver, content_hash) VALUES ($1, 'dev-clinical-lead', $2)`, [row.id, row.content_hash],
        /dev-clinical-lead submitted ed-triage@2\.1\.0 and cannot approve it/);
      await refusedInSql(`INSERT INTO rulebook_approval (version_id, approver, content_hash) VALUES ($1, 'dev-author', $2)`, [row.id, row.content_hash],
        /dev-author authored or edited ed-triage@2\.1\.0 and cannot approve it/);
      expect((await versionRow('ed-triage', '2.1.0')).status).toBe('in_review');
    });
  });

  describe('the lifecycle is the only way (SQL as the service role)', () => {
    let draftId: string;
    let reviewId: string;

    beforeAll(async () => {
      await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '1.1.0', version: '3.0.0' }).expect(201);
      await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(stricterTriage('3.1.0')).expect(201);
      await request(t.server).post(versionPath('ed-triage', '3.1.0', 'submit')).set(AUTHOR).send({}).expect(200);
      draftId = (await versionRow('ed-triage', '3.0.0')).id;
      reviewId = (await versionRow('ed-triage', '3.1.0')).id;
    });

    /** An INSERT of a copy of ed-triage 1.1.0 as `version`, with the given extra columns. */
    const insertVersion = (version: string, columns: Record<string, unknown>): [string, unknown[]] => {
      const names = Object.keys(columns);
      return [`INSERT INTO rulebook_version (id, rulebook_key, version, content, content_hash, ${names.join(', ')})
               SELECT gen_random_uuid(), 'ed-triage', $1, content, content_hash, ${names.map((_, i) => `$${i + 2}`).join(', ')}
                 FROM rulebook_version WHERE rulebook_key = 'ed-triage' AND version = '1.1.0'`, [version, ...Object.values(columns)]];
    };

    it('creates versions only as drafts: never approved (so never active), submitted, or with other editors', async () => {
      await refusedInSql(...insertVersion('4.0.0', { status: 'approved', provenance: 'api', created_by: 'dev-author' }),
        /cannot be created approved: a version is created as a draft and reaches approved only through the lifecycle/);
      await refusedInSql(...insertVersion('4.0.0', { status: 'in_review', provenance: 'api', created_by: 'dev-author', submitted_by: 'dev-author', approvals_required: 1 }),
        /cannot be created in_review/);
      await refusedInSql(...insertVersion('4.0.0', { status: 'draft', provenance: 'api', created_by: 'dev-author', approvals_required: 1 }), /cannot be created submitted/);
      await refusedInSql(...insertVersion('4.0.0', { status: 'draft', provenance: 'api', created_by: 'dev-author', editors: JSON.stringify(['dev-author', 'dev-approver']) }),
        /editors other than its creator dev-author/);
      // Approved and active in one transaction: the first statement is already refused.
      await service.query('BEGIN');
      try {
        await refusedInSql(...insertVersion('4.0.0', { status: 'approved', provenance: 'api', created_by: 'dev-author' }), /created as a draft/);
      } finally {
        await service.query('ROLLBACK');
      }
      const [{ n }] = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM rulebook_version WHERE rulebook_key = 'ed-triage' AND version = '4.0.0'`);
      expect(n).toBe(0);
      // A draft as the API creates it is accepted.
      await service.query(...insertVersion('4.0.0', { status: 'draft', provenance: 'api', created_by: 'dev-author', editors: JSON.stringify(['dev-author']) }));
    });

    it('refuses to pass a version off as bundled: no bootstrap on an installation that holds versions', async () => {
      await refusedInSql(...insertVersion('4.1.0', { status: 'approved', provenance: 'bundled', created_by: 'bundled' }), /created as a draft/);
      await refusedInSql(`INSERT INTO rulebook_bootstrap (txid, how) VALUES (0, 'bootstrap')`, [], /already holds rulebook versions: bundled rulebooks are no longer bootstrapped/);
      await refusedInSql(`DELETE FROM rulebook_bootstrap`, [], /permission denied|append-only/);
    });

    it('freezes authorship: creator, origin and provenance never change, a draft only gains editors, a submitted version none', async () => {
      await refusedInSql(`UPDATE rulebook_version SET created_by = 'dev-approver' WHERE id = $1`, [draftId], /who created it, what it was copied from and its provenance never change/);
      await refusedInSql(`UPDATE rulebook_version SET based_on = NULL WHERE id = $1`, [draftId], /never change/);
      await refusedInSql(`UPDATE rulebook_version SET provenance = 'bundled' WHERE id = $1`, [draftId], /never change/);
      await refusedInSql(`UPDATE rulebook_version SET editors = '[]'::jsonb WHERE id = $1`, [draftId], /editors of a draft are only ever added to/);
      await refusedInSql(`UPDATE rulebook_version SET submitted_by = 'dev-author' WHERE id = $1`, [draftId], /a draft has no submitter/);
      await refusedInSql(`UPDATE rulebook_version SET editors = '["dev-approver"]'::jsonb WHERE id = $1`, [reviewId], /is in_review: its editors and submitter are frozen/);
      await refusedInSql(`UPDATE rulebook_version SET editors = editors || '["dev-author-2"]'::jsonb WHERE id = $1`, [reviewId], /frozen/);
      await refusedInSql(`UPDATE rulebook_version SET submitted_by = 'dev-approver-2' WHERE id = $1`, [reviewId], /frozen/);
      await refusedInSql(`UPDATE rulebook_version SET approvals_required = 1 WHERE id = $1`, [reviewId], /fixed when it was submitted/);
      await refusedInSql(`UPDATE rulebook_version SET safety_approvals_required = 0 WHERE id = $1`, [reviewId], /fixed when it was submitted/);
      expect((await request(t.server).get(versionPath('ed-triage', '3.1.0')).set(AUDITOR).expect(200)).body)
        .toMatchObject({ editors: ['dev-author'], submittedBy: 'dev-author', approvalsRequired: 2, safetyApprovalsRequired: 1 });
    });

    it('changes status only along the lifecycle, with its approvals; approvals stay as given', async () => {
      await refusedInSql(`UPDATE rulebook_version SET status = 'approved' WHERE id = $1`, [draftId], /draft -> approved is not a lifecycle transition/);
      await refusedInSql(`UPDATE rulebook_version SET status = 'in_review' WHERE id = $1`, [draftId], /a submission names its submitter, its time and the approvals needed/);
      await refusedInSql(`UPDATE rulebook_version SET status = 'approved' WHERE id = $1`, [reviewId], /needs 2 approval\(s\) of its content/);
      await refusedInSql(`INSERT INTO rulebook_active_period (rulebook_key, valid_from, version, activation_id)
                          SELECT 'ed-triage', now() + interval '1 day', '3.1.0', min(id) FROM rulebook_activation`, [], /in_review and cannot be activated/);
      await refusedInSql(`INSERT INTO rulebook_approval (version_id, approver, content_hash) SELECT id, 'dev-approver', content_hash FROM rulebook_version WHERE id = $1`,
        [draftId], /is draft and cannot be approved/);
      await refusedInSql(`DELETE FROM rulebook_approval`, [], /permission denied/);
      await refusedInSql(`UPDATE rulebook_approval SET approver = 'dev-approver'`, [], /permission denied/);
      expect((await versionRow('ed-triage', '3.1.0')).status).toBe('in_review');
    });
  });

  describe('bundled rulebooks', () => {
    let dir: string;
    let later: NestFastifyApplication | undefined;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'verdict-bundled-later-'));
      mkdirSync(join(dir, 'ed-triage'));
      writeFileSync(join(dir, 'ed-triage', '5.0.0.json'), JSON.stringify(stricterTriage('5.0.0')));
      mkdirSync(join(dir, 'clinic-eligibility'));
      writeFileSync(join(dir, 'clinic-eligibility', '1.0.0.json'), JSON.stringify({ ...bundled(SCHEDULING), key: 'clinic-eligibility', version: '1.0.0', title: 'Clinic eligibility' }));
    });
    afterAll(async () => {
      await later?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('bootstraps a fresh installation once, recorded as such: the bundled versions approved without review, the highest active', async () => {
      expect(await t.sql(`SELECT how FROM rulebook_bootstrap`)).toEqual([{ how: 'bootstrap' }]);
      const history = (await request(t.server).get(`/v1/rulebooks/${SCHEDULING}/history?limit=3`).set(AUDITOR).expect(200)).body.entries;
      expect(history.map((e: { action: string; version: string; toStatus: string; actor: string }) => [e.action, e.version, e.toStatus, e.actor])).toStrictEqual([
        ['bootstrap', '1.0.0', 'approved', 'bundled'], ['bootstrap', '1.1.0', 'approved', 'bundled'], ['activate', '1.1.0', 'active', 'bundled'],
      ]);
    });

    it('puts a new bundled version or key into review on an existing installation: not approved, not active', async () => {
      later = await startInstance(t, { RULEBOOKS_DIR: dir });
      const version = await request(t.server).get(versionPath('ed-triage', '5.0.0')).set(AUDITOR).expect(200);
      expect(version.body).toMatchObject({ status: 'in_review', provenance: 'bundled', createdBy: 'bundled', editors: ['bundled'], submittedBy: 'bundled',
        approvalsRequired: 2, safetyApprovalsRequired: 1, approvals: [], activePeriods: [] });
      expect(version.body.history).toStrictEqual([expect.objectContaining({ action: 'import', outcome: 'done', actor: 'bundled', role: 'system',
        fromStatus: 'draft', toStatus: 'in_review', comment: expect.stringMatching(/^bundled file .*5\.0\.0\.json, submitted for review: needs 2 approval\(s\), 1 of them by a clinical safety officer/) })]);
      const list = await request(t.server).get('/v1/rulebooks').set(AUDITOR).expect(200);
      expect(list.body.find((r: { key: string }) => r.key === 'clinic-eligibility')).toMatchObject({ activeVersion: null, versions: [{ version: '1.0.0', status: 'in_review' }] });
      expect(list.body.find((r: { key: string }) => r.key === 'ed-triage').activeVersion.version).toBe('1.1.0');

      await t.app.get(RulebookRegistry).refresh();
      expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'clinic-eligibility', facts: SCHEDULING_FACTS }), 409, 'NO_ACTIVE_VERSION');
      expectProblem(await request(t.server).post('/v1/decisions').set(PINNING_ENGINE).send({ rulebook: 'ed-triage', version: '5.0.0', facts: NORMAL_ADULT }),
        409, 'RULEBOOK_VERSION_NOT_EVALUABLE');

      // Approvers take it through review like any version; `bundled` is its author and submitter, not an approver.
      const hash = version.body.contentHash as string;
      await request(t.server).post(versionPath('ed-triage', '5.0.0', 'approve')).set(APPROVER).send({ contentHash: hash }).expect(200);
      const approved = await request(t.server).post(versionPath('ed-triage', '5.0.0', 'approve')).set(SAFETY_OFFICER).send({ contentHash: hash }).expect(200);
      expect(approved.body.status).toBe('approved');
    });
  });

  describe('engines run the version in force at asOf', () => {
    let superseded: string;

    beforeAll(async () => {
      await approvedVersion(t.server, SCHEDULING, '1.1.1', { copyOf: '1.1.0' });
      await approvedVersion(t.server, SCHEDULING, '1.1.2', { copyOf: '1.1.0' });
      superseded = new Date().toISOString();
      const activated = await request(t.server).post(versionPath(SCHEDULING, '1.1.1', 'activate')).set(APPROVER_2).send({}).expect(200);
      expect(activated.body.status).toBe('active');
    });

    const decide = (engine: Record<string, string>, body: Record<string, unknown>) =>
      request(t.server).post('/v1/decisions').set(engine).send({ rulebook: SCHEDULING, facts: SCHEDULING_FACTS, ...body });

    it('refuses an approved version that was never active, unless the engine may pin versions', async () => {
      const res = await decide(ENGINE, { rulebook: 'ed-triage', facts: NORMAL_ADULT, version: '1.0.0' });
      expectProblem(res, 403, 'VERSION_PIN_FORBIDDEN');
      expect(res.body.errors).toStrictEqual([{ pointer: '/version', message: 'the version in force at asOf is 1.1.0' }]);
      expect(res.body.detail).toMatch(/^ed-triage@1\.0\.0 is not the version in force at .* \(1\.1\.0 is\)\. .*needs the role decision:pin-version\.$/);
      expect((await decide(ENGINE, { rulebook: 'ed-triage', facts: NORMAL_ADULT, version: '1.1.0' })).status).toBe(201);
      const pinned = await decide(PINNING_ENGINE, { rulebook: 'ed-triage', facts: NORMAL_ADULT, version: '1.0.0' });
      expect(pinned.status).toBe(201);
      expect(pinned.body.rulebook.version).toBe('1.0.0');
      expectProblem(await decide(ENGINE, { version: '1.1.2' }), 403, 'VERSION_PIN_FORBIDDEN');
    });

    it('refuses a superseded version now, and runs it at an instant it was in force', async () => {
      expectProblem(await decide(ENGINE, { version: '1.1.0' }), 403, 'VERSION_PIN_FORBIDDEN');
      const then = await decide(ENGINE, { version: '1.1.0', asOf: superseded });
      expect(then.status).toBe(201);
      expect(then.body.rulebook.version).toBe('1.1.0');
      expect((await decide(ENGINE, {})).body.rulebook.version).toBe('1.1.1');
      expect((await decide(PINNING_ENGINE, { version: '1.1.0' })).body.rulebook.version).toBe('1.1.0');
    });

    it('bounds asOf to now plus the tolerance, so that a scheduled version cannot run before its instant', async () => {
      const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000).toISOString();
      await request(t.server).post(versionPath(SCHEDULING, '1.1.2', 'activate')).set(APPROVER).send({ effectiveFrom: at }).expect(200);
      const future = await decide(ENGINE, { asOf: at });
      expectProblem(future, 422, 'AS_OF_IN_FUTURE');
      expect(future.body.errors).toStrictEqual([{ pointer: '/asOf', message: 'must be at most 300 s after now' }]);
      expectProblem(await decide(ENGINE, { asOf: at, version: '1.1.2' }), 422, 'AS_OF_IN_FUTURE');
      // Within the tolerance (clock skew) the version in force then answers.
      const skewed = await decide(ENGINE, { asOf: new Date(Date.now() + 60_000).toISOString() });
      expect(skewed.status).toBe(201);
      expect(skewed.body.rulebook.version).toBe('1.1.1');
      const ahead = await decide(PINNING_ENGINE, { asOf: at });
      expect(ahead.status).toBe(201);
      expect(ahead.body.rulebook.version).toBe('1.1.2');
    });

    it('takes the tolerance from AS_OF_FUTURE_TOLERANCE_SECONDS', async () => {
      const lenient = await startInstance(t, { AS_OF_FUTURE_TOLERANCE_SECONDS: '3600' });
      try {
        const asOf = new Date(Date.now() + 1_800_000).toISOString();
        expectProblem(await decide(ENGINE, { asOf }), 422, 'AS_OF_IN_FUTURE');
        const res = await request(lenient.getHttpServer()).post('/v1/decisions').set(ENGINE).send({ rulebook: SCHEDULING, facts: SCHEDULING_FACTS, asOf });
        expect(res.status).toBe(201);
        expect(res.body.rulebook.version).toBe('1.1.1');
      } finally {
        await lenient.close();
      }
    });
  });
});
