import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { RULEBOOK_CHANGE_CHANNEL } from './rulebook-change-channel.js';
import { RulebookRegistry } from './rulebook-registry.service.js';

const FIRST_RECONNECT_MS = 250;
const MAX_RECONNECT_MS = 10_000;

/**
 * Keeps this instance's `RulebookRegistry` in step with the database that several instances share.
 *
 * - **LISTEN/NOTIFY**: every governance change (and every bundled import) runs `pg_notify('verdict_rulebook_change',
 *   …)` in its transaction, so PostgreSQL delivers the notification to every listening instance when, and only when,
 *   the change commits. This instance listens on a dedicated `pg.Client` (a pooled connection would be returned to
 *   the pool and stop listening) and refreshes the registry on each notification: a change is typically seen within
 *   milliseconds.
 * - **Periodic check** (the safety net, every `RULEBOOK_POLL_SECONDS`): a cheap fingerprint (row counts of the
 *   append-only governance history and activation log, and of the versions) read through the pool; the registry is
 *   refreshed when it moved. It catches what NOTIFY cannot: notifications lost while the listening connection was
 *   down (it reconnects with backoff, then refreshes) or changes written without a notification.
 *
 * The fingerprint is read before the refresh it triggers, so a change committed in between is seen by the next check.
 */
@Injectable()
export class RulebookChangeListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RulebookChangeListener.name);
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectMs = FIRST_RECONNECT_MS;
  private fingerprint?: string;
  private checking?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: RulebookRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => void this.check(), this.config.rulebookPollSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.checking;
  }

  /** True while the dedicated connection is listening (for diagnostics and tests). */
  isListening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Compares the change fingerprint with the last one seen and refreshes the registry when it moved. Errors (the
   * database unreachable) are logged; the next check tries again.
   */
  check(): Promise<void> {
    this.checking ??= (async () => {
      try {
        const [row] = (await this.dataSource.query(
          `SELECT (SELECT count(*) FROM rulebook_history) || ':' || (SELECT count(*) FROM rulebook_activation) || ':' ||
                  (SELECT count(*) FROM rulebook_version) AS fingerprint`,
        )) as { fingerprint: string }[];
        if (row.fingerprint !== this.fingerprint) {
          await this.registry.refresh();
          this.fingerprint = row.fingerprint;
        }
      } catch (error) {
        if (!this.stopped) this.logger.warn(`periodic rulebook check failed: ${(error as Error).message}`);
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new pg.Client({ connectionString: url, application_name: 'verdict-rulebook-listener' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== RULEBOOK_CHANGE_CHANNEL) return;
      this.registry.refresh().catch((error: Error) => this.logger.warn(`rulebook refresh after NOTIFY failed: ${error.message}`));
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${RULEBOOK_CHANGE_CHANNEL}`);
      this.reconnectMs = FIRST_RECONNECT_MS;
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    // Whatever committed before LISTEN took effect was not notified: check now.
    await this.check();
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    this.logger.warn(`rulebook change listener disconnected${error ? `: ${error.message}` : ''}; reconnecting in ${this.reconnectMs} ms`);
    this.reconnectTimer = setTimeout(() => void this.listen(), this.reconnectMs);
    this.reconnectTimer.unref();
    this.reconnectMs = Math.min(this.reconnectMs * 2, MAX_RECONNECT_MS);
  }
}
