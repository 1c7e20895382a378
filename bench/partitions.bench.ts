/**
 * Receipts read with a monthly-partitioned routing log against the same rows in one plain table
 * (not part of `npm test`): `npm run bench:partitions`.
 *
 * Seeds, on the migrated (partitioned) schema, a 1,000-turn chat (2,000 messages + 1,000 routing-log
 * rows, this month) and BENCH_OTHER_ROWS other routing-log rows (default 2,000,000; the issue asks for
 * 10 M) spread evenly over 6 monthly partitions (this month and the 5 before), one
 * `INSERT … SELECT generate_series` per month: half of them in other chats (20 rows each), half
 * gateway calls without a chat. Then builds `inference_routing_log_plain`: the same columns,
 * constraints and indexes, not partitioned, filled with `INSERT … SELECT *` from the partitioned
 * table (indexes built after the copy). The unpartitioned run swaps the two tables' names, so the
 * service reads the plain table through the very same query.
 *
 * Measures, alternating partitioned / plain for BENCH_ROUNDS rounds (default 3): p50 / p99 of
 * `GET /chats/:id/receipts` over HTTP from a client in another process (BENCH_READS sequential reads
 * per round after BENCH_WARMUP), and of the repository's routing-log query alone
 * (`ReceiptsRepository.routing`, the whole chat in one page). Prints the load average.
 */
import 'reflect-metadata';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { ReceiptsRepository } from '../src/chats/receipts.repository.js';
import { startBenchApp } from './support/bench-app.js';
import { json, percentile, receiptsClient, seedTurns } from './support/receipts-harness.js';

