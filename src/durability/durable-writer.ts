import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { Counter, Histogram } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE_URL } from '../database/database.tokens.js';
import { MetricsService } from '../observability/metrics.service.js';
import { Spool, type SpoolRecord } from './spool.js';

/** `committed`: in PostgreSQL. `spooled`: fsync'd locally, replayed when the database is back. */
export type WriteResult = 'committed' | 'spooled' | 'rejected';

/** A table written through the durable path: a row already stored (same key) is never stored twice. */
export interface DurableTable {
  readonly kind: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly jsonColumns: readonly string[];
  /** The primary key ON CONFLICT names (default `id`); every write and replay carries all of it. */
  readonly conflictKey?: readonly string[];
  /**
   * How a row already stored (a retry, a spool replay) is told apart. `on_conflict` (the default): the
   * INSERT says `ON CONFLICT (conflictKey) DO NOTHING`. `unique_violation`: a plain INSERT, and
   * SQLSTATE 23505 means the row is already there (only for a table whose one unique index is its
   * primary key); a group that meets one is sent again row by row. On a partitioned table ON CONFLICT
   * costs every insert a speculative insertion and a per-partition lookup of its arbiter index.
   */
  readonly duplicates?: 'on_conflict' | 'unique_violation';
}

interface Statement {
  /** Set for prepared (named) statements. */
  readonly name: string | undefined;
  readonly text: string;
  /** Per column: sent as JSON text. */
  readonly json: readonly boolean[];
}

interface Pending {
  row: Record<string, unknown>;
  resolve: (result: WriteResult) => void;
}

/** A write that does not answer within this counts as the database being unreachable. */
export const WRITE_TIMEOUT_MS = 1500;
const MAX_BATCH = 200;
const REPLAY_INTERVAL_MS = 500;
const RETRY_DELAY_MS = 25;
/** Group INSERTs of up to this many rows are prepared statements (bounded: each is kept per connection). */
const PREPARED_ROWS = 32;

/** A column value as a query parameter. PostgreSQL text and jsonb cannot hold NUL: it becomes U+FFFD rather than failing the row. */
export function toParam(value: unknown, json: boolean): unknown {
  if (value === null || value === undefined) return null;
  // In JSON text NUL is the escape \u0000, unless its backslash is itself escaped (an even run before it).
  if (json) return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
  return typeof value === 'string' ? value.replaceAll('\u0000', '\ufffd') : value;
}

/** The INSERT of an `n`-row group (exported for bench/routing-log-insert.bench.ts, which sends the same). */
export function insertSql(table: DurableTable, n: number): string {
  const width = table.columns.length;
  const tuples = Array.from({ length: n }, (_, r) => `(${table.columns.map((_c, c) => `$${r * width + c + 1}`).join(',')})`);
  const conflict =
    table.duplicates === 'unique_violation'
      ? ''
      : ` ON CONFLICT (${(table.conflictKey ?? ['id']).map((c) => `"${c}"`).join(', ')}) DO NOTHING`;
  return `INSERT INTO ${table.table} (${table.columns.map((c) => `"${c}"`).join(',')}) VALUES ${tuples.join(',')}${conflict}`;
}

export const preparedName = (table: DurableTable, n: number) => `durable_${table.kind}_${n}`;

/** The row is already stored: its table detects duplicates by the primary key's unique violation. */
function isDuplicate(table: DurableTable, error: unknown): boolean {
  return table.duplicates === 'unique_violation' && (error as { code?: unknown })?.code === '23505';
}

/** SQLSTATE classes that fail the same way every time (bad data, constraint, schema): never spool those. */
function isDeterministic(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|42)/.test(code);
}

/**
 * The durable write path for receipts. Never throws into a request. Rows that arrive while a write
 * is in flight are grouped into one multi-row INSERT (group commit with no timer). When PostgreSQL
 * is down or hung, rows go to an fsync'd spool and a replayer inserts them once it is back; every
 * insert is `ON CONFLICT (key) DO NOTHING` or, per table, a plain INSERT whose unique violation means
 * "already stored", so retries and replays can never duplicate a row.
 */
