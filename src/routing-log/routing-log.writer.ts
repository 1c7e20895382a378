import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DATABASE_URL } from '../database/database.tokens.js';
import { MetricsService } from '../health/metrics.service.js';
import { ROUTING_LOG_COLUMNS, type RoutingLogRow } from './routing-log.row.js';

export type WriteResult = 'committed' | 'failed';

interface Pending {
  row: RoutingLogRow;
  resolve: (result: WriteResult) => void;
}

const RETRY_DELAYS_MS = [25, 100, 250];
/** A write that does not answer within this counts as the database being unreachable. */
export const WRITE_TIMEOUT_MS = 2000;
const MAX_BATCH = 200;

function toParams(row: RoutingLogRow): unknown[] {
  return ROUTING_LOG_COLUMNS.map((column) => {
    const value = row[column];
    if (column === 'anonymized_entities' || column === 'fallbacks') return value === null ? null : JSON.stringify(value);
    return value;
  });
}

function insertSql(count: number): string {
  const width = ROUTING_LOG_COLUMNS.length;
  const tuples = Array.from(
    { length: count },
    (_, r) => `(${ROUTING_LOG_COLUMNS.map((_c, c) => `$${r * width + c + 1}`).join(',')})`,
  );
  const columns = ROUTING_LOG_COLUMNS.map((c) => `"${c}"`).join(',');
  return `INSERT INTO inference_routing_log (${columns}) VALUES ${tuples.join(',')} ON CONFLICT (id) DO NOTHING`;
}

/**
 * The routing-log write path. Never throws into a request. Rows that arrive while a write is in
 * flight are grouped into the next multi-row INSERT (group commit without a timer), and every insert
 * is `ON CONFLICT (id) DO NOTHING`, so a retry can never duplicate a row.
 */
@Injectable()
export class RoutingLogWriter implements OnApplicationShutdown {
  private readonly logger = new Logger('RoutingLogWriter');
  private readonly pool: pg.Pool;
  private queue: Pending[] = [];
  private flushing = false;
  constructor(
    @Inject(DATABASE_URL) url: string,
    private readonly metrics: MetricsService,
  ) {
    metrics.describe('tally_routing_log_write_seconds', 'Time to commit a routing-log INSERT (one group commit).');
    metrics.describe('tally_completions_total', 'Completions by outcome and provider, counted when their row is written.');
    // Its own small pool: the write path never queues behind slow reads.
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: WRITE_TIMEOUT_MS,
      query_timeout: WRITE_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    this.pool.on('error', (error) => this.logger.warn(`idle routing-log connection failed: ${error.message}`));
  }

  /** Resolves once the row is committed (or all retries failed); never rejects. */
  write(row: RoutingLogRow): Promise<WriteResult> {
    return new Promise((resolve) => {
      this.queue.push({ row, resolve });
      if (!this.flushing) void this.flush();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.pool.end();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        const started = performance.now();
        if (await this.insert(batch.map((p) => p.row))) {
          this.metrics.observe('tally_routing_log_write_seconds', {}, (performance.now() - started) / 1000);
          for (const p of batch) this.settle(p, 'committed');
          continue;
        }
        // Retry row by row so one bad row cannot sink the others.
        await Promise.all(batch.map((p) => this.writeWithRetries(p)));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeWithRetries(p: Pending): Promise<void> {
    for (const delay of RETRY_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay));
      if (await this.insert([p.row])) {
        this.settle(p, 'committed');
        return;
      }
    }
    this.logger.error(`routing-log row ${p.row.id} (request_id=${p.row.request_id}) could not be written`);
    this.settle(p, 'failed');
  }

  private settle(p: Pending, result: WriteResult): void {
    this.metrics.increment('tally_completions_total', {
      outcome: p.row.outcome,
      provider: p.row.routed_provider,
      persisted: result,
    });
    p.resolve(result);
  }

  private async insert(rows: RoutingLogRow[]): Promise<boolean> {
    try {
      await this.pool.query(insertSql(rows.length), rows.flatMap(toParams));
      return true;
    } catch (error) {
      this.logger.warn(`routing-log insert of ${rows.length} row(s) failed: ${(error as Error).message}`);
      return false;
    }
  }
}
