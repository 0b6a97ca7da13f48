import type { LoggerService } from '@nestjs/common';
import type { Logger as Pino } from 'pino';

/**
 * Nest's logger backed by pino (the same instance Fastify logs requests with), so application and access logs are one
 * stream of JSON lines. A thin adapter: `nestjs-pino` would do this, but it is CommonJS and requires the ESM-only
 * `@nestjs/common`, which Jest on Node 20 cannot load (no `require(esm)` in Jest's module system).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    if (message !== null && typeof message === 'object') this.pino[level]({ context, ...(message as object) }, context ?? '');
    else this.pino[level]({ context }, String(message));
  }

  log(message: unknown, ...params: unknown[]): void { this.write('info', message, params); }
  error(message: unknown, ...params: unknown[]): void { this.write('error', message, params); }
  warn(message: unknown, ...params: unknown[]): void { this.write('warn', message, params); }
  debug(message: unknown, ...params: unknown[]): void { this.write('debug', message, params); }
  verbose(message: unknown, ...params: unknown[]): void { this.write('trace', message, params); }
  fatal(message: unknown, ...params: unknown[]): void { this.write('fatal', message, params); }
}
