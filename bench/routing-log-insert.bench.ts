/**
 * What one routing-log INSERT costs PostgreSQL (not part of `npm test`): `npm run bench:insert`.
 *
 * One embedded PostgreSQL (synchronous_commit, fsync and full_page_writes on, as shipped), with
 * pg_stat_statements loaded. A template database is migrated up to the partitioning migration and
 * seeded with BENCH_SEED_ROWS routing-log rows (default 200,000) over 4 monthly partitions, 8 users
 * and 16 keys, half of them in chats; then cloned into three databases:
 *
 * - `before`: that schema (7 indexes, the user_id foreign key) and the writer's statement of then,
 *   `INSERT … ON CONFLICT ("id", "timestamp") DO NOTHING`;
 * - `current`: the remaining migrations applied to the clone, and the statement the writer sends now
 *   (`insertSql(ROUTING_LOG_TABLE, n)`, under the same prepared-statement names);
 * - `floor`: `current` without any secondary index (only the primary key).
 *
 * Each sends the writer's prepared statement with rows shaped as the recorder builds them: one
 * gateway row (no chat) at a time, one chat-turn row at a time, and groups of 8 (half each), in
 * BENCH_ROUNDS rounds (default 8) of BENCH_N rows per kind (default 160), the configurations
 * interleaved so the three see the same machine. Execution time is the server's (pg_stat_statements
 * mean; p50 from `log_min_duration_statement = 0`), without the commit's WAL flush; the round trip
 * (client side, commit included) is shown for scale. WAL per row comes from pg_walinspect over each
 * run (every record, commit included; bytes without full-page images), plus pg_stat_statements'
 * own count (the statement's records, no commit). Then BENCH_CKPT_ROWS rows (default 400) right after
 * a CHECKPOINT, where the first change of every page writes a full-page image, and BENCH_CONC writers
 * (default 4) at once for BENCH_CONC_MS (default 3000) on one user's rows: the foreign key's row lock
 * on `users` then turns into MultiXacts.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { PartitionRoutingLog1764180000000 } from '../migrations/1764180000000-PartitionRoutingLog.js';
import { migrations } from '../migrations/index.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { type DurableTable, insertSql, preparedName, toParam } from '../src/durability/durable-writer.js';
import { ROUTING_LOG_TABLE } from '../src/routing-log/routing-log.writer.js';

const SEED_ROWS = Number(process.env.BENCH_SEED_ROWS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const N = Number(process.env.BENCH_N ?? 160);
const CKPT_ROWS = Number(process.env.BENCH_CKPT_ROWS ?? 400);
const CONC = Number(process.env.BENCH_CONC ?? 4);
const CONC_MS = Number(process.env.BENCH_CONC_MS ?? 3000);
const MONTHS = 4;
const USERS = 8;
const KEYS = 16;
const SECONDARY = [
  'idx_inference_log_request_id',
  'idx_inference_log_chat_time',
  'idx_inference_log_message',
  'idx_inference_log_user_time',
  'idx_inference_log_api_key_time',
];

/** The routing log as the writer declared it before this schema (ON CONFLICT on the key). */
const BEFORE_TABLE: DurableTable = { ...ROUTING_LOG_TABLE, duplicates: 'on_conflict', conflictKey: ['id', 'timestamp'] };

interface Config {
  readonly name: 'before' | 'current' | 'floor';
  readonly table: DurableTable;
  readonly prepare: (url: string, db: pg.Client) => Promise<void>;
}

