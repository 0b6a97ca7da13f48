import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PARTITION_MONTHS_AHEAD } from '../../database/migrate-database.js';
import { DEFAULT_SEAL_MARGIN_MS, sealBatch, type SealResult } from './chain-sealing.js';
import type { SqlRunner } from './stored-record-hashes.js';

/** Seconds between sealing runs of the service. */
const SEAL_EVERY_MS = 5_000;
/** Hours between checks that the monthly audit partitions exist ahead. */
const PARTITIONS_EVERY_MS = 6 * 3600_000;

/**
 * Keeps the tamper-evident chain up to date in the running service: every 5 s it appends one commit batch per 5,000
 * waiting decisions (see `chain-sealing.ts`), and every 6 hours it makes sure the monthly audit partitions exist three
 * months ahead (`verdict_create_audit_partitions`, SECURITY DEFINER, so the service role need not create tables).
 * Several instances may run it: batches are serialized by an advisory lock that decision writes never take.
 */
@Injectable()
export class AuditChainSealer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditChainSealer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private lastPartitionCheck = 0;

  constructor(private readonly dataSource: DataSource) {}

  /** Starts the periodic sealing once the application (and its pool) is up. */
  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), SEAL_EVERY_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a batch in progress, before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /**
   * Seals every decision waiting, in batches, now.
   * @param options `marginMs`: how far behind now the horizon stays (default 2 minutes; tests pass 0 once nothing is
   *   in flight); `maxRecords` per batch
   * @returns the batches written
   * @throws the driver error when the database cannot be written
   */
  async sealPending(options: { marginMs?: number; maxRecords?: number } = {}): Promise<SealResult[]> {
    const results: SealResult[] = [];
    for (;;) {
      const result = await this.dataSource.transaction(async (em) => {
        const run: SqlRunner = (sql, params) => em.query(sql, params) as Promise<Record<string, unknown>[]>;
        return sealBatch(run, { marginMs: options.marginMs ?? DEFAULT_SEAL_MARGIN_MS, maxRecords: options.maxRecords, sealedBy: 'verdict-service',
          forceEmpty: options.marginMs !== undefined && results.length === 0 });
      });
      results.push(result);
      if (!result.more) return results;
    }
  }

  private async tick(): Promise<void> {
    if (this.running || !this.dataSource.isInitialized) return;
    this.running = (async () => {
      try {
        if (Date.now() - this.lastPartitionCheck > PARTITIONS_EVERY_MS) {
          await this.dataSource.query(`SELECT verdict_create_audit_partitions(now(), $1)`, [PARTITION_MONTHS_AHEAD + 1]);
          this.lastPartitionCheck = Date.now();
        }
        await this.sealPending();
      } catch (error) {
        this.logger.warn(`audit chain sealing failed; retrying in ${SEAL_EVERY_MS / 1000} s: ${(error as Error).message}`);
      } finally {
        this.running = undefined;
      }
    })();
    await this.running;
  }
}
