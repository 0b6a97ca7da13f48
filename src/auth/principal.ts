import type { Role } from '../config/app.config.js';

/** Who is calling: the token's subject and the roles it holds. */
export interface Principal {
  subject: string;
  roles: Role[];
}

/** True when `principal` holds `role` directly or through `admin`. */
export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes(role) || principal.roles.includes('admin');
}