async function migrate(url: string, list: typeof migrations): Promise<void> {
  const ds = new DataSource({ ...dataSourceOptions(url), migrations: list });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

const CONFIGS: Config[] = [
  { name: 'before', table: BEFORE_TABLE, prepare: async () => undefined },
  { name: 'current', table: ROUTING_LOG_TABLE, prepare: (url) => migrate(url, migrations) },
  {
    name: 'floor',
    table: ROUTING_LOG_TABLE,
    prepare: async (url, db) => {
      await migrate(url, migrations);
      for (const index of SECONDARY) await db.query(`DROP INDEX ${index}`);
    },
  },
];

type Kind = 'gw1' | 'chat1' | 'mix8' | 'ckpt' | 'conc';

interface Seeded {
  users: string[];
  keys: string[];
  chats: string[];
}

/** Users, keys and SEED_ROWS rows in time order over MONTHS partitions: half in chats of 50 rows, key g % 16 of user g % 8. */
async function seed(db: pg.Client): Promise<Seeded> {
  const users = Array.from({ length: USERS }, () => randomUUID());
  const keys = Array.from({ length: KEYS }, () => randomUUID());
  for (const [i, id] of users.entries()) {
    await db.query(`INSERT INTO users (id, email, role) VALUES ($1, $2, 'member')`, [id, `bench-${i}@example.com`]);
  }
  for (const [i, id] of keys.entries()) {
    await db.query(`INSERT INTO api_keys (id, user_id, key_hash, key_prefix) VALUES ($1, $2, $3, 'tly_benc')`, [
      id,
      users[i % USERS],
      Buffer.from(randomUUID()),
    ]);
  }
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (MONTHS - 1), 1));
  for (let m = 0; m < MONTHS; m++) {
    const month = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + m, 1));
    await db.query('SELECT routing_log_ensure_partition($1::date)', [month.toISOString().slice(0, 10)]);
  }
  await db.query(
    `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, api_key_id, chat_id, message_id, requested_model,
       routed_provider, routed_model, routed_inference_tier, stream, outcome, tokens_in, tokens_out, cost_usd, latency_ms, ttft_ms,
       anonymization_applied, anonymized_entities, fallbacks, purpose)
     SELECT gen_random_uuid(), 'req_' || md5(random()::text),
            date_trunc('milliseconds', $3::timestamptz + ($4::timestamptz - $3::timestamptz) * (g::float8 / ($5 + 1))),
            ($1::uuid[])[1 + g % ${USERS}], CASE WHEN g % 50 <> 0 THEN ($2::uuid[])[1 + g % ${KEYS}] END,
            CASE WHEN g % 2 = 0 THEN md5('chat' || (g / 100))::uuid END, CASE WHEN g % 2 = 0 THEN gen_random_uuid() END,
            'gpt-4o-mini', 'openai', 'gpt-4o-mini', 3, g % 3 = 0,
            (ARRAY['completed','completed','completed','completed','completed','completed','failed','refused','client_closed'])[1 + g % 9],
            100 + g % 900, 50 + g % 300, 0.000001 * (g % 500), 300 + g % 700, CASE WHEN g % 3 = 0 THEN 40 + g % 200 END,
            g % 4 = 0, CASE WHEN g % 4 = 0 THEN '{"PERSON": 2, "EMAIL_ADDRESS": 1}'::jsonb END,
            CASE WHEN g % 20 = 0 THEN '[{"provider":"azure","model":"gpt-4o-mini","tier":3,"reason":"upstream_error:rate_limited"}]'::jsonb
                 ELSE '[]'::jsonb END,
            'chat'
       FROM generate_series(1, $5) g`,
    [users, keys, from.toISOString(), now.toISOString(), SEED_ROWS],
  );
  await db.query('VACUUM ANALYZE');
  const { rows } = await db.query<{ id: string }>(
    `SELECT md5('chat' || (k * 7))::uuid::text AS id FROM generate_series(0, 199) k`,
  );
  return { users, keys, chats: rows.map((r) => r.id) };
}

/** A row as the recorder builds it: a gateway call (no chat) or a chat turn, a fresh id and request id. */
function makeRow(s: Seeded, chat: boolean, i: number): Record<string, unknown> {
  const k = i % s.keys.length;
  const stream = i % 2 === 0;
  return {
    id: randomUUID(),
    request_id: `req_${randomUUID().replace(/-/g, '')}`,
    timestamp: new Date(),
    user_id: s.users[k % s.users.length],
    api_key_id: s.keys[k],
    chat_id: chat ? s.chats[i % s.chats.length] : null,
    message_id: chat ? randomUUID() : null,
    requested_model: 'gpt-4o-mini',
    routed_provider: 'openai',
    routed_model: 'gpt-4o-mini',
    routed_inference_tier: 3,
    stream,
    outcome: 'completed',
    tokens_in: 812,
    tokens_out: 164,
    cost_usd: '0.000220200000',
    latency_ms: 1234,
    ttft_ms: stream ? 312 : null,
    refused: false,
    refusal_reason: null,
    error_code: null,
    error_reason: null,
    anonymization_applied: true,
    anonymized_entities: { PERSON: 2, EMAIL_ADDRESS: 1 },
    anonymization_skip_reason: null,
    fallbacks: [],
    purpose: 'chat',
  };
}

