import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { contentHash } from '../common/canonical-json.js';
import type { ProblemPointer } from '../common/domain-error.js';
import { validateRulebookDocument } from '../rulebooks/rulebook-schema.validator.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { diffRulebooks } from './rulebook-diff.js';
import { checkRulebookStructure, runQualityGate } from './rulebook-quality-gate.js';

const USAGE = `Usage: npm run rulebook -- <command> <file…> [options]

  validate <file…>        check each rulebook file: JSON Schema, fact catalog, facts and operators used by the rules
                          and the outcome policy, and the static checks of the rules: overlapping or one-value-gapped
                          bands, rules that can never fire, outcome fields no rule sets (offline)
  test <file…>            validate, then run every scenario: each must pass and together they must fire every rule
                          (offline)
  diff <old> <new>        what changed between two rulebook files: rules, facts, outcome policy, scenarios
                          (offline; --json for the full diff with an RFC 6902 JSON Patch per changed rule)
  submit <file…> --url <Verdict URL>
                          create a draft from each file (or update the draft of that version) and submit it for
                          review through the API, with the bearer token in $VERDICT_TOKEN (--token-env NAME to use
                          another variable); the server runs the quality gate and answers with its findings

Exit status: 0 when everything passed, 1 when a rulebook has problems or the server refused, 2 on bad arguments.`;

/** Where the CLI writes, reads its token from, and how it talks HTTP (replaceable in tests). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
}

/**
 * `npm run rulebook -- validate|test|diff|submit <file…>`: rulebooks kept as files (in git) checked with the same
 * quality gate as the service, compared, and submitted through the governance API.
 *
 * @param args the arguments after the script name
 * @param io output, environment and HTTP
 * @returns the exit status: 0 passed, 1 problems or refused, 2 bad arguments
 */
