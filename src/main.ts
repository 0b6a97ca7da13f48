import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { createLogger } from './app.logger.js';
import { ConfigError, loadAppConfig } from './config/app.config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';

/** Starts Verdict: validated configuration, the database (embedded when no DATABASE_URL), the HTTP server. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let embedded: EmbeddedDatabase | undefined;
  const logger = createLogger(config);
  const log = (line: string) => logger.info(line);
  const databaseUrl = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(config.dataDir, log)).url;

  let app;
  try {
    app = await createApp(config, databaseUrl, { logger });
  } catch (error) {
    process.stderr.write(`Verdict could not start: ${(error as Error).message}\n`);
    await embedded?.stop();
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  log(`Verdict listening on http://${config.host}:${config.port} (docs at /docs)`);
}

void main();
