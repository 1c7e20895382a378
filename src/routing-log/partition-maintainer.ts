import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GatewayConfigHolder } from '../config/gateway-config.holder.js';

/** Months created ahead of the current one, so no insert ever lands past the last partition. */
export const MONTHS_AHEAD = 2;
const CHECK_EVERY_MS = 60 * 60_000;
const PARTITION = /^inference_routing_log_p(\d{4})(\d{2})$/;

/** The first instant of the UTC month `offset` months from the one containing `at`. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

/**
 * Keeps the routing log's monthly partitions: the current month and the next two exist (checked at
 * start and hourly, by every replica; the SQL function serialises them), and with
 * `retention.routing_log_days` whole partitions that ended before the cut-off are dropped.
 */
@Injectable()
export class PartitionMaintainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RoutingLogPartitions');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly gateway: GatewayConfigHolder,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.maintain();
    this.timer = setInterval(() => {
      this.running = this.maintain().catch((error) =>
        this.logger.warn(`partition maintenance failed: ${(error as Error).message}`),
      );
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Creates the months ahead, then applies retention. Returns what it created and dropped. */
  async maintain(now = new Date()): Promise<{ created: string[]; dropped: string[] }> {
    const created: string[] = [];
    for (let offset = 0; offset <= MONTHS_AHEAD; offset++) {
      const [{ part }]: { part: string | null }[] = await this.db.query('SELECT routing_log_ensure_partition($1::date) AS part', [
        monthStart(now, offset).toISOString().slice(0, 10),
      ]);
      if (part) created.push(part);
    }
    if (created.length) this.logger.log(`created routing-log partitions: ${created.join(', ')}`);
    const days = this.gateway.current.retention.routing_log_days;
    const dropped = days === undefined ? [] : await this.applyRetention(now, days);
    return { created, dropped };
  }

  /** Drops every monthly partition whose whole month ended before now − routing_log_days. */
  private async applyRetention(now: Date, days: number): Promise<string[]> {
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const parts: { name: string }[] = await this.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'inference_routing_log'::regclass`,
    );
    const dropped: string[] = [];
    for (const { name } of parts) {
      const match = PARTITION.exec(name);
      if (!match) continue;
      const end = monthStart(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)), 1);
      if (end > cutoff) continue;
      await this.db.transaction(async (tx) => {
        // Dropping a partition locks the parent briefly; never queue inserts behind a long wait for it.
        await tx.query(`SET LOCAL lock_timeout = '5s'`);
        await tx.query(`DROP TABLE IF EXISTS "${name}"`);
      });
      dropped.push(name);
    }
    // Rows the DEFAULT partition caught that are past the cut-off go too (it is normally empty).
    await this.db.query(`DELETE FROM inference_routing_log_default WHERE "timestamp" < $1`, [cutoff]);
    if (dropped.length) this.logger.log(`retention (${days} days) dropped ${dropped.join(', ')}`);
    return dropped;
  }
}
