import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import semver from 'semver';
import type { DecisionRecord } from '../audit/decision-record.js';
import { contentHash } from '../common/canonical-json.js';
import { DomainError } from '../common/domain-error.js';
import { verdictBuild } from '../config/build-info.js';
import { compileFactCatalog, takeInFacts } from '../facts/index.js';
import { readRulebookDirectory } from '../rulebooks/rulebook-file.loader.js';
import { compileRules, evaluate } from './evaluation/index.js';
import { buildExplanation, ruleInput } from './decision-explanation.js';
import { renderExplanation } from './explanation.printer.js';
import { annotateOutcomeFacts } from './outcome-fact-annotation.js';

const USAGE = `Usage: npm run evaluate -- --rulebook <key> [--version <semver>] [--fhir <bundle.json>] [--facts '<json>'] [--as-of <RFC 3339>] [--json] [--verbose]

Evaluates a bundled rulebook (rulebooks/<key>/<version>.json, default the highest version) on a FHIR R4 bundle or
resource and/or facts, and prints the decision with a readable explanation. A dry run: nothing is recorded in the audit.
Options in [brackets] are optional: leave the brackets out. Example:

  npm run evaluate -- --rulebook ed-triage --facts '{"ageYears": 54, "consciousness": "A"}' --as-of 2026-11-21T09:30:00Z`;

/**
 * `npm run evaluate`: the decision engine for people, offline. Same fact intake, rules and outcome policy as the
 * service; exits 0 with the explanation, 2 on bad arguments, 1 when the input is refused (the problem is printed).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rulebook: { type: 'string' }, version: { type: 'string' }, fhir: { type: 'string' }, facts: { type: 'string' },
      'as-of': { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help || !values.rulebook || (!values.fhir && !values.facts)) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const files = readRulebookDirectory(resolve(process.env.RULEBOOKS_DIR ?? 'rulebooks')).filter((f) => f.document.key === values.rulebook);
  if (files.length === 0) throw new Error(`no bundled rulebook "${values.rulebook}"`);
  const file = values.version ? files.find((f) => f.document.version === values.version) : files.sort((a, b) => semver.rcompare(a.document.version, b.document.version))[0];
  if (!file) throw new Error(`rulebook "${values.rulebook}" has no version ${values.version}`);
  const doc = file.document;
  const asOf = values['as-of'] ? new Date(values['as-of']) : new Date();
  if (Number.isNaN(asOf.getTime())) throw new Error('--as-of must be an RFC 3339 date-time');
  const fhir = values.fhir ? (JSON.parse(readFileSync(values.fhir, 'utf8')) as unknown) : undefined;
  const facts = values.facts ? (JSON.parse(values.facts) as Record<string, unknown>) : undefined;

  const intake = takeInFacts(compileFactCatalog(doc.facts), { facts, fhir, asOf });
  const evaluation = await evaluate(compileRules(doc), ruleInput(doc, intake));
  evaluation.outcome = annotateOutcomeFacts(evaluation.outcome, intake);
  const record: DecisionRecord = {
    decisionId: '(dry run: not recorded)',
    rulebook: { key: doc.key, version: doc.version, contentHash: contentHash(doc) },
    verdict: verdictBuild(),
    outcome: evaluation.outcome,
    explanation: buildExplanation(doc, intake, evaluation),
    asOf: asOf.toISOString(),
    evaluatedAt: new Date().toISOString(),
    context: {},
  };
  process.stdout.write(values.json ? JSON.stringify(record, null, 2) + '\n' : renderExplanation(record, { verbose: values.verbose, rules: doc.rules }));
}

main().catch((error: unknown) => {
  if (error instanceof DomainError) {
    console.error(`${error.status} ${error.code}: ${error.detail}`);
    for (const e of error.errors ?? []) console.error(`  at ${e.pointer || '/'}: ${e.message}`);
  } else {
    console.error(`evaluate: ${(error as Error).message}`);
  }
  process.exit(1);
});
