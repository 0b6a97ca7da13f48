import request from 'supertest';
import {
  APPROVER, APPROVER_2, AUDITOR, AUTHOR, AUTHOR_2, approvedVersion, bundled, CLINICAL_LEAD, ENGINE, NORMAL_ADULT, PINNING_ENGINE, SAFETY_OFFICER, stricterTriage,
  versionPath,
} from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A refusal answers problem+json with the status and code. */
function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String), requestId: expect.any(String) });
}

interface HistoryEntry {
  action: string;
  outcome: string;
  actor: string;
  role: string;
  version: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  comment: string | null;
  contentHash: string | null;
  effectiveFrom: string | null;
  problem: { code: string; status: number; errors?: { pointer: string }[] } | null;
}

/**
 * The whole governance lifecycle of rulebooks/GOVERNANCE.md on ed-triage (its worked example): an author drafts a stricter respiratory-rate
 * threshold, sees the quality gate's findings, a second author and a clinical lead (who also approves) edit it, it is
 * submitted, diffed, approved by two approvers and the clinical safety officer, none of whom edited it, activated at a chosen instant (decisions before it keep 1.1.0), activated now,
 * rolled back, retired; every refusal is problem+json and recorded; the history shows every step with its actor.
 */
describe('rulebook governance lifecycle', () => {
  let t: TestApp;
  let hashSeenEarly: string;
  let submittedHash: string;
  let scheduledAt: string;
  let activatedAt: string;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const decide = (facts: Record<string, unknown>, asOf?: string, engine = ENGINE) =>
    request(t.server).post('/v1/decisions').set(engine).send({ rulebook: 'ed-triage', facts, ...(asOf ? { asOf } : {}) }).expect(201);
  const history = async (): Promise<HistoryEntry[]> =>
    (await request(t.server).get('/v1/rulebooks/ed-triage/history?version=1.2.0').set(AUDITOR).expect(200)).body.entries as HistoryEntry[];
  const lastRefusal = async () => (await history()).filter((e) => e.outcome === 'refused').at(-1);

  it('lists the bundled rulebooks with their active version and the approvals their kind needs', async () => {
    const res = await request(t.server).get('/v1/rulebooks').set(AUDITOR).expect(200);
    const triage = res.body.find((r: { key: string }) => r.key === 'ed-triage');
    // Both bundled versions are imported approved; the highest is active from the start.
    expect(triage).toMatchObject({ kind: 'triage', activeVersion: { version: '1.1.0', since: null }, scheduled: [], approvalsRequired: 2, safetyApprovalsRequired: 1,
      versions: [{ version: '1.0.0', status: 'approved' }, { version: '1.1.0', status: 'active' }] });
    expect(res.body.find((r: { key: string }) => r.key === 'scheduling-eligibility')).toMatchObject({ approvalsRequired: 1, safetyApprovalsRequired: 0, activeVersion: { version: '1.1.0' } });
    const versions = await request(t.server).get('/v1/rulebooks/ed-triage/versions').set(AUTHOR).expect(200);
    expect(versions.body).toEqual([
      expect.objectContaining({ version: '1.0.0', status: 'approved', provenance: 'bundled', activePeriods: [] }),
      expect.objectContaining({ version: '1.1.0', status: 'active', provenance: 'bundled', activePeriods: [{ version: '1.1.0', from: null, until: null }] }),
    ]);
    expectProblem(await request(t.server).get('/v1/rulebooks').set(ENGINE), 403, 'FORBIDDEN');
    expectProblem(await request(t.server).get('/v1/rulebooks'), 401, 'UNAUTHENTICATED');
  });

  it('creates a draft as a copy of the active version', async () => {
    const res = await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '1.1.0', version: '1.2.0' }).expect(201);
    expect(res.headers.location).toBe('/v1/rulebooks/ed-triage/versions/1.2.0');
    expect(res.body).toMatchObject({ version: '1.2.0', status: 'draft', basedOn: '1.1.0', createdBy: 'dev-author', editors: ['dev-author'], provenance: 'api' });
    expect(res.body.document).toEqual({ ...bundled('ed-triage'), version: '1.2.0' });
    expect(res.body.history).toEqual([expect.objectContaining({ action: 'create', outcome: 'done', actor: 'dev-author', role: 'rulebook:author', toStatus: 'draft' })]);
  });

  it('refuses drafts that break the schema or reuse a version, and non-authors', async () => {
    const broken = { ...stricterTriage('1.1.1'), kind: 'radiology', rules: 'none' };
    const invalid = await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(broken);
    expectProblem(invalid, 400, 'VALIDATION_FAILED');
    expect(invalid.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/kind', '/rules']));
    expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ ...stricterTriage('1.1.1'), key: 'other-book' }), 400, 'VALIDATION_FAILED');
    expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '1.1.0', version: '1.2.0' }), 409, 'VERSION_EXISTS');
    expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '9.9.9', version: '1.1.1' }), 404, 'RULEBOOK_VERSION_NOT_FOUND');
    expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ ...bundled('scheduling-eligibility'), key: 'ed-triage', version: '1.1.1' }), 422, 'KIND_MISMATCH');
    expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(APPROVER).send({ copyOf: '1.1.0', version: '1.1.1' }), 403, 'FORBIDDEN');
    expectProblem(await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send('[1]').type('json'), 400, 'VALIDATION_FAILED');
  });

  it('shows the quality gate findings on submit: 422 with a JSON pointer for every problem, recorded', async () => {
    const draft = stricterTriage('1.2.0');
    const rr = draft.rules.findIndex((r) => r.name === 'news2-respiratory-rate-3-high');
    draft.rules[rr].conditions = { all: [{ fact: 'respiratoryRat', operator: 'greaterThan', value: 22 }] };
    const scenario = draft.scenarios.length - 1;
    draft.scenarios[scenario].expect = { acuity: 2 };
    await request(t.server).put(versionPath('ed-triage', '1.2.0')).set(AUTHOR).send(draft).expect(200);
    const res = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'submit')).set(AUTHOR).send({});
    expectProblem(res, 422, 'QUALITY_GATE_FAILED');
    expect(res.body.errors).toEqual([{ pointer: `/rules/${rr}/conditions/all/0/fact`, message: expect.stringContaining('fact "respiratoryRat" is not in the fact catalog') }]);

    // With the rules compiling, the scenarios run: a wrong expectation and a rule no scenario fires are both listed.
    draft.rules[rr].conditions = { all: [{ fact: 'respiratoryRate', operator: 'greaterThan', value: 22 }] };
    draft.rules.push({ ...structuredClone(draft.rules[rr]), name: 'respiratory-rate-above-140-unfired', conditions: { all: [{ fact: 'respiratoryRate', operator: 'greaterThan', value: 140 }] },
      event: { type: 'outcome', params: { add: { reasons: { code: 'NEVER', text: 'never' } } } } });
    await request(t.server).put(versionPath('ed-triage', '1.2.0')).set(AUTHOR).send(draft).expect(200);
    const again = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'submit')).set(AUTHOR).send({});
    expectProblem(again, 422, 'QUALITY_GATE_FAILED');
    expect(again.body.errors).toEqual(expect.arrayContaining([
      { pointer: `/scenarios/${scenario}/expect/acuity`, message: expect.stringContaining('expected 2, got 3') },
      { pointer: `/rules/${draft.rules.length - 1}`, message: expect.stringContaining('fired by no scenario') },
    ]));
    expect(await lastRefusal()).toMatchObject({ action: 'submit', actor: 'dev-author', fromStatus: 'draft', toStatus: 'in_review',
      problem: { code: 'QUALITY_GATE_FAILED', status: 422, errors: expect.arrayContaining([{ pointer: `/rules/${draft.rules.length - 1}`, message: expect.any(String) }]) } });
    const stillDraft = await request(t.server).get(versionPath('ed-triage', '1.2.0')).set(AUTHOR).expect(200);
    expect(stillDraft.body.status).toBe('draft');
  });

  it('lets a second author and a clinical lead fix the draft; every editor is recorded', async () => {
    const fixed = await request(t.server).put(versionPath('ed-triage', '1.2.0')).set(AUTHOR_2).send(stricterTriage('1.2.0')).expect(200);
    hashSeenEarly = fixed.body.contentHash;
    const polished = stricterTriage('1.2.0');
    polished.description = `${polished.description} Local variant: NEWS2 respiratory-rate 3 points from 23/min.`;
    const res = await request(t.server).put(versionPath('ed-triage', '1.2.0')).set(CLINICAL_LEAD).send(polished).expect(200);
    expect(res.body.contentHash).not.toBe(hashSeenEarly);
    expect(res.body.editors).toEqual(['dev-author', 'dev-author-2', 'dev-clinical-lead']);
    // A document whose version is not the one in the path is refused, pointing at /version.
    const wrongVersion = await request(t.server).put(versionPath('ed-triage', '1.2.0')).set(AUTHOR).send(stricterTriage('1.3.0'));
    expectProblem(wrongVersion, 400, 'VALIDATION_FAILED');
    expect(wrongVersion.body.errors).toEqual([{ pointer: '/version', message: 'must be "1.2.0" (the version in the path)' }]);
  });

  it('submits: the content is frozen and identified by its hash', async () => {
    const res = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'submit')).set(AUTHOR_2).send({ comment: 'Stricter RR band, per the sepsis audit.' }).expect(200);
    expect(res.body).toMatchObject({ status: 'in_review', submittedBy: 'dev-author-2', approvalsRequired: 2, safetyApprovalsRequired: 1,
      approvalsNeeded: 2, safetyApprovalsNeeded: 1, approvals: [] });
    // What was needed is fixed at submission: not even the database lets it change afterwards.
    await expect(t.sql(`UPDATE rulebook_version SET safety_approvals_required = 0 WHERE rulebook_key = 'ed-triage' AND version = '1.2.0'`)).rejects.toThrow(/fixed when it was submitted/);
    expect(res.body.qualityGate.scenarios).toBe(bundled('ed-triage').scenarios.length + 1);
    expect(res.body.qualityGate.passed).toBe(res.body.qualityGate.scenarios);
    submittedHash = res.body.contentHash;

    const edit = await request(t.server).put(versionPath('ed-triage', '1.2.0')).set(AUTHOR).send(stricterTriage('1.2.0'));
    expectProblem(edit, 409, 'VERSION_NOT_DRAFT');
    expect(await lastRefusal()).toMatchObject({ action: 'update', actor: 'dev-author', fromStatus: 'in_review', contentHash: submittedHash, problem: { code: 'VERSION_NOT_DRAFT' } });
    // Even the database refuses to change frozen content.
    await expect(t.sql(`UPDATE rulebook_version SET content = '{}' WHERE rulebook_key = 'ed-triage' AND version = '1.2.0'`)).rejects.toThrow(/frozen/);
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'submit')).set(AUTHOR).send({}), 409, 'INVALID_TRANSITION');
  });

  it('shows the diff against the version it was copied from', async () => {
    const res = await request(t.server).get(versionPath('ed-triage', '1.2.0', 'diff')).set(APPROVER).expect(200);
    expect(res.body.from).toMatchObject({ version: '1.1.0' });
    expect(res.body.to).toEqual({ key: 'ed-triage', version: '1.2.0', contentHash: submittedHash });
    expect(res.body.rules.changed.map((c: { name: string }) => c.name)).toEqual(['news2-respiratory-rate-2-high', 'news2-respiratory-rate-3-high']);
    expect(res.body.rules.changed[1].patch).toEqual(expect.arrayContaining([{ op: 'replace', path: '/conditions/all/0/value', value: 22 }]));
    expect(res.body.scenarios.added.map((s: { name: string }) => s.name)).toEqual(['adult-rr-23-scores-3']);
    expect(res.body.summary).toEqual(expect.arrayContaining([expect.stringMatching(/^Rule news2-respiratory-rate-3-high changed: .*\/conditions\/all\/0\/value: 24 -> 22/)]));
    const explicit = await request(t.server).get(`${versionPath('ed-triage', '1.1.0', 'diff')}?from=1.2.0`).set(AUDITOR).expect(200);
    expect(explicit.body.rules.changed).toHaveLength(2);
    expectProblem(await request(t.server).get(versionPath('ed-triage', '1.1.0', 'diff')).set(AUDITOR), 409, 'NO_BASE_VERSION');
  });

  it('refuses to activate a version that is not approved, and records it', async () => {
    const res = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({});
    expectProblem(res, 409, 'VERSION_NOT_APPROVED');
    expect(await lastRefusal()).toMatchObject({ action: 'activate', actor: 'dev-approver', role: 'rulebook:approve', fromStatus: 'in_review', problem: { code: 'VERSION_NOT_APPROVED' } });
  });

  it('refuses self-approval, approval by an author, and approval of content the approver did not see, and records them', async () => {
    // The clinical lead holds rulebook:approve, but edited this version: separation of duties.
    const own = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(CLINICAL_LEAD).send({ contentHash: submittedHash });
    expectProblem(own, 403, 'SEPARATION_OF_DUTIES');
    expect(own.body.detail).toMatch(/^dev-clinical-lead created or edited ed-triage@1\.2\.0 and cannot also approve it/);
    expect(await lastRefusal()).toMatchObject({ action: 'approve', actor: 'dev-clinical-lead', role: 'rulebook:approve', problem: { code: 'SEPARATION_OF_DUTIES', status: 403 } });
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(AUTHOR).send({ contentHash: submittedHash }), 403, 'FORBIDDEN');
    expect(await lastRefusal()).toMatchObject({ action: 'approve', actor: 'dev-author', role: 'rulebook:author', problem: { code: 'FORBIDDEN' } });
    const changed = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(APPROVER).send({ contentHash: hashSeenEarly });
    expectProblem(changed, 409, 'CONTENT_HASH_MISMATCH');
    expect(await lastRefusal()).toMatchObject({ action: 'approve', actor: 'dev-approver', contentHash: submittedHash, problem: { code: 'CONTENT_HASH_MISMATCH' } });
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(APPROVER).send({}), 400, 'VALIDATION_FAILED');
    // The database holds the same line: an approval by an editor is refused there too.
    await expect(t.sql(`INSERT INTO rulebook_approval (version_id, approver, content_hash)
      SELECT id, 'dev-clinical-lead', content_hash FROM rulebook_version WHERE rulebook_key = 'ed-triage' AND version = '1.2.0'`)).rejects.toThrow(/cannot approve/);
  });

  it('needs two distinct approvals of the submitted content for a triage rulebook, one of them by the clinical safety officer', async () => {
    const first = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(APPROVER).send({ contentHash: submittedHash, comment: 'Matches the audit.' }).expect(200);
    expect(first.body).toMatchObject({ status: 'in_review', approvalsNeeded: 1, safetyApprovalsNeeded: 1,
      approvals: [{ approver: 'dev-approver', contentHash: submittedHash, comment: 'Matches the audit.', asSafetyOfficer: false }] });
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(APPROVER).send({ contentHash: submittedHash }), 409, 'ALREADY_APPROVED');
    const second = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(APPROVER_2).send({ contentHash: submittedHash }).expect(200);
    // Two ordinary approvals are not enough for triage: the clinical safety officer has not signed it off.
    expect(second.body).toMatchObject({ status: 'in_review', approvalsNeeded: 0, safetyApprovalsNeeded: 1 });
    const early = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({});
    expectProblem(early, 409, 'VERSION_NOT_APPROVED');
    expect(early.body.detail).toMatch(/still needs 0 more approval\(s\) and 1 more by a clinical safety officer/);
    await expect(t.sql(`UPDATE rulebook_version SET status = 'approved' WHERE rulebook_key = 'ed-triage' AND version = '1.2.0'`)).rejects.toThrow(/clinical safety officer/);
    const signedOff = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(SAFETY_OFFICER).send({ contentHash: submittedHash, comment: 'Hazard log reviewed.' }).expect(200);
    expect(signedOff.body).toMatchObject({ status: 'approved', approvalsNeeded: 0, safetyApprovalsNeeded: 0 });
    expect(signedOff.body.approvals.map((a: { approver: string; asSafetyOfficer: boolean }) => [a.approver, a.asSafetyOfficer]))
      .toEqual([['dev-approver', false], ['dev-approver-2', false], ['dev-safety-officer', true]]);
    expect(signedOff.body.history.at(-1)).toMatchObject({ action: 'approve', actor: 'dev-safety-officer', role: 'safety:approve', toStatus: 'approved',
      comment: 'approval 3 of 2, clinical safety officer approval 1 of 1: Hazard log reviewed.' });
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'approve')).set(APPROVER).send({ contentHash: submittedHash }), 409, 'INVALID_TRANSITION');
  });

  it('counts the clinical safety officer as one of the distinct approvals, and never lets an editor be it', async () => {
    const doc = stricterTriage('1.5.0');
    await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(doc).expect(201);
    const submitted = await request(t.server).post(versionPath('ed-triage', '1.5.0', 'submit')).set(AUTHOR).send({}).expect(200);
    const hash = submitted.body.contentHash as string;
    const officer = await request(t.server).post(versionPath('ed-triage', '1.5.0', 'approve')).set(SAFETY_OFFICER).send({ contentHash: hash }).expect(200);
    expect(officer.body).toMatchObject({ status: 'in_review', approvalsNeeded: 1, safetyApprovalsNeeded: 0 });
    const second = await request(t.server).post(versionPath('ed-triage', '1.5.0', 'approve')).set(APPROVER).send({ contentHash: hash }).expect(200);
    expect(second.body.status).toBe('approved');
    expect(second.body.approvals).toHaveLength(2);

    // Someone holding both rulebook:author and rulebook:approve still cannot approve what they wrote and submitted.
    await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(CLINICAL_LEAD).send(stricterTriage('1.5.1')).expect(201);
    await request(t.server).post(versionPath('ed-triage', '1.5.1', 'submit')).set(CLINICAL_LEAD).send({}).expect(200);
    const own = await request(t.server).get(versionPath('ed-triage', '1.5.1')).set(AUDITOR).expect(200);
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.5.1', 'approve')).set(CLINICAL_LEAD).send({ contentHash: own.body.contentHash }), 403, 'SEPARATION_OF_DUTIES');
  });

  it('activates at a chosen instant: decisions at or after it name 1.2.0, earlier asOf and now keep 1.1.0', async () => {
    // Deciding at a future instant runs rules not in force yet: only an engine holding decision:pin-version may.
    const past = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({ effectiveFrom: '2020-01-01T00:00:00.000Z' });
    expectProblem(past, 422, 'EFFECTIVE_FROM_NOT_IN_FUTURE');
    expect(past.body.errors).toEqual([{ pointer: '/effectiveFrom', message: 'must be in the future' }]);
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({ effectiveFrom: 'tomorrow' }), 400, 'VALIDATION_FAILED');
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({ effectiveFrom: '2030-02-30T00:00:00Z' }), 400, 'VALIDATION_FAILED');
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(AUTHOR).send({}), 403, 'FORBIDDEN');

    scheduledAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000).toISOString();
    const res = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({ effectiveFrom: scheduledAt, comment: 'Go-live agreed.' }).expect(200);
    expect(res.body).toMatchObject({ status: 'approved', activePeriods: [{ version: '1.2.0', from: scheduledAt, until: null }] });
    const list = await request(t.server).get('/v1/rulebooks').set(AUDITOR).expect(200);
    expect(list.body.find((r: { key: string }) => r.key === 'ed-triage')).toMatchObject({ activeVersion: { version: '1.1.0' }, scheduled: [{ version: '1.2.0', from: scheduledAt, until: null }] });

    const rr23 = { ...NORMAL_ADULT, respiratoryRate: 23 };
    const before = await decide(rr23, new Date(Date.parse(scheduledAt) - 1).toISOString(), PINNING_ENGINE);
    expect(before.body.rulebook.version).toBe('1.1.0');
    expect(before.body.outcome).toMatchObject({ acuity: 4, news2: { score: 2, riskBand: 'low' } });
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: rr23, asOf: scheduledAt }), 422, 'AS_OF_IN_FUTURE');
    const at = await decide(rr23, scheduledAt, PINNING_ENGINE);
    expect(at.body.rulebook).toEqual({ key: 'ed-triage', version: '1.2.0', contentHash: submittedHash });
    expect(at.body.outcome).toMatchObject({ acuity: 3, news2: { score: 3, riskBand: 'low-medium' } });
    expect((await decide(rr23)).body.rulebook.version).toBe('1.1.0');
  });

  it('activates now, superseding the schedule; a rollback restores 1.1.0 and keeps the past as it was', async () => {
    const now = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER_2).send({ comment: 'Go-live brought forward.' }).expect(200);
    expect(now.body.status).toBe('active');
    expect(now.body.activePeriods).toEqual([{ version: '1.2.0', from: expect.any(String), until: null }]);
    activatedAt = now.body.activePeriods[0].from;
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({}), 409, 'ALREADY_ACTIVE');
    expect((await decide({ ...NORMAL_ADULT, respiratoryRate: 23 })).body.rulebook.version).toBe('1.2.0');

    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.1.0', 'rollback')).set(APPROVER).send({}), 400, 'VALIDATION_FAILED');
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'rollback')).set(APPROVER).send({ comment: 'x' }), 409, 'ROLLBACK_TARGET_INVALID');
    const back = await request(t.server).post(versionPath('ed-triage', '1.1.0', 'rollback')).set(APPROVER).send({ comment: 'Alert fatigue on the night shift.' }).expect(200);
    expect(back.body.status).toBe('active');
    const after = await decide({ ...NORMAL_ADULT, respiratoryRate: 23 });
    expect(after.body.rulebook.version).toBe('1.1.0');
    expect(after.body.outcome.news2.score).toBe(2);
    // Re-evaluating a case at an instant when 1.2.0 was active still uses 1.2.0.
    expect((await decide({ ...NORMAL_ADULT, respiratoryRate: 23 }, activatedAt)).body.rulebook.version).toBe('1.2.0');
    expect((await decide({ ...NORMAL_ADULT, respiratoryRate: 23 }, new Date(Date.parse(activatedAt) - 1).toISOString())).body.rulebook.version).toBe('1.1.0');
  });

  it('retires a version no longer in use; the active one cannot be retired', async () => {
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.1.0', 'retire')).set(APPROVER).send({}), 409, 'VERSION_IN_USE');
    const res = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'retire')).set(APPROVER).send({ comment: 'Withdrawn after review.' }).expect(200);
    expect(res.body.status).toBe('retired');
    const refused = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: NORMAL_ADULT, asOf: activatedAt });
    expectProblem(refused, 409, 'RULEBOOK_VERSION_NOT_EVALUABLE');
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.2.0', 'activate')).set(APPROVER).send({}), 409, 'VERSION_NOT_APPROVED');
  });

  it('rejects a submitted version only with a comment', async () => {
    const doc = stricterTriage('1.3.0');
    await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(doc).expect(201);
    await request(t.server).post(versionPath('ed-triage', '1.3.0', 'submit')).set(AUTHOR).expect(200);
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.3.0', 'reject')).set(APPROVER).send({}), 400, 'VALIDATION_FAILED');
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.3.0', 'reject')).set(APPROVER).send({ comment: '   ' }), 400, 'VALIDATION_FAILED');
    const res = await request(t.server).post(versionPath('ed-triage', '1.3.0', 'reject')).set(APPROVER).send({ comment: 'Same change as the withdrawn 1.2.0.' }).expect(200);
    expect(res.body.status).toBe('rejected');
    expect(res.body.history.at(-1)).toMatchObject({ action: 'reject', actor: 'dev-approver', fromStatus: 'in_review', toStatus: 'rejected', comment: 'Same change as the withdrawn 1.2.0.' });
    expectProblem(await request(t.server).post(versionPath('ed-triage', '1.3.0', 'approve')).set(APPROVER_2).send({ contentHash: res.body.contentHash }), 409, 'INVALID_TRANSITION');
    // A rejected version is the start of a new draft.
    const copy = await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send({ copyOf: '1.3.0', version: '1.3.1' }).expect(201);
    expect(copy.body).toMatchObject({ status: 'draft', basedOn: '1.3.0' });
  });

  it('approves a scheduling-eligibility version with one approval (its kind needs one)', async () => {
    const approved = await approvedVersion(t.server, 'scheduling-eligibility', '1.1.1', { copyOf: '1.1.0' });
    // Its kind needs no clinical safety officer by default (SAFETY_APPROVALS_REQUIRED {"triage":1}).
    expect(approved).toMatchObject({ status: 'approved', approvalsRequired: 1, safetyApprovalsRequired: 0, approvals: [{ approver: 'dev-approver', asSafetyOfficer: false }] });
  });

  it('creates a new rulebook from a document for an unknown key', async () => {
    const doc = { ...bundled('scheduling-eligibility'), key: 'clinic-eligibility', title: 'Clinic eligibility' };
    const res = await request(t.server).post('/v1/rulebooks/clinic-eligibility/versions').set(AUTHOR).send(doc).expect(201);
    expect(res.body).toMatchObject({ rulebook: 'clinic-eligibility', status: 'draft', activePeriods: [] });
    const list = await request(t.server).get('/v1/rulebooks').set(AUTHOR).expect(200);
    expect(list.body.find((r: { key: string }) => r.key === 'clinic-eligibility')).toMatchObject({ activeVersion: null, versions: [{ version: '1.1.0', status: 'draft' }] });
    expectProblem(await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'clinic-eligibility', facts: {} }), 409, 'NO_ACTIVE_VERSION');
  });

  it('answers 404 for unknown rulebooks and versions', async () => {
    expectProblem(await request(t.server).get('/v1/rulebooks/no-such-book/versions').set(AUDITOR), 404, 'RULEBOOK_NOT_FOUND');
    expectProblem(await request(t.server).get(versionPath('ed-triage', '9.9.9')).set(AUDITOR), 404, 'RULEBOOK_VERSION_NOT_FOUND');
    expectProblem(await request(t.server).get(versionPath('ed-triage', 'not-semver')).set(AUDITOR), 404, 'RULEBOOK_VERSION_NOT_FOUND');
    expectProblem(await request(t.server).post(versionPath('ed-triage', '9.9.9', 'approve')).set(APPROVER).send({ contentHash: submittedHash }), 404, 'RULEBOOK_VERSION_NOT_FOUND');
    expectProblem(await request(t.server).post(versionPath('no-such-book', '1.1.0', 'activate')).set(APPROVER).send({}), 404, 'RULEBOOK_NOT_FOUND');
    const badLimit = await request(t.server).get('/v1/rulebooks/ed-triage/history?limit=0').set(AUDITOR);
    expectProblem(badLimit, 400, 'VALIDATION_FAILED');
    expect(badLimit.body.errors).toEqual([{ pointer: '/query/limit', message: 'must be an integer from 1 to 1000' }]);
  });

  it('keeps an append-only history of every step with its actor, readable by auditors', async () => {
    const entries = await history();
    const steps = entries.map((e) => [e.action, e.outcome, e.actor, e.problem?.code ?? null]);
    expect(steps).toEqual([
      ['create', 'done', 'dev-author', null],
      ['create', 'refused', 'dev-author', 'VERSION_EXISTS'],
      ['update', 'done', 'dev-author', null],
      ['submit', 'refused', 'dev-author', 'QUALITY_GATE_FAILED'],
      ['update', 'done', 'dev-author', null],
      ['submit', 'refused', 'dev-author', 'QUALITY_GATE_FAILED'],
      ['update', 'done', 'dev-author-2', null],
      ['update', 'done', 'dev-clinical-lead', null],
      ['submit', 'done', 'dev-author-2', null],
      ['update', 'refused', 'dev-author', 'VERSION_NOT_DRAFT'],
      ['submit', 'refused', 'dev-author', 'INVALID_TRANSITION'],
      ['activate', 'refused', 'dev-approver', 'VERSION_NOT_APPROVED'],
      ['approve', 'refused', 'dev-clinical-lead', 'SEPARATION_OF_DUTIES'],
      ['approve', 'refused', 'dev-author', 'FORBIDDEN'],
      ['approve', 'refused', 'dev-approver', 'CONTENT_HASH_MISMATCH'],
      ['approve', 'done', 'dev-approver', null],
      ['approve', 'refused', 'dev-approver', 'ALREADY_APPROVED'],
      ['approve', 'done', 'dev-approver-2', null],
      ['activate', 'refused', 'dev-approver', 'VERSION_NOT_APPROVED'],
      ['approve', 'done', 'dev-safety-officer', null],
      ['approve', 'refused', 'dev-approver', 'INVALID_TRANSITION'],
      ['activate', 'refused', 'dev-approver', 'EFFECTIVE_FROM_NOT_IN_FUTURE'],
      ['activate', 'refused', 'dev-author', 'FORBIDDEN'],
      ['activate', 'done', 'dev-approver', null],
      ['supersede', 'done', 'dev-approver-2', null],
      ['activate', 'done', 'dev-approver-2', null],
      ['activate', 'refused', 'dev-approver', 'ALREADY_ACTIVE'],
      ['rollback', 'refused', 'dev-approver', 'ROLLBACK_TARGET_INVALID'],
      ['retire', 'done', 'dev-approver', null],
      ['activate', 'refused', 'dev-approver', 'VERSION_NOT_APPROVED'],
    ]);
    const byAction = (action: string, outcome = 'done') => entries.filter((e) => e.action === action && e.outcome === outcome);
    expect(byAction('submit')[0]).toMatchObject({ fromStatus: 'draft', toStatus: 'in_review', contentHash: submittedHash, comment: 'Stricter RR band, per the sepsis audit.' });
    expect(byAction('approve').map((e) => [e.toStatus, e.contentHash])).toEqual([['in_review', submittedHash], ['in_review', submittedHash], ['approved', submittedHash]]);
    expect(byAction('activate')[0]).toMatchObject({ effectiveFrom: scheduledAt, comment: 'Go-live agreed.', role: 'rulebook:approve' });
    expect(byAction('supersede')[0]).toMatchObject({ effectiveFrom: scheduledAt, comment: expect.stringContaining('superseded') });
    expect(byAction('activate')[1]).toMatchObject({ effectiveFrom: activatedAt, toStatus: 'active' });
    expect(byAction('retire')[0]).toMatchObject({ fromStatus: 'approved', toStatus: 'retired', comment: 'Withdrawn after review.' });

    // The whole rulebook's history starts with the bootstrap of this fresh installation (the bundled versions approved
    // without review, lowest first, and the highest activated), and includes the rollback to 1.1.0.
    const all = (await request(t.server).get('/v1/rulebooks/ed-triage/history').set(AUDITOR).expect(200)).body.entries as HistoryEntry[];
    expect(all.slice(0, 3)).toEqual([
      expect.objectContaining({ action: 'bootstrap', version: '1.0.0', actor: 'bundled', role: 'system', toStatus: 'approved',
        comment: 'bundled file rulebooks/ed-triage/1.0.0.json, approved without review: bootstrap of a fresh installation' }),
      expect.objectContaining({ action: 'bootstrap', version: '1.1.0', actor: 'bundled', role: 'system', toStatus: 'approved' }),
      expect.objectContaining({ action: 'activate', version: '1.1.0', actor: 'bundled', toStatus: 'active', comment: 'bootstrap of a fresh installation: the highest bundled version' }),
    ]);
    expect(all.find((e) => e.action === 'rollback' && e.outcome === 'done')).toMatchObject({ version: '1.1.0', actor: 'dev-approver', comment: 'Alert fatigue on the night shift.', toStatus: 'active' });
    const page = await request(t.server).get('/v1/rulebooks/ed-triage/history?limit=2').set(AUDITOR).expect(200);
    expect(page.body.entries).toEqual(all.slice(0, 2));
    const next = await request(t.server).get(page.body.next).set(AUDITOR).expect(200);
    expect(next.body.entries).toEqual(all.slice(2, 4));

    expectProblem(await request(t.server).get('/v1/rulebooks/ed-triage/history').set(ENGINE), 403, 'FORBIDDEN');
    await expect(t.sql(`UPDATE rulebook_history SET actor = 'someone-else'`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`DELETE FROM rulebook_history`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`DELETE FROM rulebook_approval`)).rejects.toThrow(/append-only/);
  });

  it('documents the governance API in OpenAPI', async () => {
    const res = await request(t.server).get('/openapi.json').expect(200);
    for (const path of ['/v1/rulebooks', '/v1/rulebooks/{key}/versions', '/v1/rulebooks/{key}/versions/{version}', '/v1/rulebooks/{key}/versions/{version}/submit',
      '/v1/rulebooks/{key}/versions/{version}/approve', '/v1/rulebooks/{key}/versions/{version}/reject', '/v1/rulebooks/{key}/versions/{version}/activate',
      '/v1/rulebooks/{key}/versions/{version}/rollback', '/v1/rulebooks/{key}/versions/{version}/retire', '/v1/rulebooks/{key}/versions/{version}/diff',
      '/v1/rulebooks/{key}/versions/{version}/simulate', '/v1/rulebooks/{key}/history']) {
      expect(res.body.paths[path]).toBeDefined();
    }
    expect(res.body.paths['/v1/rulebooks/{key}/versions/{version}/approve'].post.responses['403']).toBeDefined();
    expect(res.body.components.schemas.ApproveDto.required).toContain('contentHash');
  });
});
