import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { type CliIo, runRulebookCli } from '../../src/governance/rulebook.cli.js';
import type { RulebookDocument } from '../../src/rulebooks/rulebook.types.js';
import { AUTHOR, bundled, ENGINE, NORMAL_ADULT, OPERATOR, versionPath } from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * ed-triage with the NEWS2 respiratory bands made to overlap: 3 points from 24/min (`>= 24`) while 21-24/min still
 * scores 2, so a respiratory rate of 24 scores twice. The defect of issue 7 that answered 500 in production.
 */
function overlappingTriage(version: string, from?: string): RulebookDocument {
  const doc = bundled('ed-triage', from);
  doc.version = version;
  const three = doc.rules.find((r) => r.name === 'news2-respiratory-rate-3-high')!;
  three.conditions = { all: [{ fact: 'respiratoryRate', operator: 'greaterThanInclusive', value: 24 }] };
  return doc;
}

const OVERLAP = 'rules "news2-respiratory-rate-2-high" and "news2-respiratory-rate-3-high" both score news2.respiratoryRate for respiratoryRate in [24, 24]';

/** A small rulebook whose two rules set the UNIQUE field "flag" to different values at x = 5. */
function uniqueDefect(): RulebookDocument {
  return {
    key: 'unique-defect', version: '1.0.0', kind: 'scheduling-eligibility', title: 'UNIQUE defect',
    description: 'Two rules disagree on a UNIQUE field at x = 5 (test fixture).', references: [{ title: 'OMG DMN 1.4, hit policies' }],
    facts: { x: { type: 'integer', precision: 0, range: { min: 0, max: 10 }, description: 'a number' } },
    rules: [
      { name: 'flag-from-5', description: 'x 5 or more', conditions: { all: [{ fact: 'x', operator: 'greaterThanInclusive', value: 5 }] },
        event: { type: 'outcome', params: { set: { flag: true } } } },
      { name: 'no-flag-up-to-5', description: 'x 5 or less', conditions: { all: [{ fact: 'x', operator: 'lessThanInclusive', value: 5 }] },
        event: { type: 'outcome', params: { set: { flag: false } } } },
    ],
    outcome: { fields: [{ path: 'flag', hitPolicy: 'UNIQUE', default: null }] },
    scenarios: [{ name: 'x-8', asOf: '2026-01-01T00:00:00.000Z', facts: { x: 8 }, expect: { flag: true }, expectFired: ['flag-from-5'] },
      { name: 'x-2', asOf: '2026-01-01T00:00:00.000Z', facts: { x: 2 }, expect: { flag: false }, expectFired: ['no-flag-up-to-5'] }],
  };
}

function cli(): { io: CliIo; lines: string[] } {
  const lines: string[] = [];
  return { io: { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {}, fetch: globalThis.fetch }, lines };
}

