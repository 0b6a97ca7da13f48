import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { type CliIo, runRulebookCli } from './rulebook.cli.js';

const bundledFile = join(projectRoot(), 'rulebooks', 'ed-triage', '1.1.0.json');
const dir = mkdtempSync(join(tmpdir(), 'verdict-cli-'));

function write(name: string, document: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof document === 'string' ? document : JSON.stringify(document, null, 2));
  return path;
}

function io(env: Record<string, string> = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env, fetch: () => Promise.reject(new Error('no network in this test')) };
}

const triage = (): RulebookDocument => JSON.parse(readFileSync(bundledFile, 'utf8')) as RulebookDocument;

describe('npm run rulebook', () => {
  it('validate: accepts a valid file and names every problem of a broken one with its pointer', async () => {
    const broken = triage();
    broken.rules[3].conditions = { all: [{ fact: 'respiratoryRat', operator: 'greaterThan', value: 24 }] };
    const brokenFile = write('broken.json', broken);
    const out = io();
    expect(await runRulebookCli(['validate', bundledFile, brokenFile, write('not-json.json', '{')], out)).toBe(1);
    expect(out.lines[0]).toMatch(/^✓ .*1\.1\.0\.json: ed-triage@1\.1\.0 is valid \(sha256:[0-9a-f]{64}\)$/);
    expect(out.lines).toContain(`✗ ${brokenFile}: 1 problem(s)`);
    expect(out.lines).toContainEqual(expect.stringMatching(/^ {4}at \/rules\/3\/conditions\/all\/0\/fact: .*respiratoryRat/));
    expect(out.lines).toContainEqual(expect.stringMatching(/^ {4}at \/: cannot read it as JSON/));
    expect(await runRulebookCli(['validate', bundledFile], io())).toBe(0);
  });

  it('test: runs every scenario and fails on a wrong expectation', async () => {
    const ok = io();
    expect(await runRulebookCli(['test', bundledFile], ok)).toBe(0);
    expect(ok.lines.at(-1)).toMatch(/^✓ .*: ed-triage@1\.1\.0: (\d+) of \1 scenarios pass and fire every rule$/);
    const wrong = triage();
    wrong.scenarios[0].expect = { acuity: 1 };
    const failing = io();
    expect(await runRulebookCli(['test', write('wrong.json', wrong)], failing)).toBe(1);
    expect(failing.lines).toContain(`  ✗ ${wrong.scenarios[0].name}`);
    expect(failing.lines).toContainEqual(expect.stringMatching(/^ {4}at \/scenarios\/0\/expect\/acuity: .*expected 1, got 4/));
  });

  it('test: exits non-zero on a triage rulebook in two-valued logic (ed-triage 1.0.0), naming the missing-data policy', async () => {
    const legacy = io();
    expect(await runRulebookCli(['test', join(projectRoot(), 'rulebooks', 'ed-triage', '1.0.0.json')], legacy)).toBe(1);
    expect(legacy.lines).toContainEqual(expect.stringMatching(/^ {4}at \/outcome: .*missingFactLogic/));
  });

  it('diff: prints the changes in words, or the whole diff as JSON', async () => {
    const changed = triage();
    changed.version = '1.2.0';
    (changed.rules[3].conditions as { all: { value: number }[] }).all[0].value = 22;
    const file = write('changed.json', changed);
    const text = io();
    expect(await runRulebookCli(['diff', bundledFile, file], text)).toBe(0);
    expect(text.lines).toContain('Rule news2-respiratory-rate-3-high changed: /conditions/all/0/value: 24 -> 22.');
    const json = io();
    expect(await runRulebookCli(['diff', bundledFile, file, '--json'], json)).toBe(0);
    expect(JSON.parse(json.lines.join('\n')).rules.changed).toEqual([{ name: 'news2-respiratory-rate-3-high', patch: [{ op: 'replace', path: '/conditions/all/0/value', value: 22 }] }]);
  });

  it('refuses bad arguments with the usage and status 2', async () => {
    for (const args of [[], ['validate'], ['frobnicate', bundledFile], ['diff', bundledFile], ['submit', bundledFile], ['--nope']]) {
      const out = io();
      expect(await runRulebookCli(args, out)).toBe(2);
      expect(out.errors.join('\n')).toMatch(/Usage: npm run rulebook|submit needs/);
    }
    const noToken = io();
    expect(await runRulebookCli(['submit', bundledFile, '--url', 'http://127.0.0.1:1'], noToken)).toBe(2);
    expect(noToken.errors).toEqual(['submit needs a bearer token with the role rulebook:author in $VERDICT_TOKEN']);
  });
});