interface Totals {
  calls: number;
  rows: number;
  execMs: number;
  stmtRecords: number;
  records: number;
  bytes: number;
  fpi: number;
  fpiBytes: number;
  multixacts: number;
  elapsedMs: number;
  roundTrips: number[];
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : Number.NaN);
const dbName = (c: Config) => `bench_${c.name}`;

/** Server-side execution times from the log: `<db>|<application>|… duration: X ms  execute durable_routing_log_n`. */
const executions = new Map<string, number[]>();
let collecting = false;
const EXECUTE = /^(\w+)\|(\w+)\|.*duration: ([\d.]+) ms\s+execute durable_routing_log_\d+/;
function onServerLine(text: string): void {
  if (!collecting) return;
  for (const line of text.split('\n')) {
    const m = EXECUTE.exec(line);
    if (!m) continue;
    const key = `${m[1]}|${m[2]}`;
    const list = executions.get(key) ?? [];
    list.push(Number(m[3]));
    executions.set(key, list);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-insert-'));
  chmodSync(dir, 0o755); // as root the embedded server runs as `postgres`
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const database = await startEmbeddedPostgres(join(dir, 'pg-data'), 'bench_template', {
    info: () => undefined,
    debug: onServerLine,
  });
  const clients: pg.Client[] = [];
  try {
    const setup = new pg.Client({ connectionString: database.url });
    await setup.connect();
    for (const setting of [
      `shared_preload_libraries = 'pg_stat_statements'`,
      `shared_buffers = '1GB'`,
      // No checkpoint or autovacuum in the middle of a run (the checkpoint phase makes its own).
      `checkpoint_timeout = '1h'`,
      `max_wal_size = '20GB'`,
      `autovacuum = off`,
      `log_line_prefix = '%d|%a|'`,
      `log_parameter_max_length = 0`,
    ])
      await setup.query(`ALTER SYSTEM SET ${setting}`);
    await setup.end();
    await database.stop();
    await database.start();
    const urlFor = (name: string) => {
      const u = new URL(database.url);
      u.pathname = `/${name}`;
      return u.toString();
    };
    const admin = new pg.Client({ connectionString: urlFor('postgres') });
    await admin.connect();
    clients.push(admin);
    const settings = await admin.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'full_page_writes', 'wal_compression') ORDER BY name`,
    );
    console.log(settings.rows.map((r) => `${r.name}=${r.setting}`).join(' '));
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');

    let started = performance.now();
    const template = urlFor('bench_template');
    await migrate(template, migrations.slice(0, migrations.indexOf(PartitionRoutingLog1764180000000) + 1));
    const tpl = new pg.Client({ connectionString: template });
    await tpl.connect();
    const seeded = await seed(tpl);
    await tpl.end();
    console.log(`template: ${SEED_ROWS.toLocaleString('en')} rows over ${MONTHS} months in ${seconds(started)}`);

    const conns = new Map<string, Map<Kind, pg.Client>>();
    for (const c of CONFIGS) {
      started = performance.now();
      await admin.query(`CREATE DATABASE ${dbName(c)} TEMPLATE bench_template`);
      const db = new pg.Client({ connectionString: urlFor(dbName(c)) });
      await db.connect();
      await c.prepare(urlFor(dbName(c)), db);
      await db.query('VACUUM ANALYZE inference_routing_log');
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'inference_routing_log'`,
      );
      await db.end();
      await admin.query(`ALTER DATABASE ${dbName(c)} SET log_min_duration_statement = 0`);
      const byKind = new Map<Kind, pg.Client>();
      for (const kind of ['gw1', 'chat1', 'mix8', 'ckpt'] as const) {
        const client = new pg.Client({ connectionString: urlFor(dbName(c)), application_name: kind });
        await client.connect();
        clients.push(client);
        byKind.set(kind, client);
      }
      conns.set(c.name, byKind);
      console.log(`  ${c.name}: indexes ${rows[0].n}, ready in ${seconds(started)}`);
    }

    let seq = 0;
    const insert = async (c: Config, client: pg.Client, rows: Record<string, unknown>[]) => {
      const values: unknown[] = [];
      for (const row of rows)
        for (const column of c.table.columns) values.push(toParam(row[column], c.table.jsonColumns.includes(column)));
      const t = performance.now();
      await client.query({ name: preparedName(c.table, rows.length), text: insertSql(c.table, rows.length), values });
      return performance.now() - t;
    };
    const run = async (c: Config, kind: Kind, roundTrips: number[]) => {
      const client = conns.get(c.name)!.get(kind)!;
      if (kind === 'mix8') {
        for (let g = 0; g < N / 8; g++) {
          roundTrips.push(
            await insert(
              c,
              client,
              Array.from({ length: 8 }, (_, r) => makeRow(seeded, r % 2 === 1, seq++)),
            ),
          );
        }
        return (N / 8) * 8;
      }
      const count = kind === 'ckpt' ? CKPT_ROWS : N;
      for (let i = 0; i < count; i++) {
        const chat = kind === 'chat1' || (kind === 'ckpt' && i % 2 === 1);
        roundTrips.push(await insert(c, client, [makeRow(seeded, chat, seq++)]));
      }
      return count;
    };
    const snapshot = async (c: Config) => {
      const { rows } = await admin.query<{ calls: number; exec_ms: number; records: number; lsn: string }>(
        `SELECT coalesce(sum(calls), 0)::float8 AS calls, coalesce(sum(total_exec_time), 0)::float8 AS exec_ms,
                coalesce(sum(wal_records), 0)::float8 AS records, pg_current_wal_insert_lsn()::text AS lsn
           FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
          WHERE d.datname = $1 AND s.query LIKE 'INSERT INTO inference_routing_log%'`,
        [dbName(c)],
      );
      return rows[0];
    };
    const totals = new Map<string, Totals>();
    const measure = async (c: Config, kind: Kind, body: (t: Totals) => Promise<number>) => {
      const key = `${c.name}|${kind}`;
      let t = totals.get(key);
      if (!t) {
        t = {
          calls: 0,
          rows: 0,
          execMs: 0,
          stmtRecords: 0,
          records: 0,
          bytes: 0,
          fpi: 0,
          fpiBytes: 0,
          multixacts: 0,
          elapsedMs: 0,
          roundTrips: [],
        };
        totals.set(key, t);
      }
      const before = await snapshot(c);
      const began = performance.now();
      t.rows += await body(t);
      t.elapsedMs += performance.now() - began;
      const after = await snapshot(c);
      // This bench is the only writer: every record between the two positions is its own.
      const { rows } = await admin.query<{ n: number; bytes: number; fpi: number; fpi_bytes: number; mx: number }>(
        `SELECT count(*)::float8 AS n, coalesce(sum(record_length - fpi_length), 0)::float8 AS bytes,
                count(*) FILTER (WHERE fpi_length > 0)::float8 AS fpi, coalesce(sum(fpi_length), 0)::float8 AS fpi_bytes,
                count(*) FILTER (WHERE resource_manager = 'MultiXact' AND record_type = 'CREATE_ID')::float8 AS mx
           FROM pg_get_wal_records_info($1, $2)`,
        [before.lsn, after.lsn],
      );
      t.calls += after.calls - before.calls;
      t.execMs += after.exec_ms - before.exec_ms;
      t.stmtRecords += after.records - before.records;
      t.records += rows[0].n;
      t.bytes += rows[0].bytes;
      t.fpi += rows[0].fpi;
      t.fpiBytes += rows[0].fpi_bytes;
      t.multixacts += rows[0].mx;
    };

    // Warm-up: prepares the statements on every connection and touches the pages; not counted.
    for (const c of CONFIGS) for (const kind of ['gw1', 'chat1', 'mix8'] as const) await run(c, kind, []);
    await admin.query('CHECKPOINT');
    collecting = true;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < CONFIGS.length; i++) {
        const c = CONFIGS[(i + round) % CONFIGS.length];
        for (const kind of ['gw1', 'chat1', 'mix8'] as const) await measure(c, kind, (t) => run(c, kind, t.roundTrips));
      }
    }
    for (const c of CONFIGS) {
      await admin.query('CHECKPOINT');
      await measure(c, 'ckpt', (t) => run(c, 'ckpt', t.roundTrips));
    }
    collecting = false;
    for (const c of CONFIGS) {
      const writers: pg.Client[] = [];
      for (let i = 0; i < CONC; i++) {
        const client = new pg.Client({ connectionString: urlFor(dbName(c)), application_name: 'conc' });
        await client.connect();
        clients.push(client);
        writers.push(client);
      }
      const oneUser = { ...seeded, users: [seeded.users[0]], keys: [seeded.keys[0]] };
      await measure(c, 'conc', async () => {
        const until = performance.now() + CONC_MS;
        let count = 0;
        await Promise.all(
          writers.map(async (w) => {
            while (performance.now() < until) {
              await insert(c, w, [makeRow(oneUser, count % 2 === 1, seq++)]);
              count++;
            }
          }),
        );
        return count;
      });
    }

    const get = (c: Config, kind: Kind) => totals.get(`${c.name}|${kind}`)!;
    const us = (ms: number) => Math.round(ms * 1000);
    const p50 = (c: Config, kind: Kind, per: number) => us(median(executions.get(`${dbName(c)}|${kind}`) ?? []) / per);
    console.log(`\nExecution time per row, µs (server side, without the commit's WAL flush): mean / p50`);
    console.table(
      Object.fromEntries(
        CONFIGS.map((c) => [
          c.name,
          {
            'gateway row': `${us(get(c, 'gw1').execMs / get(c, 'gw1').calls)} / ${p50(c, 'gw1', 1)}`,
            'chat row': `${us(get(c, 'chat1').execMs / get(c, 'chat1').calls)} / ${p50(c, 'chat1', 1)}`,
            'group of 8, per row': `${us(get(c, 'mix8').execMs / get(c, 'mix8').rows)} / ${p50(c, 'mix8', 8)}`,
            'round trip p50, ms (commit incl.)': median(get(c, 'gw1').roundTrips).toFixed(2),
          },
        ]),
      ),
    );
    const per = (t: Totals, v: number, digits = 2) => (v / t.rows).toFixed(digits);
    console.log(
      `WAL per row: records of the statement (pg_stat_statements) / all records incl. commit (pg_walinspect), bytes without page images`,
    );
    console.table(
      Object.fromEntries(
        CONFIGS.map((c) => {
          const [gw, chat, mix, ckpt, conc] = (['gw1', 'chat1', 'mix8', 'ckpt', 'conc'] as const).map((k) => get(c, k));
          return [
            c.name,
            {
              'gateway row': `${per(gw, gw.stmtRecords)} / ${per(gw, gw.records)}, ${per(gw, gw.bytes, 0)} B`,
              'chat row': `${per(chat, chat.stmtRecords)} / ${per(chat, chat.records)}, ${per(chat, chat.bytes, 0)} B`,
              'group of 8': `${per(mix, mix.stmtRecords)} / ${per(mix, mix.records)}, ${per(mix, mix.bytes, 0)} B`,
              'after CHECKPOINT: page images, B incl. images': `${per(ckpt, ckpt.fpi)}, ${per(ckpt, ckpt.bytes + ckpt.fpiBytes, 0)} B`,
              [`${CONC} writers, one user: rows/s, MultiXacts/row`]: `${Math.round(conc.rows / (conc.elapsedMs / 1000))}, ${per(conc, conc.multixacts)}`,
            },
          ];
        }),
      ),
    );
  } finally {
    for (const client of clients) await client.end().catch(() => undefined);
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

await main();
process.exit(0);
