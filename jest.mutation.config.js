/**
 * Jest for the mutation run (`stryker.config.mjs`): the project's Jest config, limited to the unit specs of the
 * mutated code, no e2e (the chain verification spec talks to PostgreSQL directly: `DATABASE_URL`, else an embedded
 * server, as in `npm test`). The property spec runs fewer vectors there (`VERDICT_PROPERTY_RUNS`, set by
 * `npm run test:mutation`).
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: [
    '<rootDir>/src/facts/**/*.spec.ts',
    '<rootDir>/src/decisions/evaluation/**/*.spec.ts',
    '<rootDir>/src/audit/**/*.spec.ts',
    '<rootDir>/src/common/**/*.spec.ts',
  ],
};
