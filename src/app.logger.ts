import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { AppConfig } from './config/app.config.js';

/** True when the optional dev dependency `pino-pretty` can be loaded (it is absent after `npm ci --omit=dev`). */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The process logger (pino): JSON lines (one object per line, pino's `level`/`time`/`msg` fields) in production and
 * test, and whenever `pino-pretty` is not installed; in development (`NODE_ENV=development`) with `pino-pretty`
 * installed, coloured human-readable lines (pino-pretty as a pino transport, in a worker thread). The `Authorization`
 * header is always redacted.
 *
 * @param config `nodeEnv` and `logLevel` are read
 * @param options `silent: true` logs nothing (the e2e tests)
 * @returns a pino logger, shared by Fastify (access logs), Nest and `main.ts`
 */
export function createLogger(config: Pick<AppConfig, 'nodeEnv' | 'logLevel'>, options: { silent?: boolean } = {}): Logger {
  const level = options.silent ? 'silent' : config.logLevel;
  const redact = ['req.headers.authorization'];
  if (!options.silent && config.nodeEnv === 'development' && prettyAvailable()) {
    return pino({ level, redact, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino({ level, redact });
}
