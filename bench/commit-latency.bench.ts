/**
 * What a durable commit costs a request on this machine (not part of `npm test`): `npm run bench:commit`.
 *
 * One embedded PostgreSQL as shipped (synchronous_commit, fsync, full_page_writes on). For each idle gap
 * before the call (BENCH_GAPS ms, default 0,0.5,1,3,10: back to back, then a sleep of that long between
 * calls, which is what a gateway at concurrency 1 sees between its commits), the client-side round trip
 * of: `SELECT 1`; a one-row INSERT (prepared, autocommit, so it waits for the WAL flush); and, for the
 * disk alone, an 8 kB write + fdatasync by this process on a file beside the cluster. BENCH_N calls per
 * cell (default 300), cells interleaved over BENCH_ROUNDS rounds (default 2); p50 and mean in ms.
 *
 * On a virtual machine an idle vCPU and an idle disk wake up slowly: the fsync's own latency after a
 * few milliseconds of idleness is several times its back-to-back latency, and so is a commit's.
 */
import { chmodSync, closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';

const GAPS = (process.env.BENCH_GAPS ?? '0,0.5,1,3,10').split(',').map(Number);
const N = Number(process.env.BENCH_N ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Sub-millisecond gaps: setTimeout's resolution is 1 ms, so wait on the clock without blocking I/O. */
async function gap(ms: number): Promise<void> {
  if (ms >= 1) return sleep(ms);
  const until = performance.now() + ms;
  while (performance.now() < until) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-commit-'));
  // As root the embedded server runs as `postgres`, which must be able to reach its data directory.
  chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres(join(dir, 'db'), 'bench');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const file = openSync(join(dir, 'fsync-probe'), 'w');
  try {
    const settings = await client.query(
      `SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) AS s FROM pg_settings
        WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'server_version')`,
    );
    console.log(
      `machine: ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(settings.rows[0].s);
    await client.query('CREATE TABLE probe (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), at timestamptz NOT NULL, v text)');
    const page = Buffer.alloc(8192, 1);
    const calls: Record<string, () => Promise<unknown>> = {
      'SELECT 1': () => client.query({ name: 'select', text: 'SELECT 1' }),
      'INSERT + commit': () =>
        client.query({ name: 'insert', text: 'INSERT INTO probe (at, v) VALUES (now(), $1)', values: ['x'] }),
      'write + fdatasync 8 kB (node)': async () => {
        writeSync(file, page, 0, page.length, 0);
        fdatasyncSync(file);
      },
    };
    const times = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const idle of GAPS) {
        for (const [name, call] of Object.entries(calls)) {
          const key = `${name}|${idle}`;
          const list = times.get(key) ?? [];
          for (let i = 0; i < 20; i++) await call();
          for (let i = 0; i < N; i++) {
            if (idle > 0) await gap(idle);
            const started = performance.now();
            await call();
            list.push(performance.now() - started);
          }
          times.set(key, list);
        }
      }
    }
    const table: Record<string, Record<string, string>> = {};
    for (const name of Object.keys(calls)) {
      table[name] = {};
      for (const idle of GAPS) {
        const list = [...times.get(`${name}|${idle}`)!].sort((a, b) => a - b);
        const mean = list.reduce((a, b) => a + b, 0) / list.length;
        table[name][idle === 0 ? 'back to back' : `after ${idle} ms idle`] =
          `${list[Math.floor(list.length / 2)].toFixed(2)} / ${mean.toFixed(2)}`;
      }
    }
    console.log('\nround trip, ms: p50 / mean');
    console.table(table);
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    closeSync(file);
    await client.end();
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
