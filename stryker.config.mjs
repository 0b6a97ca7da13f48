/**
 * Mutation testing with StrykerJS (`npm run test:mutation`): it changes the code of the clinical and audit core one
 * small fault at a time (a `>` for a `>=`, a removed check, `??` for `&&`) and runs the unit tests that cover it; a
 * mutant no test notices ("survived") is a behaviour no test guards. See README, "Mutation testing".
 *
 * - Scope: fact derivation (`src/facts/`), rule evaluation and the outcome policy (`src/decisions/evaluation/`), and
 *   the audit record hash and chain verification (`src/audit/audit-record-hash.ts`, `src/audit/chain/chain-verification.ts`).
 * - Jest runs as native ES modules: Node gets `--experimental-vm-modules` through `testRunnerNodeArgs`, and the
 *   mutation Jest config (`jest.mutation.config.js`) runs the unit specs only (no e2e; the chain verification spec
 *   creates its own PostgreSQL database).
 * - `enableFindRelatedTests` makes Jest load only the spec files that import the mutated file (loading all of them
 *   costs ~10 s per mutant in ESM mode); `coverageAnalysis: perTest` then runs only the tests that reach the mutant; the TypeScript checker discards mutants
 *   that do not compile; `ignoreStatic` skips mutants in module-level constants (they would need every test).
 * - `incremental`: the result of each mutant is kept in `reports/mutation/stryker-incremental.json` (committed); a
 *   rerun tests only mutants in code or tests that changed. `npm run test:mutation -- --force` reruns everything.
 *
 * Equivalent mutants (no behaviour can tell them apart) are marked in the code with
 * `// Stryker disable next-line <mutator>: <reason>`, so each one carries its reason where it is.
 */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  mutate: [
    'src/facts/**/*.ts',
    'src/decisions/evaluation/**/*.ts',
    'src/audit/audit-record-hash.ts',
    'src/audit/chain/chain-verification.ts',
    '!src/**/*.spec.ts',
    '!src/**/*.types.ts',
    '!src/**/index.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
