/**
 * Shared-limits benchmark (not part of `npm test`): `npm run bench:limits`.
 *
 * Starts an embedded PostgreSQL of its own, runs the migrations once, then for each `limits.sync_ms`
 * (BENCH_SYNC_MS, default "250,1000") two real service processes on it (`src/main.ts`, started with
 * MIGRATE_ON_START=false). For each N (BENCH_LIMITS, default "60,600") a fresh key gets
 * `requests_per_minute: N` (PATCH /admin/api-keys/:id) and is hammered through both replicas at once
 * (BENCH_CONCURRENCY workers per replica, default 8; max(200, N) non-streamed `fast` completions per
 * replica), inside one UTC minute window. Admitted (200s, checked against the key's routing-log rows)
 * is printed against N and the documented worst case N + (R − 1) × ceil(N / R) (docs/deploy.md).
 *
 * Then one daily-budget run per sync_ms: a fresh key with `budget_usd_per_day` (BENCH_BUDGET_USD,
 * default 0.5) hammered through both replicas until every worker has been refused with
 * `budget_exceeded`; prints the spend of the completed rows past the budget, in USD and in
 * completions. Prints the load average: on a shared 2-core machine timings vary with what else runs.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { runMigrationsLocked } from '../src/database/migration-runner.js';
import { type ServiceProcess, spawnService } from '../test/support/service-process.js';

const ADMIN_KEY = 'tly_bench_admin_key_0123456789abcdef';
const REPLICAS = 2;
const list = (value: string | undefined, fallback: string) => (value ?? fallback).split(',').map(Number);
const SYNC_MS = list(process.env.BENCH_SYNC_MS, '250,1000');
const LIMITS = list(process.env.BENCH_LIMITS, '60,600');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BUDGET_USD = Number(process.env.BENCH_BUDGET_USD ?? 0.5);

const yaml = (syncMs: number) => `providers:
  - { name: local-sim, type: simulated, tier: 1, models: [sim-small], options: { ttft_ms: 20, chunk_ms: 5 } }
aliases:
  fast: { primary: { provider: local-sim, model: sim-small } }
prices:
  "local-sim/sim-small": { input: 100, output: 100 }
anonymization: { enabled: false }
limits: { rate_per_key: { requests_per_minute: 1000000, burst: 1000000 }, concurrent_streams_per_key: 1000, sync_ms: ${syncMs} }
`;

async function admin<T = any>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function createKey(url: string): Promise<{ key: string; keyId: string }> {
  const res = await admin(url, 'POST', '/admin/users', { email: `bench-${Date.now()}-${Math.random()}@example.com` });
  return { key: res.api_key.key, keyId: res.api_key.id };
}

async function complete(url: string, key: string, requestId: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hello there' }] }),
  });
  const text = await res.text();
  if (res.status === 200) return { status: 200 };
  return { status: res.status, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every replica's /ready shows the shared picture with all replicas. */
async function allShared(replicas: ServiceProcess[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(replicas.map(async (r) => (await (await fetch(`${r.url}/ready`)).json()) as any));
    if (states.every((s) => s.limits?.mode === 'shared' && s.limits?.replicas === replicas.length)) return;
    if (Date.now() > deadline) throw new Error(`limits not shared: ${JSON.stringify(states)}`);
    await sleep(100);
  }
}

/** Waits, when needed, so that a hammer of up to `seconds` starts and ends in one UTC minute. */
async function roomInMinute(seconds: number): Promise<void> {
  const into = (Date.now() % 60_000) / 1000;
  if (into > 60 - seconds) await sleep((60 - into + 0.5) * 1000);
}

interface RpmResult {
  syncMs: number;
  limit: number;
  sent: number;
  admitted: number;
  rows: number;
  bound: number;
  others: number;
  seconds: number;
  perReplica: number[];
}

