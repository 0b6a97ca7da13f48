import type { Role } from '../config/app.config.js';

/**
 * Who is calling: the subject recorded in the audit and the governance history (a static or demo token's configured
 * subject; for a JWT `<issuer name>#<sub>`), the roles it holds and, for a person's OIDC token, a display name.
 */
export interface Principal {
  subject: string;
  roles: Role[];
  name?: string;
}

/**
 * True when `principal` holds `role` itself. No role implies another (there is no all-roles `admin`): separation of
 * duties needs authoring and approving to be granted apart (rulebooks/GOVERNANCE.md "Who does what").
 */
export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes(role);
}
