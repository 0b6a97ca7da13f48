import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { type CliIo, runRulebookCli } from '../../src/governance/rulebook.cli.js';
import { stricterTriage } from '../support/governance.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** `npm run rulebook -- submit`: a rulebook file becomes a draft and is submitted through the real API. */
describe('npm run rulebook -- submit', () => {
  let t: TestApp;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'verdict-cli-submit-'));

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await t.close();
  });

  const cli = (token: string | undefined) => {
    const lines: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l), env: token ? { VERDICT_TOKEN: token } : {}, fetch: globalThis.fetch };
    return { io, lines };
  };

  it('creates a draft from the file and submits it for review; the server answers with its quality gate', async () => {
    const file = join(dir, '1.2.0.json');
    writeFileSync(file, JSON.stringify(stricterTriage('1.2.0'), null, 2));
    const { io, lines } = cli('dev-author');
    expect(await runRulebookCli(['submit', file, '--url', url, '--comment', 'From git.'], io)).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^✓ .*1\.2\.0\.json: ed-triage@1\.2\.0 submitted for review \(sha256:[0-9a-f]{64}\); it needs 2 approval\(s\)/)]);
    const [row] = await t.sql<{ status: string; created_by: string; provenance: string }>(
      `SELECT status, created_by, provenance FROM rulebook_version WHERE rulebook_key = 'ed-triage' AND version = '1.2.0'`);
    expect(row).toEqual({ status: 'in_review', created_by: 'dev-author', provenance: 'api' });
    const [submit] = await t.sql<{ actor: string; comment: string }>(`SELECT actor, comment FROM rulebook_history WHERE action = 'submit' AND outcome = 'done'`);
    expect(submit).toEqual({ actor: 'dev-author', comment: 'From git.' });

    const again = cli('dev-author');
    expect(await runRulebookCli(['submit', file, '--url', url], again.io)).toBe(1);
    expect(again.lines[0]).toMatch(/ed-triage@1\.2\.0 exists and is in_review; give the file a new version number/);
  });

  it('keeps the draft and prints every problem when the quality gate refuses it; a fixed file updates that draft', async () => {
    const broken = stricterTriage('1.3.0');
    broken.rules[0].conditions = { all: [{ fact: 'respiratoryRat', operator: 'lessThanInclusive', value: 8 }] };
    const file = join(dir, '1.3.0.json');
    writeFileSync(file, JSON.stringify(broken));
    const first = cli('dev-author');
    expect(await runRulebookCli(['submit', file, '--url', url], first.io)).toBe(1);
    expect(first.lines[0]).toMatch(/^✗ .*: submission \(the draft is kept\) refused: 422 QUALITY_GATE_FAILED/);
    expect(first.lines).toContainEqual(expect.stringMatching(/^ {4}at \/rules\/0\/conditions\/all\/0\/fact: /));

    writeFileSync(file, JSON.stringify(stricterTriage('1.3.0')));
    const second = cli('dev-author-2');
    expect(await runRulebookCli(['submit', file, '--url', url], second.io)).toBe(0);
    const [row] = await t.sql<{ status: string; editors: string[] }>(`SELECT status, editors FROM rulebook_version WHERE rulebook_key = 'ed-triage' AND version = '1.3.0'`);
    expect(row).toEqual({ status: 'in_review', editors: ['dev-author', 'dev-author-2'] });
  });

  it('reports a token without the author role, and an unreachable server', async () => {
    const file = join(dir, '1.4.0.json');
    writeFileSync(file, JSON.stringify(stricterTriage('1.4.0')));
    const approver = cli('dev-approver');
    expect(await runRulebookCli(['submit', file, '--url', url], approver.io)).toBe(1);
    expect(approver.lines[0]).toMatch(/the draft was refused: 403 FORBIDDEN/);
    const offline = cli('dev-author');
    expect(await runRulebookCli(['submit', file, '--url', 'http://127.0.0.1:9'], offline.io)).toBe(1);
    expect(offline.lines[0]).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
