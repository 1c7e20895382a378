import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser, SubjectLimits } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { GatewayConfigHolder } from '../config/gateway-config.holder.js';
import { DATABASE_URL } from '../database/database.tokens.js';
import { type Metric, minuteWindow, type OthersValue, SharedCounters, STREAMS_WINDOW } from './shared-counters.js';
import { type BudgetPeriod, type BudgetScope, periodStarts, SpendTracker, type StoredSpend } from './spend-tracker.js';

/** A budget that is used up: what the 429 and the refused row say. */
export interface BudgetRefusal {
  readonly scope: BudgetScope;
  readonly period: BudgetPeriod;
  readonly limitUsd: number;
  readonly spentUsd: number;
}

/** What /ready shows about the limits. */
export interface LimitsStatus {
  /** `shared`: the last synchronisation succeeded recently; `local_share`: enforcing this replica's share alone. */
  readonly mode: 'shared' | 'local_share';
  readonly replicas: number;
  readonly last_sync_ms_ago: number | null;
}

const SYNC_TIMEOUT_MS = 1000;
/** Budgeted subjects this replica saw within this long are refreshed; others are forgotten. */
const BUDGET_SUBJECT_TTL_MS = 10 * 60_000;
const CLEANUP_EVERY_MS = 30_000;

function liveWindowMs(syncMs: number): number {
  return Math.max(2000, syncMs * 8);
}

/**
 * Requests per minute, concurrent streams and spend budgets, shared across replicas through
 * PostgreSQL in the background every `limits.sync_ms`: decisions use local counters and the last
 * global picture only, so no request waits on the database for them.
 */
