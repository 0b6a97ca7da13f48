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
  // TypeScript (and the few ESM-only packages that CommonJS dependencies `require`, such as content-disposition
  // under @fastify/static) are compiled by SWC: to ES modules where Jest loads them as ESM, to CommonJS where a
  // CommonJS module requires them (Jest on Node 20 has no require(esm)).
  transform: { '^.+\\.(ts|js)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  testTimeout: 60000,
};
