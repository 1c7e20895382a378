/**
 * Two builds of Tally side by side (not part of `npm test`): `npm run bench:ab`.
 *
 * bench:gateway compares Tally with a peer in one run, but on a shared machine its CPU figures move by
 * ±10 % between runs, more than most single changes are worth. This bench answers a narrower question —
 * is this tree cheaper than that commit? — by running both at once, against one upstream and one
 * PostgreSQL, and alternating short measured runs between them, so each pair of runs sees the same
 * machine. It reports every pair and the median of the per-pair ratios.
 *
 * Processes: the fake upstream (gateway-upstream.ts), one PostgreSQL (embedded, started here; both Tallys
 * migrate it under the advisory lock, base first, and write the same routing log: compare trees whose
 * migrations agree), `base` (the commit BENCH_AB_BASE,
 * default HEAD, built by `buildTallyAt`) and `head` (the working tree), each started as `npm start` runs it,
 * and one load-client process per measured run. CPU is each Tally process's own, from /proc, over the
 * measured requests; PostgreSQL's CPU over the same window is shown apart (shared, so not charged to either).
 * After every run the routing-log rows of that run's user must equal its requests, all `completed`.
 *
 * Knobs: BENCH_AB_BASE (HEAD), BENCH_ROUNDS (8 pairs), BENCH_REQUESTS (2000 per run), BENCH_WARMUP (200),
 * BENCH_CONCURRENCY (32), BENCH_MIXED (1: half streamed; 0: BENCH_STREAM decides), BENCH_STREAM (0),
 * BENCH_CHUNKS (20), BENCH_LOG_LEVEL (info), BENCH_AB_HEAD_FLAGS (Node flags for head only, after `npm start`'s own, e.g.
 * `--max-semi-space-size=8`: the same tree then compares two settings), BENCH_CPU_PROFILE=<dir> (both under `node --cpu-prof`,
 * into <dir>/base and <dir>/head, written at exit).
 */
import 'reflect-metadata';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { median } from './anonymization-eval.js';
import {
  BENCH_MODEL,
  benchGatewayYaml,
  buildTally,
  buildTallyAt,
  createBenchUser,
  type GatewayProcess,
  startTally,
} from './gateway-processes.js';
import { runClient, startUpstream } from './support/bench-processes.js';
import { procCpuMs, rssMb, treeCpuMs } from './support/proc-stats.js';

const ADMIN_KEY = 'tly_bench_admin_key_0123456789abcdef';
const BASE = process.env.BENCH_AB_BASE ?? 'HEAD';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MIXED = process.env.BENCH_MIXED !== '0';
const STREAM = process.env.BENCH_STREAM === '1';
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const HEAD_FLAGS = (process.env.BENCH_AB_HEAD_FLAGS ?? '').split(' ').filter(Boolean);