export async function runRulebookCli(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: { url: { type: 'string' }, 'token-env': { type: 'string' }, comment: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...files] = parsed.positionals;
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!command || files.length === 0 || (command === 'diff' && files.length !== 2)) {
    io.err(USAGE);
    return 2;
  }
  switch (command) {
    case 'validate':
      return validate(files, io);
    case 'test':
      return test(files, io);
    case 'diff':
      return diff(files[0], files[1], parsed.values.json === true, io);
    case 'submit': {
      const url = parsed.values.url;
      const tokenEnv = parsed.values['token-env'] ?? 'VERDICT_TOKEN';
      const token = io.env[tokenEnv];
      if (!url || !/^https?:\/\//.test(url)) {
        io.err('submit needs --url http(s)://<Verdict host>');
        return 2;
      }
      if (!token) {
        io.err(`submit needs a bearer token with the role rulebook:author in $${tokenEnv}`);
        return 2;
      }
      return submit(files, url.replace(/\/+$/, ''), token, parsed.values.comment, io);
    }
    default:
      io.err(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** Reads a JSON file; the problem as a pointer list when it cannot be read or parsed. */
function readJson(file: string): { document?: unknown; problems: ProblemPointer[] } {
  try {
    return { document: JSON.parse(readFileSync(file, 'utf8')) as unknown, problems: [] };
  } catch (error) {
    return { problems: [{ pointer: '', message: `cannot read it as JSON: ${(error as Error).message}` }] };
  }
}

function printProblems(io: CliIo, problems: readonly ProblemPointer[]): void {
  for (const p of problems) io.out(`    at ${p.pointer || '/'}: ${p.message}`);
}

function label(document: unknown): string {
  const d = document as Partial<RulebookDocument> | undefined;
  return `${String(d?.key)}@${String(d?.version)}`;
}

function validate(files: string[], io: CliIo): number {
  let failed = 0;
  for (const file of files) {
    const read = readJson(file);
    const problems = read.problems.length > 0 ? read.problems : checkRulebookStructure(read.document);
    if (problems.length === 0) {
      io.out(`✓ ${file}: ${label(read.document)} is valid (${contentHash(read.document)})`);
    } else {
      failed += 1;
      io.out(`✗ ${file}: ${problems.length} problem(s)`);
      printProblems(io, problems);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function test(files: string[], io: CliIo): Promise<number> {
  let failed = 0;
  for (const file of files) {
    const read = readJson(file);
    if (read.problems.length > 0) {
      failed += 1;
      io.out(`✗ ${file}`);
      printProblems(io, read.problems);
      continue;
    }
    const report = await runQualityGate(read.document);
    for (const result of report.scenarios?.results ?? []) {
      io.out(`  ${result.passed ? '✓' : '✗'} ${result.name}`);
      for (const problem of result.problems) io.out(`      ${problem}`);
    }
    const passed = report.scenarios?.results.filter((r) => r.passed).length ?? 0;
    const total = report.scenarios?.results.length ?? 0;
    if (report.problems.length === 0) {
      io.out(`✓ ${file}: ${label(read.document)}: ${passed} of ${total} scenarios pass and fire every rule`);
    } else {
      failed += 1;
      io.out(`✗ ${file}: ${label(read.document)}: ${report.problems.length} problem(s)${report.scenarios ? `, ${passed} of ${total} scenarios pass` : ''}`);
      printProblems(io, report.problems);
    }
  }
  return failed > 0 ? 1 : 0;
}

function diff(fromFile: string, toFile: string, json: boolean, io: CliIo): number {
  const documents: RulebookDocument[] = [];
  for (const file of [fromFile, toFile]) {
    const read = readJson(file);
    const problems = read.problems.length > 0 ? read.problems : validateRulebookDocument(read.document);
    if (problems.length > 0) {
      io.err(`✗ ${file} is not a valid rulebook:`);
      for (const p of problems) io.err(`    at ${p.pointer || '/'}: ${p.message}`);
      return 2;
    }
    documents.push(read.document as RulebookDocument);
  }
  const result = diffRulebooks(documents[0], documents[1]);
  if (json) io.out(JSON.stringify(result, null, 2));
  else for (const line of result.summary) io.out(line);
  return 0;
}

interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function submit(files: string[], base: string, token: string, comment: string | undefined, io: CliIo): Promise<number> {
  const call = async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await io.fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { detail: text };
    }
    return { status: response.status, body: parsed };
  };
  const refused = (file: string, step: string, answer: ApiAnswer) => {
    io.out(`✗ ${file}: ${step} refused: ${answer.status} ${String(answer.body.code ?? '')} ${String(answer.body.detail ?? '')}`.trimEnd());
    printProblems(io, (answer.body.errors as ProblemPointer[] | undefined) ?? []);
  };

  let failed = 0;
  for (const file of files) {
    const read = readJson(file);
    if (read.problems.length > 0 || read.document === null || typeof read.document !== 'object') {
      failed += 1;
      io.out(`✗ ${file}`);
      printProblems(io, read.problems.length > 0 ? read.problems : [{ pointer: '', message: 'not a JSON object' }]);
      continue;
    }
    const doc = read.document as RulebookDocument;
    const key = encodeURIComponent(String(doc.key));
    const version = encodeURIComponent(String(doc.version));
    try {
      let answer = await call('POST', `/v1/rulebooks/${key}/versions`, doc);
      if (answer.status === 409 && answer.body.code === 'VERSION_EXISTS') {
        const existing = await call('GET', `/v1/rulebooks/${key}/versions/${version}`);
        if (existing.body.status !== 'draft') {
          failed += 1;
          io.out(`✗ ${file}: ${label(doc)} exists and is ${String(existing.body.status)}; give the file a new version number`);
          continue;
        }
        answer = await call('PUT', `/v1/rulebooks/${key}/versions/${version}`, doc);
      }
      if (answer.status !== 200 && answer.status !== 201) {
        failed += 1;
        refused(file, 'the draft was', answer);
        continue;
      }
      const submitted = await call('POST', `/v1/rulebooks/${key}/versions/${version}/submit`, comment ? { comment } : {});
      if (submitted.status !== 200) {
        failed += 1;
        refused(file, 'submission (the draft is kept)', submitted);
        continue;
      }
      const safety = Number(submitted.body.safetyApprovalsRequired ?? 0);
      io.out(`✓ ${file}: ${label(doc)} submitted for review (${String(submitted.body.contentHash)}); it needs ${String(submitted.body.approvalsRequired)} approval(s) by someone other than its editors` +
        (safety > 0 ? `, ${safety} of them by a clinical safety officer` : ''));
    } catch (error) {
      failed += 1;
      io.out(`✗ ${file}: cannot reach ${base}: ${(error as Error).message}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    fetch: globalThis.fetch,
  };
  void runRulebookCli(process.argv.slice(2), io).then((code) => process.exit(code));
}