@Injectable()
export class DurableWriter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DurableWriter');
  private readonly pool: pg.Pool;
  private readonly tables = new Map<string, DurableTable>();
  private readonly queues = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();
  private readonly statements = new Map<string, Statement>();
  private readonly spool: Spool;
  private readonly deadLetter: string;
  private unreachable = false;
  private replaying = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly writeSeconds: Histogram<'table'>;
  private readonly rowsTotal: Counter<'table' | 'result'>;

  constructor(@Inject(DATABASE_URL) url: string, @Inject(APP_CONFIG) config: AppConfig, metrics: MetricsService) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: WRITE_TIMEOUT_MS,
      query_timeout: WRITE_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    this.pool.on('error', (error) => this.logger.warn(`idle write connection failed: ${error.message}`));
    this.spool = new Spool(join(config.dataDir, 'spool'));
    this.deadLetter = join(config.dataDir, 'spool', 'rejected.jsonl');
    this.writeSeconds = metrics.histogram('tally_durable_write_seconds', 'Time to commit one group INSERT, by table.', ['table']);
    this.rowsTotal = metrics.counter('tally_durable_rows_total', 'Rows written through the durable path, by table and result.', [
      'table',
      'result',
    ]);
    metrics.gauge('tally_spool_depth', 'Rows waiting in the local spool for the database.', () => this.spool.depth);
  }

  register(table: DurableTable): void {
    this.tables.set(table.kind, table);
    this.queues.set(table.kind, []);
  }

  get spoolDepth(): number {
    return this.spool.depth;
  }

  get databaseReachable(): boolean {
    return !this.unreachable;
  }

  /** Resolves once the row is committed or spooled (durable either way); never rejects. */
  write(kind: string, row: Record<string, unknown>): Promise<WriteResult> {
    const queue = this.queues.get(kind);
    if (!queue) throw new Error(`no durable table registered for ${kind}`);
    return new Promise((resolve) => {
      queue.push({ row, resolve });
      if (!this.flushing.has(kind)) void this.flush(kind);
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.replay(), REPLAY_INTERVAL_MS);
    this.timer.unref();
    void this.replay();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    while (this.flushing.size > 0 || this.replaying || [...this.queues.values()].some((q) => q.length > 0)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.pool.end();
  }

  private async flush(kind: string): Promise<void> {
    const table = this.tables.get(kind)!;
    const queue = this.queues.get(kind)!;
    this.flushing.add(kind);
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, MAX_BATCH);
        const results = await this.store(
          table,
          batch.map((p) => p.row),
        );
        batch.forEach((p, i) => {
          this.rowsTotal.inc({ table: table.table, result: results[i] });
          p.resolve(results[i]);
        });
      }
    } finally {
      this.flushing.delete(kind);
    }
  }

  /** Inserts rows, or spools them when the database cannot take them now. */
  private async store(table: DurableTable, rows: Record<string, unknown>[]): Promise<WriteResult[]> {
    if (!this.unreachable) {
      let error = await this.insert(table, rows);
      if (error && !isDeterministic(error)) {
        // One short retry: a pooled connection may have died under us (e.g. a database restart).
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
        error = await this.insert(table, rows);
      }
      if (!error) return rows.map(() => 'committed');
      if (isDeterministic(error)) return this.storeOneByOne(table, rows);
      this.markUnreachable(error);
    }
    this.spool.append(rows.map((row) => ({ kind: table.kind, row })));
    return rows.map(() => 'spooled');
  }

  private async storeOneByOne(table: DurableTable, rows: Record<string, unknown>[]): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const row of rows) {
      const error = this.unreachable ? new Error('database unreachable') : await this.insert(table, [row]);
      if (!error || isDuplicate(table, error)) results.push('committed');
      else if (isDeterministic(error)) {
        this.reject(table, row, error);
        results.push('rejected');
      } else {
        this.markUnreachable(error);
        this.spool.append([{ kind: table.kind, row }]);
        results.push('spooled');
      }
    }
    return results;
  }

  /** A row PostgreSQL refuses for its content is a bug; keep it on disk for inspection, never drop it. */
  private reject(table: DurableTable, row: Record<string, unknown>, error: unknown): void {
    this.logger.error(`${table.table} row ${String(row.id)} rejected by the database: ${(error as Error).message}`);
    appendFileSync(this.deadLetter, `${JSON.stringify({ kind: table.kind, row, error: (error as Error).message })}\n`);
  }

  private markUnreachable(error: unknown): void {
    if (!this.unreachable) this.logger.error(`database unreachable, spooling receipts locally: ${(error as Error).message}`);
    this.unreachable = true;
  }

  private async insert(table: DurableTable, rows: Record<string, unknown>[]): Promise<unknown> {
    const statement = this.statement(table, rows.length);
    const params: unknown[] = new Array(rows.length * table.columns.length);
    let p = 0;
    for (const row of rows) {
      for (let c = 0; c < table.columns.length; c++) params[p++] = toParam(row[table.columns[c]], statement.json[c]);
    }
    const started = performance.now();
    try {
      await this.pool.query(
        statement.name
          ? { name: statement.name, text: statement.text, values: params }
          : { text: statement.text, values: params },
      );
      this.writeSeconds.observe({ table: table.table }, (performance.now() - started) / 1000);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /**
   * The INSERT for `n` rows of a table, built once. Up to PREPARED_ROWS rows it is a named statement,
   * so each pooled connection parses and plans it once and later writes send only Bind/Execute.
   */
  private statement(table: DurableTable, n: number): Statement {
    const key = `${table.kind}:${n}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = {
        name: n <= PREPARED_ROWS ? preparedName(table, n) : undefined,
        text: insertSql(table, n),
        json: table.columns.map((c) => table.jsonColumns.includes(c)),
      };
      this.statements.set(key, statement);
    }
    return statement;
  }

  /** Replays spooled rows in order once the database answers again. */
  private async replay(): Promise<void> {
    if (this.replaying || (this.spool.depth === 0 && !this.unreachable)) return;
    this.replaying = true;
    try {
      await this.pool.query('SELECT 1');
      for (const file of this.spool.seal()) {
        const records = this.spool.read(file);
        for (let i = 0; i < records.length; i += MAX_BATCH) {
          if (!(await this.replayBatch(records.slice(i, i + MAX_BATCH)))) return;
        }
        this.spool.done(file, records.length);
      }
      if (this.unreachable) this.logger.log('database reachable again; spool drained');
      this.unreachable = false;
    } catch {
      // still unreachable; try again on the next tick
    } finally {
      this.replaying = false;
    }
  }

  private async replayBatch(records: SpoolRecord[]): Promise<boolean> {
    const byKind = new Map<string, Record<string, unknown>[]>();
    for (const record of records) {
      if (!this.tables.has(record.kind)) {
        this.logger.error(`spooled row of unknown kind ${record.kind}; keeping the spool file`);
        return false;
      }
      byKind.set(record.kind, [...(byKind.get(record.kind) ?? []), record.row]);
    }
    for (const [kind, rows] of byKind) {
      const table = this.tables.get(kind)!;
      const error = await this.insert(table, rows);
      if (!error) continue;
      if (!isDeterministic(error)) return false;
      for (const row of rows) {
        const rowError = await this.insert(table, [row]);
        if (!rowError || isDuplicate(table, rowError)) continue;
        if (!isDeterministic(rowError)) return false;
        this.reject(table, row, rowError);
      }
    }
    return true;
  }
}