@Injectable()
export class LimitsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Limits');
  readonly replicaId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly counters = new SharedCounters();
  private readonly spend = new SpendTracker();
  private readonly budgeted = new Map<string, { scope: BudgetScope; id: string; seen: number }>();
  private readonly pool: pg.Pool;
  private readonly syncMs: number;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private lastSync: number | undefined;
  private lastCleanup = 0;
  private failing = false;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(DATABASE_URL) url: string,
    private readonly gateway: GatewayConfigHolder,
  ) {
    // Start-up only: the timer and the liveness window are set once (a reload warns when it differs).
    this.syncMs = config.limits.sync_ms;
    this.pool = new pg.Pool({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: SYNC_TIMEOUT_MS,
      query_timeout: SYNC_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    this.pool.on('error', (error) => this.logger.warn(`idle limits connection failed: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sync(), this.syncMs);
    this.timer.unref();
    void this.sync();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await this.syncing;
    try {
      // Leave the picture: this replica's streams are gone, and it no longer counts as live.
      await this.pool.query(`DELETE FROM limit_counters WHERE replica_id = $1 AND metric = 'streams'`, [this.replicaId]);
      await this.pool.query('DELETE FROM limit_replicas WHERE replica_id = $1', [this.replicaId]);
    } catch {
      // the database is away; the others stop counting this replica once its heartbeat is stale
    }
    await this.pool.end();
  }

  status(now = Date.now()): LimitsStatus {
    const ago = this.lastSync === undefined ? null : now - this.lastSync;
    const shared = !this.failing && ago !== null && ago <= liveWindowMs(this.syncMs);
    return { mode: shared ? 'shared' : 'local_share', replicas: this.counters.liveReplicas, last_sync_ms_ago: ago };
  }

  /** Requests per minute for the key (its own limit, else `limits.rate_per_key`) and, when set, its user. */
  takeRequest(user: AuthenticatedUser, now = Date.now()): void {
    const window = minuteWindow(now);
    const keyLimit = user.keyLimits.requestsPerMinute ?? this.gateway.current.limits.rate_per_key.requests_per_minute;
    const userLimit = user.userLimits.requestsPerMinute;
    if (userLimit !== null && !this.counters.admit('rpm', `user:${user.id}`, window, userLimit)) {
      throw this.rateLimited('user', userLimit, now);
    }
    if (!this.counters.admit('rpm', `key:${user.apiKeyId}`, window, keyLimit)) {
      // The user's admission stands: the request was counted against it before the key refused.
      throw this.rateLimited('api_key', keyLimit, now);
    }
  }

  /** A concurrent-stream slot for the key (at most `limit`: the completion's `limits.concurrent_streams_per_key`); `release` frees it. */
  takeStream(keyId: string, limit: number): { release: () => void } | null {
    const subject = `key:${keyId}`;
    if (!this.counters.admit('streams', subject, STREAMS_WINDOW, limit)) return null;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.counters.release('streams', subject, STREAMS_WINDOW);
      },
    };
  }

  /** The first budget (key before user, day before month) that is used up, or null. */
  budgetExceeded(user: AuthenticatedUser, now = new Date()): BudgetRefusal | null {
    const subjects: [BudgetScope, string, SubjectLimits][] = [
      ['api_key', user.apiKeyId, user.keyLimits],
      ['user', user.id, user.userLimits],
    ];
    for (const [scope, id, limits] of subjects) {
      if (limits.budgetUsdPerDay === null && limits.budgetUsdPerMonth === null) continue;
      this.budgeted.set(SpendTracker.key(scope, id), { scope, id, seen: now.getTime() });
      for (const [period, limit] of [
        ['day', limits.budgetUsdPerDay],
        ['month', limits.budgetUsdPerMonth],
      ] as const) {
        if (limit === null) continue;
        const spent = this.spend.spent(scope, id, period, now);
        if (spent >= limit) return { scope, period, limitUsd: limit, spentUsd: spent };
      }
    }
    return null;
  }

  /** A persisted routing-log row: its cost counts toward its key's and user's budgets at once. */
  recordCost(apiKeyId: string | null, userId: string, costUsd: string | null, timestamp: Date): void {
    if (costUsd === null) return;
    this.spend.add(apiKeyId, userId, Number(costUsd), timestamp);
  }

  /** Runs one synchronisation now (tests and shutdown); the timer runs them every `sync_ms`. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.syncing) {
      this.syncing = this.exchange().finally(() => {
        this.syncing = undefined;
      });
    }
    return this.syncing;
  }

  private async exchange(): Promise<void> {
    const now = Date.now();
    const window = minuteWindow(now);
    const { writes, subjects } = this.counters.pending(window);
    try {
      await this.pool.query(
        `WITH beat AS (
           INSERT INTO limit_replicas (replica_id, seen_at) VALUES ($1, now())
           ON CONFLICT (replica_id) DO UPDATE SET seen_at = now()
         )
         INSERT INTO limit_counters (metric, subject, window_id, replica_id, value, updated_at)
         SELECT m, s, w, $1, v, now() FROM unnest($2::text[], $3::text[], $4::bigint[], $5::int[]) AS t(m, s, w, v)
         ON CONFLICT (metric, subject, window_id, replica_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [
          this.replicaId,
          writes.map((w) => w.metric),
          writes.map((w) => w.subject),
          writes.map((w) => w.window),
          writes.map((w) => w.value),
        ],
      );
      this.counters.written(writes);
      // rpm: every other replica's admissions count, live or not (they happened); streams: live replicas only.
      const { rows } = await this.pool.query<{ metric: Metric; subject: string; window_id: string; value: number; live: number }>(
        `WITH live AS (SELECT replica_id FROM limit_replicas WHERE seen_at > now() - $4::int * interval '1 millisecond')
         SELECT c.metric, c.subject, c.window_id::text AS window_id, sum(c.value)::int AS value, (SELECT count(*)::int FROM live) AS live
           FROM limit_counters c
          WHERE c.replica_id <> $1 AND c.subject = ANY($2::text[])
            AND ((c.metric = 'rpm' AND c.window_id = $3) OR (c.metric = 'streams' AND c.replica_id IN (SELECT replica_id FROM live)))
          GROUP BY 1, 2, 3
         UNION ALL
         SELECT NULL, NULL, NULL, NULL, (SELECT count(*)::int FROM live)`,
        [this.replicaId, subjects, window, liveWindowMs(this.syncMs)],
      );
      const others: OthersValue[] = rows
        .filter((r) => r.metric !== null)
        .map((r) => ({ metric: r.metric, subject: r.subject, window: Number(r.window_id), value: r.value }));
      this.counters.observed(others, rows[rows.length - 1]?.live ?? 1);
      await this.refreshSpend(now);
      if (now - this.lastCleanup > CLEANUP_EVERY_MS) {
        this.lastCleanup = now;
        await this.pool.query(
          `DELETE FROM limit_counters WHERE (metric = 'rpm' AND window_id < $1) OR updated_at < now() - interval '1 hour'`,
          [window - 2],
        );
        await this.pool.query(`DELETE FROM limit_replicas WHERE seen_at < now() - interval '1 hour'`);
      }
      if (this.failing) this.logger.log('limits synchronised again; back to shared counters');
      this.failing = false;
      this.lastSync = Date.now();
    } catch (error) {
      if (!this.failing) {
        this.logger.warn(`cannot synchronise limits (${(error as Error).message}); enforcing this replica's share alone`);
      }
      this.failing = true;
    }
  }

  /** Spend of the budgeted subjects seen lately, from the routing log (index on key/user and time). */
  private async refreshSpend(now: number): Promise<void> {
    for (const [key, subject] of this.budgeted) if (now - subject.seen > BUDGET_SUBJECT_TTL_MS) this.budgeted.delete(key);
    if (this.budgeted.size === 0) return;
    const subjects = [...this.budgeted.values()];
    const keys = subjects.filter((s) => s.scope === 'api_key').map((s) => s.id);
    const users = subjects.filter((s) => s.scope === 'user').map((s) => s.id);
    const starts = periodStarts(new Date(now));
    const startedAt = Date.now();
    const { rows } = await this.pool.query<{ scope: BudgetScope; id: string; day: string; month: string }>(
      `SELECT 'api_key' AS scope, api_key_id::text AS id,
              coalesce(sum(cost_usd) FILTER (WHERE "timestamp" >= $3), 0)::text AS day, coalesce(sum(cost_usd), 0)::text AS month
         FROM inference_routing_log WHERE api_key_id = ANY($1::uuid[]) AND "timestamp" >= $4 GROUP BY api_key_id
       UNION ALL
       SELECT 'user', user_id::text,
              coalesce(sum(cost_usd) FILTER (WHERE "timestamp" >= $3), 0)::text, coalesce(sum(cost_usd), 0)::text
         FROM inference_routing_log WHERE user_id = ANY($2::uuid[]) AND "timestamp" >= $4 GROUP BY user_id`,
      [keys, users, starts.day, starts.month],
    );
    const periods = { day: starts.day.toISOString().slice(0, 10), month: starts.month.toISOString().slice(0, 7) };
    const results = new Map<string, StoredSpend>(
      rows.map((r) => [
        SpendTracker.key(r.scope, r.id),
        { day: periods.day, month: periods.month, dayUsd: Number(r.day), monthUsd: Number(r.month) },
      ]),
    );
    this.spend.refreshed(
      results,
      subjects.map((s) => SpendTracker.key(s.scope, s.id)),
      startedAt,
    );
  }

  private rateLimited(scope: BudgetScope, limit: number, now: number): AppError {
    const retryAfter = Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000));
    return new AppError(
      ErrorCode.RateLimitExceeded,
      scope === 'user' ? 'Too many requests for this user.' : 'Too many requests for this API key.',
      { retry_after_s: retryAfter, limit, scope },
      429,
      { 'Retry-After': String(retryAfter) },
    );
  }
}
