/**
 * Jest runs the project as native ES modules (NestJS 12 ships ESM only), transforming TypeScript with SWC,
 * which emits the legacy decorators and `design:*` metadata NestJS and TypeORM read.
 */
const swc = ['@swc/jest', {
  sourceMaps: 'inline',
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
}];
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // TypeScript is compiled by SWC (to ES modules, which Jest loads as ESM). No dependency is transformed: the
  // ESM-only versions that CommonJS dependencies would `require` (Jest has no require(esm)) are pinned to CommonJS
  // ones by `overrides` in package.json (content-disposition 2 under @fastify/static, cookie 1 under light-my-request).
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  testTimeout: 60000,
};