const ADMIN_KEY = 'tly_bench_admin_key_0123456789abcdef';
const TURNS = 1_000;
const MONTHS = 6;
const OTHER_ROWS = Number(process.env.BENCH_OTHER_ROWS ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const READS = Number(process.env.BENCH_READS ?? 100);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const QUERY_READS = 200;

const YAML = `providers:
  - { name: local-sim, type: simulated, tier: 1, models: [sim-small] }
anonymization: { enabled: false }
limits: { rate_per_key: { requests_per_minute: 100000000, burst: 1000000 } }
`;

function reads(url: string, key: string): Promise<{ events: number; samples: number[] }> {
  return receiptsClient('reads', url, key, { warmup: WARMUP, reads: READS });
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** `rows` other routing-log rows spread evenly over [from, to): half in other chats (20 rows each), half without. */
async function seedMonth(db: pg.Pool, userId: string, month: number, from: Date, to: Date, rows: number): Promise<void> {
  await db.query(
    `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, api_key_id, chat_id, message_id, requested_model,
       routed_provider, routed_model, routed_inference_tier, stream, outcome, tokens_in, tokens_out, cost_usd, latency_ms, ttft_ms,
       anonymization_applied)
     SELECT gen_random_uuid(), 'req_other_' || $4 || '_' || g,
            $2::timestamptz + (($3::timestamptz - $2::timestamptz) * (g::float8 / ($5 + 1))),
            $1, md5('key' || (g % 50))::uuid,
            CASE WHEN g % 2 = 0 THEN md5('chat' || $4 || '_' || (g / 40))::uuid END,
            CASE WHEN g % 2 = 0 THEN gen_random_uuid() END,
            'fast', 'local-sim', 'sim-small', 1, g % 3 = 0, 'completed', 100 + g % 500, 50 + g % 300, 0.0001, 300 + g % 700, 40,
            false
       FROM generate_series(1, $5) g`,
    [userId, from.toISOString(), to.toISOString(), month, rows],
  );
}

/** A plain copy of the partitioned table: same columns and constraints, its indexes built after the copy. */
async function buildPlainCopy(pool: pg.Pool): Promise<void> {
  const db = await pool.connect();
  try {
    await db.query(`SET maintenance_work_mem = '256MB'`);
    await copy(db);
  } finally {
    db.release();
  }
}

async function copy(db: pg.PoolClient): Promise<void> {
  await db.query(
    'CREATE TABLE inference_routing_log_plain (LIKE inference_routing_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)',
  );
  await db.query('INSERT INTO inference_routing_log_plain SELECT * FROM inference_routing_log');
  const { rows } = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'inference_routing_log'`,
  );
  for (const { indexname, indexdef } of rows) {
    const sql = indexdef
      .replace(indexname, `${indexname}_plain`)
      .replace(/ ON ONLY public\.inference_routing_log /, ' ON public.inference_routing_log_plain ')
      .replace(/ ON public\.inference_routing_log /, ' ON public.inference_routing_log_plain ');
    await db.query(sql);
  }
}

async function swap(db: pg.Pool, to: 'plain' | 'partitioned'): Promise<void> {
  await db.query(
    to === 'plain'
      ? `BEGIN; ALTER TABLE inference_routing_log RENAME TO inference_routing_log_partitioned;
         ALTER TABLE inference_routing_log_plain RENAME TO inference_routing_log; COMMIT`
      : `BEGIN; ALTER TABLE inference_routing_log RENAME TO inference_routing_log_plain;
         ALTER TABLE inference_routing_log_partitioned RENAME TO inference_routing_log; COMMIT`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-partitions-'));
  chmodSync(dir, 0o755); // as root the embedded server runs as `postgres`
  const { running, url, db } = await startBenchApp(dir, join(dir, 'data'), YAML, ADMIN_KEY);
  try {
    const { user, api_key } = await json(`${url}/admin/users`, ADMIN_KEY, {
      method: 'POST',
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, role: 'member' }),
    });
    const key: string = api_key.key;
    const chat = await json(`${url}/chats`, key, { method: 'POST', body: '{}' });

    const now = new Date();
    const months = Array.from(
      { length: MONTHS },
      (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (MONTHS - 1 - i), 1)),
    );
    for (const month of months)
      await db.query('SELECT routing_log_ensure_partition($1::date)', [month.toISOString().slice(0, 10)]);

    let started = performance.now();
    console.log(`seeding a ${TURNS}-turn chat and ${OTHER_ROWS.toLocaleString('en')} other rows over ${MONTHS} months…`);
    await seedTurns(db, chat.id, user.id, TURNS);
    const perMonth = Math.ceil(OTHER_ROWS / MONTHS);
    for (const [i, month] of months.entries()) {
      const end = i === months.length - 1 ? now : months[i + 1];
      const t = performance.now();
      await seedMonth(db, user.id, i, month, end, perMonth);
      console.log(`  ${month.toISOString().slice(0, 7)}: ${perMonth.toLocaleString('en')} rows in ${seconds(t)}`);
    }
    const generation = seconds(started);
    started = performance.now();
    await buildPlainCopy(db);
    const copy = seconds(started);
    await db.query('ANALYZE inference_routing_log; ANALYZE inference_routing_log_plain; ANALYZE messages');
    const { rows: parts } = await db.query<{ part: string; n: string }>(
      `SELECT tableoid::regclass::text AS part, count(*)::text AS n FROM inference_routing_log GROUP BY 1 ORDER BY 1`,
    );
    const { rows: plainCount } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM inference_routing_log_plain');
    const { rows: sizes } = await db.query<{ part: string; plain: string }>(
      `SELECT pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'inference_routing_log'::regclass)::bigint) AS part,
              pg_size_pretty(pg_total_relation_size('inference_routing_log_plain')) AS plain`,
    );
    console.log(`generated in ${generation}, plain copy with indexes in ${copy}`);
    console.log(`partitions: ${parts.map((p) => `${p.part} ${Number(p.n).toLocaleString('en')}`).join(', ')}`);
    console.log(
      `plain copy: ${Number(plainCount[0].n).toLocaleString('en')} rows; size partitioned ${sizes[0].part}, plain ${sizes[0].plain}`,
    );

    const repository = running.app.get(ReceiptsRepository, { strict: false });
    const http: Record<string, number[]> = { partitioned: [], plain: [] };
    const roundP99: Record<string, string[]> = { partitioned: [], plain: [] };
    const query: Record<string, number[]> = { partitioned: [], plain: [] };
    let events = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const layout of ['partitioned', 'plain'] as const) {
        if (layout === 'plain') await swap(db, 'plain');
        try {
          for (let i = 0; i < WARMUP; i++) await repository.routing(chat.id, null, null, 5000);
          for (let i = 0; i < QUERY_READS; i++) {
            const t = performance.now();
            const rows = await repository.routing(chat.id, null, null, 5000);
            query[layout].push(performance.now() - t);
            if (rows.length !== TURNS) throw new Error(`routing rows: ${rows.length}`);
          }
          const result = await reads(`${url}/chats/${chat.id}/receipts`, key);
          events = result.events;
          http[layout].push(...result.samples);
          const sorted = [...result.samples].sort((a, b) => a - b);
          roundP99[layout].push(`${percentile(sorted, 50).toFixed(1)}/${percentile(sorted, 99).toFixed(1)}`);
        } finally {
          if (layout === 'plain') await swap(db, 'partitioned');
        }
      }
    }
    const { rows: plan } = await db.query(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM inference_routing_log WHERE chat_id = $1 ORDER BY "timestamp", id LIMIT 5000`,
      [chat.id],
    );

    const line = (label: string, samples: number[]) => {
      const s = [...samples].sort((a, b) => a - b);
      return `  ${label.padEnd(12)} p50 ${percentile(s, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(s, 99).toFixed(2).padStart(7)} ms   max ${s.at(-1)!.toFixed(2).padStart(7)} ms   (n=${s.length})`;
    };
    console.log(
      `\nGET /chats/:id/receipts, ${TURNS} turns (${events} events), ${OTHER_ROWS.toLocaleString('en')} other rows, ${ROUNDS} alternating rounds of ${READS} sequential reads over HTTP:`,
    );
    console.log(line('partitioned', http.partitioned));
    console.log(line('plain', http.plain));
    console.log(`  per round p50/p99 ms: partitioned ${roundP99.partitioned.join(', ')}; plain ${roundP99.plain.join(', ')}`);
    console.log(
      `\nReceiptsRepository.routing (the chat's ${TURNS} routing-log rows, one page), ${ROUNDS} × ${QUERY_READS} calls:`,
    );
    console.log(line('partitioned', query.partitioned));
    console.log(line('plain', query.plain));
    const scans = plan
      .map((r) => /Scan (?:using \S+ )?on (inference_routing_log_\w+) inference_routing_log/.exec(String(r['QUERY PLAN']))?.[1])
      .filter((name) => name !== undefined);
    console.log(`\nplan on the partitioned table: ${scans.length} partition scans (no pruning on chat_id): ${scans.join(', ')}`);
    console.log(
      `\nload average: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${cpus().length} CPUs`,
    );
  } finally {
    await db.end();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
