import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig, type Role } from '../config/app.config.js';
import { DomainError } from '../common/domain-error.js';
import { DEMO_TOKENS } from './demo-tokens.js';
import { hasRole, type Principal } from './principal.js';

const ROLES_KEY = 'verdict:roles';
const PUBLIC_KEY = 'verdict:public';

/** Route decorator: the caller needs one of `roles` (or `admin`). Routes without it need only a valid token. */
export const RequireRoles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Route decorator: no token needed (health probes, OpenAPI). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The request with the authenticated principal attached. */
export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

/**
 * Bearer-token authentication and role authorization (contract "Conventions"). A missing or unknown token is 401
 * `UNAUTHENTICATED` with `WWW-Authenticate: Bearer`; a known token without the role is 403 `FORBIDDEN`. Configured
 * tokens are matched by their sha256; demo tokens exist only in development mode.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly byHash = new Map<string, Principal>();
  private readonly demo: boolean;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    for (const token of config.tokens) this.byHash.set(token.tokenSha256, { subject: token.subject, roles: token.roles });
    this.demo = config.tokens.length === 0 && config.nodeEnv !== 'production';
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = this.authenticate(request.headers.authorization);
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && roles.length > 0 && !roles.some((role) => hasRole(principal, role))) {
      throw new DomainError(403, 'FORBIDDEN', 'Forbidden', `This operation needs the role ${roles.join(' or ')}.`);
    }
    return true;
  }

  /**
   * Resolves an `Authorization` header to a principal.
   * @throws DomainError 401 when the header is missing, malformed or the token unknown
   */
  authenticate(header: string | undefined): Principal {
    const match = /^Bearer\s+([\x21-\x7e]{1,512})$/i.exec(header ?? '');
    const unauthenticated = new DomainError(401, 'UNAUTHENTICATED', 'Authentication required',
      header ? 'The bearer token is not valid.' : 'Send Authorization: Bearer <token>.', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (!match) throw unauthenticated;
    const token = match[1];
    const configured = this.byHash.get(createHash('sha256').update(token, 'utf8').digest('hex'));
    if (configured) return configured;
    if (this.demo && Object.hasOwn(DEMO_TOKENS, token)) return DEMO_TOKENS[token];
    throw unauthenticated;
  }
}
