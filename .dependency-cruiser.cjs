/**
 * Import rules of Verdict, checked by dependency-cruiser (`npm run lint:deps`, run before `npm test`).
 *
 * Imports point down, and never in a circle:
 *
 *   governance -> decisions -> facts and audit -> rulebooks -> common and config
 *
 * `auth/` (the guard and the principal) and `metrics/` are small shared services any feature module may use;
 * `database/` (data source, migrations) registers the entities of every module. `main.ts` and `app.factory.ts`
 * start the application and are imported only by tests; `app.module.ts` assembles the modules, governance included.
 * Type-only imports count: a type loop is a loop (`tsPreCompilationDeps`).
 */

/** A rule that lets files under `from` import, inside src/, only the folders in `allowed`. */
function onlyImports(name, comment, from, allowed, fromNot) {
  return {
    name,
    comment,
    severity: 'error',
    from: fromNot ? { path: from, pathNot: fromNot } : { path: from },
    to: { path: '^src/', pathNot: `^src/(${allowed.join('|')})/` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycle (type-only imports included). Move the shared type or function to the lower module, or invert the dependency.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-app-entry-imports',
      comment: 'src/main.ts, src/app.factory.ts and src/app.module.ts assemble the application: only main.ts, app.factory.ts and tests may import them. Move what a module needs (a type, a constant) into that module or src/common/.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(main|app[.]factory)[.]ts$', '[.]spec[.]ts$'] },
      to: { path: '^src/(main|app[.]factory|app[.]module)[.]ts$' },
    },
    onlyImports('common-imports-nothing',
      'src/common/ is the bottom layer: it imports no other folder of src/.',
      '^src/common/', ['common']),
    onlyImports('config-imports-common-only',
      'src/config/ reads and validates configuration: it may import src/common/ only (never rulebooks, facts, decisions...).',
      '^src/config/', ['config', 'common']),
    onlyImports('auth-imports-common-config-only',
      'src/auth/ (guard, principal) is shared by every API module: it may import src/common/ and src/config/ only.',
      '^src/auth/', ['auth', 'common', 'config']),
    onlyImports('rulebooks-below-facts-and-decisions',
      'src/rulebooks/ (types, file loader, schema, bundle importer, registry and its read model) may import src/common/ and src/config/ only.',
      '^src/rulebooks/', ['rulebooks', 'common', 'config']),
    onlyImports('facts-below-decisions',
      'src/facts/ (FHIR R4 -> canonical facts) may import src/rulebooks/, src/common/ and src/config/ only (never decisions or audit).',
      '^src/facts/', ['facts', 'rulebooks', 'common', 'config']),
    onlyImports('audit-below-decisions',
      'src/audit/ may import src/rulebooks/, src/common/, src/config/, src/auth/ and src/database/ only (never decisions or facts).',
      '^src/audit/', ['audit', 'rulebooks', 'common', 'config', 'auth', 'database']),
    onlyImports('decisions-below-governance',
      'src/decisions/ may import src/facts/, src/audit/, src/rulebooks/, src/common/, src/config/, src/metrics/ and src/auth/ only (never src/governance/, which sits on top).',
      '^src/decisions/', ['decisions', 'facts', 'audit', 'rulebooks', 'common', 'config', 'metrics', 'auth']),
    onlyImports('governance-on-top',
      'src/governance/ (lifecycle, activation timeline, history, quality gate, static analysis, diff, rulebook CLI) sits on top: it may import src/decisions/, src/facts/, src/audit/, src/rulebooks/, src/common/, src/config/, src/auth/, src/metrics/ and src/database/.',
      '^src/governance/', ['governance', 'decisions', 'facts', 'audit', 'rulebooks', 'common', 'config', 'auth', 'metrics', 'database']),
    {
      name: 'no-imports-of-governance',
      comment: 'Nothing below governance imports src/governance/: only src/app.module.ts (which assembles the modules) and the tests do. Move what a lower module needs down (to src/rulebooks/ or src/common/).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/governance/', '^src/app[.]module[.]ts$', '[.]spec[.]ts$'] },
      to: { path: '^src/governance/' },
    },
    {
      name: 'rulebooks-through-the-read-model',
      comment: 'Modules below governance read rulebooks through RulebookReadModel (src/rulebooks/rulebook-read-model.ts), never through the registry that loads it.',
      severity: 'error',
      from: { path: '^src/(decisions|facts|audit|health|metrics|auth)/' },
      to: { path: '^src/rulebooks/rulebook-registry[.]service[.]ts$' },
    },
    {
      name: 'json-rules-engine-behind-adapter',
      comment: 'Only src/decisions/evaluation/rule-engine.adapter.ts imports json-rules-engine; everything else uses our evaluation types.',
      severity: 'error',
      from: { pathNot: '^src/decisions/evaluation/rule-engine[.]adapter[.]ts$' },
      to: { path: '^node_modules/json-rules-engine/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve to a file or package. The benchmarks (test/bench) import the built service from dist/, which a fresh clone has not built yet.',
      severity: 'error',
      from: { pathNot: '^test/bench/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
