import type { Principal } from './principal.js';

/**
 * The contract's demo tokens, valid only in development mode (no `AUTH_TOKENS` configured and `NODE_ENV` not
 * production). The token is also the subject recorded in the audit. `dev-admin` holds `admin`, which grants every role
 * (`hasRole`), `safety:approve` included.
 */
export const DEMO_TOKENS: Record<string, Principal> = {
  'dev-workflow-engine': { subject: 'dev-workflow-engine', roles: ['decision:evaluate'] },
  'dev-author': { subject: 'dev-author', roles: ['rulebook:author'] },
  'dev-author-2': { subject: 'dev-author-2', roles: ['rulebook:author'] },
  'dev-approver': { subject: 'dev-approver', roles: ['rulebook:approve'] },
  'dev-approver-2': { subject: 'dev-approver-2', roles: ['rulebook:approve'] },
  'dev-safety-officer': { subject: 'dev-safety-officer', roles: ['rulebook:approve', 'safety:approve'] },
  'dev-auditor': { subject: 'dev-auditor', roles: ['audit:read'] },
  'dev-admin': { subject: 'dev-admin', roles: ['admin'] },
};