/** Issue 7, item 6: overlapping bands are refused before approval, and a defect that slips past answers 409. */
describe('rulebook defects', () => {
  describe('before approval', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('refuses to submit a copy of ed-triage with overlapping respiratory bands, naming the rules, the fact and the interval', async () => {
      const doc = overlappingTriage('1.2.0');
      await request(t.server).post('/v1/rulebooks/ed-triage/versions').set(AUTHOR).send(doc).expect(201);
      const res = await request(t.server).post(versionPath('ed-triage', '1.2.0', 'submit')).set(AUTHOR).send({});
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('QUALITY_GATE_FAILED');
      const index = doc.rules.findIndex((r) => r.name === 'news2-respiratory-rate-3-high');
      expect(res.body.errors).toContainEqual({ pointer: `/rules/${index}`, message: expect.stringContaining(OVERLAP) });
      const version = await request(t.server).get(versionPath('ed-triage', '1.2.0')).set(AUTHOR).expect(200);
      expect(version.body.status).toBe('draft');
    });

    it('refuses a UNIQUE field that two rules set to different values on the same input', async () => {
      await request(t.server).post('/v1/rulebooks/unique-defect/versions').set(AUTHOR).send(uniqueDefect()).expect(201);
      const res = await request(t.server).post(versionPath('unique-defect', '1.0.0', 'submit')).set(AUTHOR).send({}).expect(422);
      expect(res.body.errors).toContainEqual({ pointer: '/rules/1', message: expect.stringContaining(
        'rules "flag-from-5" and "no-flag-up-to-5" set outcome field "flag" (hit policy UNIQUE) to different values, true and false, for x in [5, 5]') });
    });

    it.each([['1.1.0'], ['1.0.0']])('makes `npm run rulebook -- test` exit non-zero on an overlapping copy of ed-triage %s, printing the overlap', async (from) => {
      const file = join(mkdtempSync(join(tmpdir(), 'verdict-defect-')), '1.2.0.json');
      writeFileSync(file, JSON.stringify(overlappingTriage('1.2.0', from), null, 2));
      const { io, lines } = cli();
      expect(await runRulebookCli(['test', file], io)).toBe(1);
      expect(lines[0]).toMatch(/^✗ .*1\.2\.0\.json: ed-triage@1\.2\.0: 1 problem\(s\)$/);
      expect(lines).toContainEqual(expect.stringMatching(/^ {4}at \/rules\/\d+: rules "news2-respiratory-rate-2-high" and "news2-respiratory-rate-3-high" both score news2\.respiratoryRate for respiratoryRate in \[24, 24\]/));
      const validate = cli();
      expect(await runRulebookCli(['validate', file], validate.io)).toBe(1);
      expect(validate.lines.join('\n')).toContain(OVERLAP);
    });
  });

  describe('at run time, for a defect that slipped past the gate', () => {
    let t: TestApp;
    beforeAll(async () => {
      // Bundled files are imported as approved versions without the quality gate: the way a defect can reach production.
      const dir = mkdtempSync(join(tmpdir(), 'verdict-defective-rulebooks-'));
      for (const doc of [overlappingTriage('1.1.0'), uniqueDefect()]) {
        mkdirSync(join(dir, doc.key));
        writeFileSync(join(dir, doc.key, `${doc.version}.json`), JSON.stringify(doc));
      }
      t = await startTestApp({ RULEBOOKS_DIR: dir });
    });
    afterAll(async () => {
      await t.close();
    });

    it('answers 409 RULEBOOK_DEFECT problem+json naming the version, the parameter and both rules, records nothing, and counts it', async () => {
      const ok = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...NORMAL_ADULT, respiratoryRate: 16 } });
      expect(ok.status).toBe(201);
      const res = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'ed-triage', facts: { ...NORMAL_ADULT, respiratoryRate: 24 } });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 409, code: 'RULEBOOK_DEFECT', title: 'Rulebook defect', type: 'urn:verdict:problem:rulebook-defect', requestId: expect.any(String) });
      expect(res.body.detail).toMatch(/^Rulebook ed-triage@1\.1\.0 is defective for this input: rules "news2-respiratory-rate-2-high" and "news2-respiratory-rate-3-high" both scored news2\.respiratoryRate/);
      const [{ count }] = await t.sql<{ count: string }>(`SELECT count(*) FROM decision`);
      expect(Number(count)).toBe(1);

      const unique = await request(t.server).post('/v1/decisions').set(ENGINE).send({ rulebook: 'unique-defect', facts: { x: 5 } });
      expect(unique.status).toBe(409);
      expect(unique.body.code).toBe('RULEBOOK_DEFECT');
      expect(unique.body.detail).toContain('rules "flag-from-5" and "no-flag-up-to-5" set different values of outcome field "flag", whose hit policy UNIQUE requires them to agree');

      const metrics = await request(t.server).get('/metrics').set(OPERATOR).expect(200);
      expect(metrics.text).toContain('verdict_rulebook_defects_total{rulebook="ed-triage",version="1.1.0",kind="SCORE_PARAMETER_SCORED_TWICE"} 1');
      expect(metrics.text).toContain('verdict_rulebook_defects_total{rulebook="unique-defect",version="1.0.0",kind="HIT_POLICY_VIOLATION"} 1');
      expect(metrics.text).toContain('verdict_decisions_total{rulebook="ed-triage",version="1.1.0",result="rulebook_defect"} 1');
      expect(metrics.text).toContain('verdict_decisions_total{rulebook="ed-triage",version="1.1.0",result="decided"} 1');
    });
  });
});
