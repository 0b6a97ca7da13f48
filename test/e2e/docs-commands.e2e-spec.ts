import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Every fenced `sh` block of README.md and rulebooks/GOVERNANCE.md runs as written, in order, against a started
 * Verdict: one bash per document (so that a variable one block sets, like `hash`, is there for the next), from the
 * repository's folder, with `set -eo pipefail`. Two things differ from a reader's terminal: `http://localhost:3000`
 * is the test's server (a free port), and `curl` fails on an HTTP error status (`--fail-with-body`), so that a
 * command answered 4xx fails here instead of printing a problem document nobody reads.
 *
 * A block that cannot run here (it starts the service or runs this very suite, or it holds a placeholder such as
 * your server's URL) says so in an HTML comment on the line before its fence, with the reason:
 * `<!-- docs-check: skip: starts the service -->`. The counts below change only on purpose.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCUMENTS = [
  { file: 'README.md', run: 5, skipped: 2 },
  { file: 'rulebooks/GOVERNANCE.md', run: 16, skipped: 1 },
];
/** What the worked example of GOVERNANCE.md writes in the repository's folder (removed afterwards). */
const DRAFT_FILE = join(root, 'ed-triage-1.2.0.json');
const DOCUMENTED_URL = 'http://localhost:3000';
const SHELLS = new Set(['sh', 'bash', 'shell']);
const SKIP = /^<!--\s*docs-check:\s*skip:\s*(\S.*?)\s*-->$/;
const MARK = '@@docs-check block';

/** A fenced shell block of a Markdown document. */
interface ShellBlock {
  /** 1-based line of its opening fence. */
  line: number;
  text: string;
  /** Why it is not run (from its `docs-check: skip` comment), or undefined when it runs. */
  skip?: string;
}

/**
 * The fenced blocks whose info string is `sh`, `bash` or `shell` (CommonMark fences of three backticks at the start
 * of a line), with the skip reason of the HTML comment right before each, if any.
 */
function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```\s*(\S*)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`line ${i + 1}: a fence that never closes`);
    if (SHELLS.has(open[1])) {
      let previous = i - 1;
      while (previous >= 0 && lines[previous].trim() === '') previous--;
      const skip = previous >= 0 ? SKIP.exec(lines[previous].trim())?.[1] : undefined;
      blocks.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n'), ...(skip !== undefined && { skip }) });
    }
    i = end;
  }
  return blocks;
}

/** The outcome of running a document's blocks in one bash. */
interface ShellRun {
  code: number | null;
  /** stdout of each block that ran, by its index in the blocks run. */
  outputs: string[];
  stderr: string;
}

/**
 * Runs `script` in bash from the repository's folder without blocking this process's event loop (the server under
 * test answers from it), with `curlDir` first on the PATH.
 */
function runBash(script: string, curlDir: string, timeoutMs: number): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: root,
      env: { ...process.env, PATH: `${curlDir}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const outputs = stdout.split(new RegExp(`^${MARK} \\d+@@$`, 'm')).slice(1);
      resolve({ code, outputs, stderr });
    });
  });
}

/** A `curl` that fails (exit 22) on an HTTP status of 400 or more and still prints the problem document. */
function failingCurlDir(): string {
  const real = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].find((p) => existsSync(p));
  if (!real) throw new Error('curl is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'verdict-docs-curl-'));
  writeFileSync(join(dir, 'curl'), `#!/bin/sh\nexec ${real} --fail-with-body "$@"\n`);
  chmodSync(join(dir, 'curl'), 0o755);
  return dir;
}

/** How many blocks run and how many are skipped: of a document's blocks, or as `DOCUMENTS` expects them. */
function counts(of: ShellBlock[] | { run: number; skipped: number }): { run: number; skipped: number } {
  if (!Array.isArray(of)) return { run: of.run, skipped: of.skipped };
  return { run: of.filter((b) => b.skip === undefined).length, skipped: of.filter((b) => b.skip !== undefined).length };
}

describe('the commands of README.md and GOVERNANCE.md, pasted as written', () => {
  let t: TestApp;
  let url: string;
  let curlDir: string;

  beforeAll(async () => {
    if (existsSync(DRAFT_FILE)) throw new Error(`${DRAFT_FILE} exists: the worked example writes it; move it away first`);
    curlDir = failingCurlDir();
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    rmSync(DRAFT_FILE, { force: true });
    rmSync(curlDir, { recursive: true, force: true });
    await t?.close();
  });

  /** Runs the blocks of `file` in one bash; fails naming the first block that failed, with its output. */
  async function runDocument(file: string): Promise<{ blocks: ShellBlock[]; outputs: string[] }> {
    const blocks = shellBlocks(readFileSync(join(root, file), 'utf8'));
    const runnable = blocks.filter((b) => b.skip === undefined);
    const script = ['set -eo pipefail', ...runnable.map((b, i) => `printf '\\n${MARK} ${i}@@\\n'\n${b.text.replaceAll(DOCUMENTED_URL, url)}`)].join('\n');
    const { code, outputs, stderr } = await runBash(script, curlDir, 240_000);
    if (code !== 0) {
      const failed = runnable[outputs.length - 1];
      throw new Error(
        `${file}: the block at line ${failed?.line ?? '?'} failed (exit ${String(code)}):\n${failed?.text ?? ''}\n` +
          `--- its output (last 2000 characters):\n${(outputs.at(-1) ?? '').slice(-2000)}\n--- stderr:\n${stderr.slice(-2000)}`,
      );
    }
    expect(outputs).toHaveLength(runnable.length);
    return { blocks, outputs };
  }

  it('README.md: every block runs; the three decisions it makes are recorded', async () => {
    const { blocks } = await runDocument('README.md');
    expect(counts(blocks)).toEqual(counts(DOCUMENTS[0]));
    const [{ count }] = await t.sql<{ count: string }>('SELECT count(*) FROM decision');
    expect(Number(count)).toBe(3);
  }, 300_000);

  it('GOVERNANCE.md: the worked example takes ed-triage 1.2.0 from a draft through three approvals to active and back', async () => {
    const { blocks, outputs } = await runDocument('rulebooks/GOVERNANCE.md');
    expect(counts(blocks)).toEqual(counts(DOCUMENTS[1]));

    const auditor = { Authorization: 'Bearer dev-auditor' };
    const version = (await (await fetch(`${url}/v1/rulebooks/ed-triage/versions/1.2.0`, { headers: auditor })).json()) as {
      status: string;
      approvals: { asSafetyOfficer: boolean }[];
    };
    expect(version.status).toBe('approved'); // active until the rollback, approved again after it
    expect(version.approvals.map((a) => a.asSafetyOfficer).sort()).toEqual([false, false, true]);
    const history = (await (await fetch(`${url}/v1/rulebooks/ed-triage/history`, { headers: auditor })).json()) as unknown;
    expect(JSON.stringify(history)).toContain('rollback');
    // The files section: the offline quality gate passes the draft step 3 wrote, and the diff names the changed rule.
    const files = outputs.at(-1) ?? '';
    expect(files).toMatch(/^✓ ed-triage-1\.2\.0\.json: ed-triage@1\.2\.0 is valid/m);
    expect(files).toMatch(/^✓ ed-triage-1\.2\.0\.json: ed-triage@1\.2\.0: \d+ of \d+ scenarios pass and fire every rule/m);
    expect(files).toContain('news2-respiratory-rate-3-high');
  }, 300_000);
});