async function hammerRpm(replicas: ServiceProcess[], db: pg.Pool, syncMs: number, limit: number): Promise<RpmResult> {
  const { key, keyId } = await createKey(replicas[0].url);
  await admin(replicas[0].url, 'PATCH', `/admin/api-keys/${keyId}`, { requests_per_minute: limit });
  await sleep(2200); // the other replica's auth cache (2 s) sees the new limit
  await allShared(replicas);
  const perReplica = Math.max(200, limit);
  await roomInMinute(30);
  const window = Math.floor(Date.now() / 60_000);
  const statuses: number[][] = replicas.map(() => []);
  const started = performance.now();
  await Promise.all(
    replicas.flatMap((replica, r) => {
      let next = 0;
      return Array.from({ length: CONCURRENCY }, async () => {
        while (next < perReplica) {
          const i = next++;
          statuses[r].push((await complete(replica.url, key, `lim-${limit}-${syncMs}-${r}-${i}`)).status);
        }
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (Math.floor(Date.now() / 60_000) !== window) throw new Error('the hammer crossed a minute boundary; run again');
  const all = statuses.flat();
  const others = all.filter((s) => s !== 200 && s !== 429).length;
  const admitted = all.filter((s) => s === 200).length;
  await sleep(1000); // receipts are written after the response
  const { rows } = await db.query('SELECT count(*)::int AS n FROM inference_routing_log WHERE api_key_id = $1', [keyId]);
  return {
    syncMs,
    limit,
    sent: all.length,
    admitted,
    rows: rows[0].n,
    bound: limit + (REPLICAS - 1) * Math.ceil(limit / REPLICAS),
    others,
    seconds,
    perReplica: statuses.map((s) => s.filter((x) => x === 200).length),
  };
}

interface BudgetResult {
  syncMs: number;
  budget: number;
  completed: number;
  spent: number;
  refusedRows: number;
  costPerCompletion: number;
  spentAtFirstRefusal: number;
}

async function hammerBudget(replicas: ServiceProcess[], db: pg.Pool, syncMs: number): Promise<BudgetResult> {
  const { key, keyId } = await createKey(replicas[0].url);
  await admin(replicas[1].url, 'PATCH', `/admin/api-keys/${keyId}`, { budget_usd_per_day: BUDGET_USD });
  await sleep(2200);
  let sent = 0;
  await Promise.all(
    replicas.flatMap((replica, r) =>
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        // Each worker stops at its first budget refusal (the others keep going until theirs).
        for (let i = 0; sent < 5000; i++) {
          sent++;
          const res = await complete(replica.url, key, `bud-${syncMs}-${r}-${w}-${i}`);
          if (res.status === 429 && res.code === 'budget_exceeded') return;
          if (res.status !== 200) throw new Error(`budget run: ${res.status} ${res.code}`);
        }
      }),
    ),
  );
  await sleep(1500);
  const { rows } = await db.query<{ refused: boolean; cost: number | null }>(
    `SELECT refused, cost_usd::float8 AS cost FROM inference_routing_log WHERE api_key_id = $1 ORDER BY "timestamp", id`,
    [keyId],
  );
  const completed = rows.filter((r) => !r.refused);
  const spent = completed.reduce((sum, r) => sum + (r.cost ?? 0), 0);
  const first = rows.findIndex((r) => r.refused);
  const spentAtFirstRefusal = rows.slice(0, first < 0 ? rows.length : first).reduce((sum, r) => sum + (r.cost ?? 0), 0);
  return {
    syncMs,
    budget: BUDGET_USD,
    completed: completed.length,
    spent,
    refusedRows: rows.length - completed.length,
    costPerCompletion: spent / Math.max(1, completed.length),
    spentAtFirstRefusal,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-limits-'));
  chmodSync(dir, 0o755); // as root the embedded server runs as `postgres`
  console.log('starting an embedded PostgreSQL and migrating it once…');
  const database = await startEmbeddedPostgres(join(dir, 'pg-owner'), 'tally');
  const source = new DataSource(dataSourceOptions(database.url));
  await source.initialize();
  await runMigrationsLocked(source, database.url, { log: () => undefined, warn: (l) => console.warn(l) });
  await source.destroy();
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  db.on('error', () => undefined);
  const rpm: RpmResult[] = [];
  const budgets: BudgetResult[] = [];
  try {
    for (const syncMs of SYNC_MS) {
      writeFileSync(join(dir, `gateway-${syncMs}.yaml`), yaml(syncMs));
      const env = (n: number) => ({
        DATABASE_URL: database.url,
        DATA_DIR: join(dir, `data-${syncMs}-${n}`),
        GATEWAY_CONFIG: join(dir, `gateway-${syncMs}.yaml`),
        ADMIN_API_KEY: ADMIN_KEY,
        MIGRATE_ON_START: 'false',
      });
      console.log(`sync_ms ${syncMs}: starting ${REPLICAS} service processes…`);
      const replicas = await Promise.all(Array.from({ length: REPLICAS }, (_, n) => spawnService(env(n))));
      try {
        await allShared(replicas);
        for (const limit of LIMITS) {
          const result = await hammerRpm(replicas, db, syncMs, limit);
          console.log(`  N ${limit}: admitted ${result.admitted} of ${result.sent} in ${result.seconds.toFixed(1)} s`);
          rpm.push(result);
        }
        const budget = await hammerBudget(replicas, db, syncMs);
        console.log(`  budget $${budget.budget}: spent $${budget.spent.toFixed(4)} over ${budget.completed} completions`);
        budgets.push(budget);
      } finally {
        for (const replica of replicas) replica.proc.kill('SIGTERM');
        await Promise.all(replicas.map((r) => r.exited));
      }
    }
  } finally {
    await db.end();
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\nrequests per minute, ${REPLICAS} replicas, ${CONCURRENCY} concurrent clients per replica, non-streamed \`fast\`:`,
  );
  console.log('  sync_ms      N   sent  admitted (A + B)     rows  bound N+(R-1)·ceil(N/R)  over N   secs  non-200/429');
  for (const r of rpm) {
    console.log(
      `  ${String(r.syncMs).padStart(7)} ${String(r.limit).padStart(6)} ${String(r.sent).padStart(6)}  ${`${r.admitted} (${r.perReplica.join(' + ')})`.padEnd(18)} ${String(r.rows).padStart(6)}  ${String(r.bound).padStart(23)} ${`${r.admitted - r.limit >= 0 ? '+' : ''}${r.admitted - r.limit}`.padStart(7)} ${r.seconds.toFixed(1).padStart(6)}  ${String(r.others).padStart(11)}`,
    );
  }
  console.log(`\ndaily budget, ${REPLICAS} replicas, ${CONCURRENCY} concurrent clients per replica until each is refused:`);
  console.log('  sync_ms  budget $  spent $   past budget $  (completions)  completed  refused rows  $/completion');
  for (const b of budgets) {
    const past = b.spent - b.budget;
    console.log(
      `  ${String(b.syncMs).padStart(7)}  ${b.budget.toFixed(4).padStart(8)}  ${b.spent.toFixed(4).padStart(8)}  ${past.toFixed(4).padStart(13)}  ${(past / b.costPerCompletion).toFixed(1).padStart(13)}  ${String(b.completed).padStart(9)}  ${String(b.refusedRows).padStart(12)}  ${b.costPerCompletion.toFixed(6).padStart(12)}`,
    );
  }
  console.log(
    `\nload average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${cpus().length} CPUs`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
