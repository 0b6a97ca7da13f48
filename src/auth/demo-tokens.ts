import type { Principal } from './principal.js';

/**
 * The contract's demo tokens: public, so accepted only when `VERDICT_DEMO_AUTH=true`, which the configuration allows
 * only with a loopback `HOST` and `NODE_ENV` other than production (tests and a local trial; README "Authentication").
 * The token is also the subject recorded in the audit. No token holds every role: `dev-clinical-lead`
 * authors and approves (never the same version: separation of duties), `dev-pinning-engine` may name a version other
 * than the one in force (`decision:pin-version`), `dev-operator` reads the metrics.
 */
export const DEMO_TOKENS: Record<string, Principal> = {
  'dev-workflow-engine': { subject: 'dev-workflow-engine', roles: ['decision:evaluate'] },
  'dev-pinning-engine': { subject: 'dev-pinning-engine', roles: ['decision:evaluate', 'decision:pin-version'] },
  'dev-author': { subject: 'dev-author', roles: ['rulebook:author'] },
  'dev-author-2': { subject: 'dev-author-2', roles: ['rulebook:author'] },
  'dev-approver': { subject: 'dev-approver', roles: ['rulebook:approve'] },
  'dev-approver-2': { subject: 'dev-approver-2', roles: ['rulebook:approve'] },
  'dev-clinical-lead': { subject: 'dev-clinical-lead', roles: ['rulebook:author', 'rulebook:approve'] },
  'dev-safety-officer': { subject: 'dev-safety-officer', roles: ['rulebook:approve', 'safety:approve'] },
  'dev-auditor': { subject: 'dev-auditor', roles: ['audit:read'] },
  'dev-operator': { subject: 'dev-operator', roles: ['metrics:read'] },
};
