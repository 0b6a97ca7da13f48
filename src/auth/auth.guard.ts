import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig, type Role } from '../config/app.config.js';
import { DomainError } from '../common/domain-error.js';
import { DEMO_TOKENS } from './demo-tokens.js';
import { JwtVerifier, looksLikeJwt, TokenRefused } from './jwt-verifier.js';
import { hasRole, type Principal } from './principal.js';
import { AuthenticationBusyError, type AuthLog, StaticTokenStore } from './static-token-store.js';

const ROLES_KEY = 'verdict:roles';
const PUBLIC_KEY = 'verdict:public';

/** Route decorator: the caller needs one of `roles`. Routes without it need only a valid token. */
export const RequireRoles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Route decorator: no token needed (health probes, OpenAPI). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The request with the authenticated principal attached. */
export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

/** `Authorization: Bearer <token>`: the scheme in any case (RFC 7235), visible ASCII (RFC 6750 b64token and JWTs). */
const BEARER = /^bearer[ \t]+([\x21-\x7e]{1,8192})$/i;

/** What a 401 says, in the problem and in `WWW-Authenticate` (RFC 6750 §3): whether the token expired, nothing finer. */
const INVALID = 'The access token is not valid';
const EXPIRED = 'The access token expired';

/** 401 `UNAUTHENTICATED`; `description` set: a token was presented (`error="invalid_token"`), else none was. */
function unauthenticated(description?: string): DomainError {
  const challenge = description === undefined ? 'Bearer' : `Bearer error="invalid_token", error_description="${description}"`;
  return new DomainError(401, 'UNAUTHENTICATED', 'Authentication required',
    description === undefined ? 'Send Authorization: Bearer <token>.' : `${description}.`, undefined, { 'WWW-Authenticate': challenge });
}

/**
 * Bearer-token authentication and role authorization (README "Authentication"; RFC 6750). A token is, in this order:
 * a demo token (only with `VERDICT_DEMO_AUTH=true`, which the configuration allows on a loopback `HOST` outside
 * production only); a JWT from a configured issuer (`JwtVerifier`); a static token (`StaticTokenStore`, scrypt hashes).
 *
 * A missing token is 401 `UNAUTHENTICATED` with `WWW-Authenticate: Bearer`; an invalid one 401 with
 * `Bearer error="invalid_token"` and a description that says only whether it expired (the exact reason goes to the log,
 * never the token); a valid token without the role 403 `FORBIDDEN` with `error="insufficient_scope"`. An issuer whose
 * keys cannot be fetched is 503 `AUTHENTICATION_UNAVAILABLE`; too many static-token checks at once 429
 * `AUTHENTICATION_BUSY`; both with `Retry-After`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  private readonly demo: boolean;
  private readonly staticTokens: StaticTokenStore;
  private readonly jwt: JwtVerifier;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const log: AuthLog = { info: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) };
    const reloadMs = config.auth.reloadSeconds * 1000;
    this.staticTokens = new StaticTokenStore(config.auth.tokens, { ...(config.auth.tokensFile && { file: config.auth.tokensFile }), reloadMs }, log);
    this.jwt = new JwtVerifier(config.auth.issuers, { reloadMs }, log);
    // The configuration refuses VERDICT_DEMO_AUTH in production and off loopback; checked again here all the same.
    this.demo = config.auth.demo && config.nodeEnv !== 'production';
    if (this.demo) {
      this.logger.warn(`VERDICT_DEMO_AUTH=true: the public demo tokens are accepted (listening on ${config.host} only)`);
    } else if (!this.staticTokens.configured && !this.jwt.configured) {
      this.logger.warn('No authentication is configured (AUTH_ISSUERS, AUTH_TOKENS, AUTH_TOKENS_FILE): every /v1 request is refused. ' +
        'To try Verdict on this machine with the demo tokens: VERDICT_DEMO_AUTH=true npm start');
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(request.headers.authorization, String(request.id));
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && roles.length > 0 && !roles.some((role) => hasRole(principal, role))) {
      throw new DomainError(403, 'FORBIDDEN', 'Forbidden', `This operation needs the role ${roles.join(' or ')}.`, undefined,
        { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' });
    }
    return true;
  }

  /**
   * Resolves an `Authorization` header to a principal.
   * @param header the header as received
   * @param requestId named in the log line of a refusal
   * @throws DomainError 401 when the header is missing or malformed or the token not valid; 503 when an issuer's keys
   *   cannot be fetched; 429 when too many static-token checks wait
   */
  async authenticate(header: string | undefined, requestId = '-'): Promise<Principal> {
    if (header === undefined || header.trim() === '') throw unauthenticated();
    const match = BEARER.exec(header.trim());
    if (!match) {
      this.logger.debug(`request ${requestId}: Authorization header is not a bearer token`);
      throw unauthenticated(INVALID);
    }
    const token = match[1];
    if (this.demo && Object.hasOwn(DEMO_TOKENS, token)) return DEMO_TOKENS[token];
    if (this.jwt.configured && looksLikeJwt(token)) return this.verifyJwt(token, requestId);
    let principal: Principal | undefined;
    try {
      principal = await this.staticTokens.authenticate(token);
    } catch (error) {
      if (!(error instanceof AuthenticationBusyError)) throw error;
      this.logger.warn(`request ${requestId}: too many static token checks at once; answered 429`);
      throw new DomainError(429, 'AUTHENTICATION_BUSY', 'Too many requests', 'Too many token checks in progress; retry after 1 s.', undefined,
        { 'Retry-After': '1' });
    }
    if (principal) return principal;
    this.logger.debug(`request ${requestId}: bearer token refused: not a configured token`);
    throw unauthenticated(INVALID);
  }

  private async verifyJwt(token: string, requestId: string): Promise<Principal> {
    try {
      return await this.jwt.verify(token);
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      const line = `request ${requestId}: bearer JWT refused${error.issuer ? ` (issuer ${error.issuer})` : ''}: ${error.reason}`;
      if (error.kind === 'unavailable') {
        this.logger.warn(line);
        throw new DomainError(503, 'AUTHENTICATION_UNAVAILABLE', 'Authentication unavailable',
          'The token issuer\'s keys cannot be fetched; retry later.', undefined, { 'Retry-After': '5' });
      }
      // A refusal after the signature was checked (expiry, audience, replay) is worth an operator's eye; others are noise.
      if (error.issuer && !/^ERR_J(WS|OSE|WKS)|^not a|^issuer/.test(error.reason)) this.logger.log(line);
      else this.logger.debug(line);
      throw unauthenticated(error.kind === 'expired' ? EXPIRED : INVALID);
    }
  }
}
