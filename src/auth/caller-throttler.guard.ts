import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { DomainError } from '../common/domain-error.js';

/**
 * Rate limiting per caller (the token's subject; the client address for unauthenticated routes) with
 * `@nestjs/throttler`: `RATE_LIMIT_PER_SECOND` requests per one-second window. Above it: 429 `RATE_LIMITED` with
 * `Retry-After` (seconds). Runs after authentication, so it counts callers, not proxies.
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.principal as { subject?: string } | undefined;
    return principal?.subject ? `caller:${principal.subject}` : `ip:${String(req.ip)}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire || 1));
    throw new DomainError(429, 'RATE_LIMITED', 'Too many requests',
      `More than ${detail.limit} requests per second from this caller; retry after ${retryAfter} s.`, undefined, { 'Retry-After': String(retryAfter) });
  }
}
