import request from 'supertest';
import { APPROVER, AUDITOR, AUTHOR, ENGINE, NORMAL_ADULT, stricterTriage, versionPath } from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** NEWS2 respiration-rate points (RCP 2017 Chart 1) under 1.1.0, and under the stricter candidate (3 points from 23/min). */
const pointsNow = (rr: number) => (rr <= 8 ? 3 : rr <= 11 ? 1 : rr <= 20 ? 0 : rr <= 24 ? 2 : 3);
const pointsCandidate = (rr: number) => (rr <= 8 ? 3 : rr <= 11 ? 1 : rr <= 20 ? 0 : rr <= 22 ? 2 : 3);
/** Risk band for an adult whose only scoring parameter is the respiration rate (every other parameter scores 0). */
const band = (points: number) => (points >= 7 ? 'high' : points >= 5 ? 'medium' : points === 3 ? 'low-medium' : 'low');
/** Acuity for one expected resource: 4, or 3 when NEWS2 is low-medium or medium (the rulebook's NEWS2 floor). */
const acuity = (points: number) => (band(points) === 'low' ? 4 : 3);
/** 3 points in a single parameter: at least low-medium whatever the other parameters are (1.1.0's Kleene floor rule). */
const singleParameterRed = (points: number) => points >= 3;

/**
 * Impact analysis (rulebooks/GOVERNANCE.md, step 5): decisions made under ed-triage 1.1.0 with known respiration rates are replayed on
 * a stricter candidate; the expected counts are computed here from the inputs and the NEWS2 chart.
 */