interface Run {
  readonly cpuUs: number;
  readonly postgresUs: number;
  readonly rps: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-ab-'));
  chmodSync(dir, 0o755);
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const baseEntry = buildTallyAt(BASE);
  buildTally();
  const database = await startEmbeddedPostgres(join(dir, 'pg-data'), 'tally');
  const postmaster = Number.parseInt(readFileSync(join(database.clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0], 10);
  const upstream = await startUpstream();
  writeFileSync(join(dir, 'gateway.yaml'), benchGatewayYaml(upstream.baseUrl));
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  const tallys: Partial<Record<'base' | 'head', GatewayProcess>> = {};
  try {
    const start = (name: 'base' | 'head', entry?: string) =>
      startTally({
        databaseUrl: database.url,
        dataDir: join(dir, `data-${name}`),
        gatewayConfig: join(dir, 'gateway.yaml'),
        adminKey: ADMIN_KEY,
        entry,
        nodeArgs: name === 'head' ? HEAD_FLAGS : [],
        profileDir: process.env.BENCH_CPU_PROFILE ? join(process.env.BENCH_CPU_PROFILE, name) : undefined,
      });
    // One after the other: the second finds the migrations done.
    tallys.base = await start('base', baseEntry);
    const head = await start('head');
    tallys.head = head;
    const { user, api_key } = await createBenchUser(head.url, ADMIN_KEY, 'ab');
    let expectedRows = 0;

    const measure = async (name: 'base' | 'head'): Promise<Run> => {
      const tally = tallys[name]!;
      let before = { cpu: 0, postgres: 0 };
      const result = await runClient(
        {
          url: `${tally.url}/v1/chat/completions`,
          key: api_key.key,
          model: BENCH_MODEL,
          stream: STREAM,
          mixed: MIXED,
          concurrency: CONCURRENCY,
          warmup: WARMUP,
          requests: REQUESTS,
          chunks: CHUNKS,
        },
        async () => {
          before = { cpu: procCpuMs(tally.pid)!, postgres: treeCpuMs(postmaster)! };
        },
      );
      const cpu = procCpuMs(tally.pid)! - before.cpu;
      const postgres = treeCpuMs(postmaster)! - before.postgres;
      if (result.failures > 0) throw new Error(`${name}: ${result.failures} requests failed; first: ${result.firstFailure}`);
      expectedRows += WARMUP + REQUESTS;
      const { rows, completed } = (
        await db.query<{ rows: number; completed: number }>(
          `SELECT count(*)::int AS rows, count(*) FILTER (WHERE outcome = 'completed')::int AS completed
             FROM inference_routing_log WHERE user_id = $1`,
          [user.id],
        )
      ).rows[0];
      if (rows !== expectedRows || completed !== expectedRows) {
        throw new Error(`ROW CHECK FAILED after ${name}: ${rows} rows (${completed} completed), expected ${expectedRows}`);
      }
      return { cpuUs: (cpu * 1000) / REQUESTS, postgresUs: (postgres * 1000) / REQUESTS, rps: REQUESTS / (result.wallMs / 1000) };
    };

    const what = MIXED ? 'half streamed' : STREAM ? 'streamed' : 'non-streamed';
    console.log(
      `\n${ROUNDS} pairs of ${REQUESTS} requests (${what}, ${CHUNKS} chunks, concurrency ${CONCURRENCY}); base = ${BASE}, head = working tree`,
    );
    console.log(
      'pair  order      base µs/req  head µs/req  head/base   base req/s  head req/s   PostgreSQL µs/req (base, head)  load',
    );
    const pairs: { base: Run; head: Run }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order: ('base' | 'head')[] = round % 2 === 0 ? ['base', 'head'] : ['head', 'base'];
      const pair = {} as { base: Run; head: Run };
      for (const name of order) pair[name] = await measure(name);
      pairs.push(pair);
      console.log(
        `${String(round + 1).padStart(4)}  ${order.join('→').padEnd(10)} ${pair.base.cpuUs.toFixed(0).padStart(11)}  ${pair.head.cpuUs
          .toFixed(0)
          .padStart(
            11,
          )}  ${(pair.head.cpuUs / pair.base.cpuUs).toFixed(3).padStart(9)}   ${pair.base.rps.toFixed(0).padStart(10)}  ${pair.head.rps
          .toFixed(0)
          .padStart(
            10,
          )}   ${pair.base.postgresUs.toFixed(0).padStart(14)}, ${pair.head.postgresUs.toFixed(0).padEnd(14)}  ${loadavg()[0].toFixed(2)}`,
      );
    }
    const cpuRatio = median(pairs.map((p) => p.head.cpuUs / p.base.cpuUs));
    const rpsRatio = median(pairs.map((p) => p.head.rps / p.base.rps));
    console.log(
      `\nmedian of pairs: CPU per request head/base ${cpuRatio.toFixed(3)} (base ${median(pairs.map((p) => p.base.cpuUs)).toFixed(0)} µs, head ${median(
        pairs.map((p) => p.head.cpuUs),
      ).toFixed(0)} µs); requests/s head/base ${rpsRatio.toFixed(3)}`,
    );
    console.log(
      `RSS after the runs: base ${rssMb(tallys.base!.pid)?.toFixed(1)} MB, head ${rssMb(tallys.head!.pid)?.toFixed(1)} MB`,
    );
    console.log(`exactly one completed row per request after every run (${expectedRows} rows)`);
  } finally {
    for (const tally of Object.values(tallys)) await tally?.stop().catch(() => undefined);
    await db.end();
    await upstream.stop();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