describe('POST /v1/rulebooks/{key}/versions/{version}/simulate', () => {
  let t: TestApp;
  const rates = [14, 16, 21, 22, 23, 23, 24, 26, 30, 60];
  const ids = new Map<string, number | null>();
  let candidateHash: string;

  beforeAll(async () => {
    t = await startTestApp();
    for (const rr of rates) {
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...NORMAL_ADULT, respiratoryRate: rr } }).expect(201);
      expect(res.body.outcome.news2.score).toBe(pointsNow(rr));
      ids.set(res.body.decisionId, rr);
    }
    const { respiratoryRate: _omitted, ...withoutRr } = NORMAL_ADULT;
    const missing = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: withoutRr }).expect(201);
    ids.set(missing.body.decisionId, null);
    // A decision of another rulebook is not replayed.
    await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'scheduling-eligibility', facts: { appointmentType: 'primary-care' } }).expect(201);
    const draft = await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(stricterTriage('1.2.0')).expect(201);
    candidateHash = draft.body.contentHash;
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts the outcomes that would change, per outcome field and per rule, with example decision ids, and writes nothing', async () => {
    const before = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM decision`);
    const res = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(APPROVER).send({ examples: 50 }).expect(200);
    const after = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM decision`);
    expect(after[0].n).toBe(before[0].n);

    const changing = [...ids].filter(([, rr]) => rr !== null && pointsNow(rr) !== pointsCandidate(rr)).map(([id]) => id);
    const bandChanging = [...ids].filter(([, rr]) => rr !== null && band(pointsNow(rr)) !== band(pointsCandidate(rr))).map(([id]) => id);
    const acuityChanging = [...ids].filter(([, rr]) => rr !== null && acuity(pointsNow(rr)) !== acuity(pointsCandidate(rr))).map(([id]) => id);
    const redChanging = [...ids].filter(([, rr]) => rr !== null && singleParameterRed(pointsNow(rr)) !== singleParameterRed(pointsCandidate(rr))).map(([id]) => id);
    expect(changing).toHaveLength(3); // 23, 23, 24
    // The decision without a respiration rate is undetermined under both versions (the same missing fact, the same
    // possible values), so it counts as unchanged.

    expect(res.body).toMatchObject({
      rulebook: { key: 'ed-triage', version: '1.2.0', contentHash: candidateHash },
      window: { from: null, to: null, last: 1000 },
      decisions: ids.size, truncated: false, outcomeChanged: changing.length, unchanged: ids.size - changing.length, refused: 0, failed: 0,
      versionsReplayed: { '1.1.0': ids.size },
    });
    const field = (path: string) => res.body.byField.find((f: { field: string }) => f.field === path);
    expect(field('news2.score').changed).toBe(changing.length);
    expect(field('news2.riskBand').changed).toBe(bandChanging.length);
    expect(field('acuity').changed).toBe(acuityChanging.length);
    expect(field('reasons').changed).toBe(acuityChanging.length); // the NEWS2 urgent-response reason is added
    expect(field('dangerZoneVitals').changed).toBe(0);
    expect(field('news2.missing').changed).toBe(0);
    expect(field('news2.score').examples.map((e: { decisionId: string }) => e.decisionId).sort()).toEqual([...changing].sort());
    for (const example of field('news2.score').examples) expect(example.after).toBe(example.before + 1);
    expect(field('acuity').examples.every((e: { before: number; after: number }) => e.before === 4 && e.after === 3)).toBe(true);

    const rule = (name: string) => res.body.byRule.find((r: { rule: string }) => r.rule === name);
    expect(rule('news2-respiratory-rate-2-high')).toMatchObject({ nowFires: 0, stopsFiring: changing.length });
    expect(rule('news2-respiratory-rate-3-high')).toMatchObject({ nowFires: changing.length, stopsFiring: 0 });
    expect(rule('news2-risk-low')).toMatchObject({ nowFires: 0, stopsFiring: bandChanging.length });
    expect(rule('news2-risk-low-medium')).toMatchObject({ nowFires: bandChanging.length, stopsFiring: 0 });
    expect(rule('news2-risk-at-least-low-medium-from-single-parameter')).toMatchObject({ nowFires: redChanging.length, stopsFiring: 0 });
    expect(rule('acuity-3-news2-medium-or-low-medium')).toMatchObject({ nowFires: acuityChanging.length, stopsFiring: 0 });
    expect(rule('news2-respiratory-rate-3-high').examples.map((e: { decisionId: string }) => e.decisionId).sort()).toEqual([...changing].sort());
    // RR above 20 is a danger-zone vital sign under both versions: the danger-zone rules do not change.
    expect(res.body.byRule.map((r: { rule: string }) => r.rule).sort()).toEqual([
      'acuity-3-news2-medium-or-low-medium', 'news2-respiratory-rate-2-high', 'news2-respiratory-rate-3-high',
      'news2-risk-at-least-low-medium-from-single-parameter', 'news2-risk-low', 'news2-risk-low-medium']);
  });

  it('replays the last N decisions or a time window', async () => {
    const last = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(AUTHOR).send({ last: 2 }).expect(200);
    expect(last.body).toMatchObject({ decisions: 2, truncated: true, window: { last: 2 } });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(AUTHOR).send({ from: future }).expect(200);
    expect(none.body).toMatchObject({ decisions: 0, outcomeChanged: 0, window: { from: future, to: null } });
    const all = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(AUTHOR)
      .send({ from: '2020-01-01T00:00:00Z', to: future }).expect(200);
    expect(all.body.decisions).toBe(ids.size);
  });

  it('reports the decisions whose recorded facts the candidate would refuse', async () => {
    const narrower = stricterTriage('1.3.0');
    // Up to 55/min: every rule can still fire (the under-3-months danger zone needs more than 50/min; a narrower range
    // makes rules unreachable, which the quality gate's structural checks refuse), but the recorded 60/min cannot.
    narrower.facts.respiratoryRate = { ...narrower.facts.respiratoryRate, range: { min: 0, max: 55 } };
    await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(narrower).expect(201);
    const res = await request(t.server).post(versionPath('ed-triage', '1.3.0', 'simulate')).set(AUTHOR).send({}).expect(200);
    const refused = [...ids].filter(([, rr]) => rr !== null && rr > 55).map(([id]) => id);
    expect(refused).toHaveLength(1);
    expect(res.body.refused).toBe(refused.length);
    expect(res.body.refusals.map((r: { decisionId: string }) => r.decisionId).sort()).toEqual([...refused].sort());
    expect(res.body.refusals[0]).toMatchObject({ code: 'UNPROCESSABLE_FACTS', errors: [{ pointer: '/facts/respiratoryRate', message: expect.any(String) }] });
    expect(res.body.decisions).toBe(ids.size);
  });

  it('refuses bad windows, unknown versions and callers without a governance role', async () => {
    const bad = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(AUTHOR).send({ last: 0, from: 'yesterday' });
    expect(bad.status).toBe(400);
    expect([...new Set(bad.body.errors.map((e: { pointer: string }) => e.pointer))].sort()).toEqual(['/from', '/last']);
    expect((await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(AUTHOR)
      .send({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).status).toBe(400);
    expect((await request(t.server).post(versionPath('ed-triage', '7.0.0', 'simulate')).set(AUTHOR).send({})).status).toBe(404);
    expect((await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(AUDITOR).send({})).status).toBe(403);
    expect((await request(t.server).post(versionPath('ed-triage', '1.2.0', 'simulate')).set(ENGINE).send({})).status).toBe(403);
  });

  it('refuses to simulate a draft that does not compile, pointing at the problem', async () => {
    const broken = stricterTriage('1.4.0');
    broken.rules[0].conditions = { all: [{ fact: 'respiratoryRat', operator: 'lessThanInclusive', value: 8 }] };
    await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(broken).expect(201);
    const res = await request(t.server).post(versionPath('ed-triage', '1.4.0', 'simulate')).set(AUTHOR).send({});
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'RULEBOOK_INVALID', errors: [{ pointer: '/rules/0/conditions/all/0/fact', message: expect.any(String) }] });
  });
});
