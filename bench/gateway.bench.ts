/**
 * Gateway overhead benchmark (not part of `npm test`): `npm run bench:gateway`.
 *
 * Tally next to a peer — Portkey's open-source gateway (`@portkey-ai/gateway`, a TypeScript gateway
 * that stores no log at all) — and the direct call, against the same fake OpenAI upstream, interleaved
 * scenario by scenario in one run. Every number the table asks for is a ratio from this run.
 * A fourth target, `floor`, is a node:http proxy that only relays (bench/support/node-proxy.mjs): what
 * any node gateway pays on this machine before doing anything, so the table shows how much of Tally's
 * and Portkey's figures is their own work.
 *
 * Processes (one role each, none sharing an event loop): the fake upstream (gateway-upstream.ts), the
 * load client (gateway-client.ts, one process per measured run), Tally (built to JavaScript, started
 * with `node …/src/main.js`, gateway-processes.ts), its PostgreSQL (embedded, started here, so its
 * CPU is charged to Tally: postmaster, backends and reaped children), and Portkey. CPU and RSS come
 * from /proc. On a small shared machine they all compete for the same cores: read the load average.
 *
 * Scenarios (each: direct, Tally, Portkey, in an order that rotates by round):
 *   json-c1     non-streamed, concurrency 1: added latency p50/p99;
 *   stream-c1   streamed, BENCH_CHUNKS (20) content chunks: added time to first byte;
 *   long-c1     streamed, BENCH_LONG_CHUNKS (1000): per-chunk added time = slope of the overhead
 *               between the long and the short stream (a difference of medians; over 980 chunks a
 *               0.5 ms wobble between runs is 0.5 µs a chunk, over 180 it was 3 µs);
 *   mixed-cN    half streamed, concurrency N (the last of BENCH_CONCURRENCY, 32): req/s, CPU per request;
 *   streams-256 BENCH_STREAMS (256) concurrent streams: errors, wall time, peak RSS;
 *   anon-off / anon-on  Tally only (and direct): a 2 kB prompt with 10 entities to a tier-1 model
 *               (anonymization gated off) and to a tier-4 model (anonymization on), non-streamed, c1.
 * After every Tally run the routing-log row count (SQL) must equal the requests Tally served, warm-up
 * included, all `completed`, and the upstream must have served exactly the requests sent.
 *
 * Knobs: BENCH_REQUESTS (2000), BENCH_WARMUP (300), BENCH_CONCURRENCY ("1,32"), BENCH_CHUNKS (20),
 * BENCH_LONG_CHUNKS (1000), BENCH_STREAMS (256), BENCH_ROUNDS (1; the issue-13 table is taken with 3, so that every target runs once in each
 * position and the rounds pool: with 1, Tally always runs right after the direct calls), BENCH_SCENARIOS (all; e.g. "json-c1,mixed-c32"), BENCH_CPU_PROFILE=<dir> (Tally and
 * Portkey run under `node --cpu-prof`, profiles written at their exit).
 * BENCH_LOG_LEVEL (info, as shipped: Tally's JSON log lines go to a pipe) sets Tally's LOG_LEVEL.
 * BENCH_OTLP=1 runs the measured Tally with tracing on: OTEL_EXPORTER_OTLP_ENDPOINT points at a loopback
 * OTLP/HTTP sink (bench/support/otlp-sink.ts) in its own process; the spans it received are printed at the end.
 * Writes bench/results/gateway-<timestamp>.json.
 */
import 'reflect-metadata';
import { type ChildProcess, fork } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { ANON_PROMPT } from './anonymization-prompts.js';
import type { ClientJob } from './gateway-client.js';
import {
  BENCH_MODEL,
  BENCH_MODEL_T4,
  benchGatewayYaml,
  buildTally,
  createBenchUser,
  PORTKEY_VERSION,
  portkeyHeaders,
  startPortkey,
  startTally,
} from './gateway-processes.js';
import { type Measured, report, type Scenario, type Target } from './gateway-report.js';
import { CHILD_ENV, CHILD_EXEC_ARGV, runClient, startFloor, startUpstream } from './support/bench-processes.js';
import { procCpuMs, rssMb, rssSampler, treeCpuMs } from './support/proc-stats.js';

const ADMIN_KEY = 'tly_bench_admin_key_0123456789abcdef';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const LONG_CHUNKS = Number(process.env.BENCH_LONG_CHUNKS ?? 1000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
/** Comma-separated scenario names to run (default: all); the table then has gaps where a scenario was skipped. */
const ONLY = process.env.BENCH_SCENARIOS?.split(',').filter(Boolean);
const OTLP = process.env.BENCH_OTLP === '1';
/** Node/V8 flags for the Tally process under load (e.g. `--max-semi-space-size=2`, see decisions: Idle memory). */
const TALLY_NODE_FLAGS = (process.env.BENCH_TALLY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
function metric(text: string, name: string, labels: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labels)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

interface ScenarioSpec {
  readonly scenario: Scenario;
  readonly targets: Target[];
  readonly stream: boolean;
  readonly mixed?: boolean;
  readonly concurrency: number;
  readonly chunks: number;
  readonly requests: number;
  readonly warmup: number;
  readonly prompt?: string;
  /** Tally's model for this scenario (direct and Portkey send `bench-model`). */
  readonly tallyModel?: string;
}

/** The loopback OTLP/HTTP sink of BENCH_OTLP=1, in its own process. */
function startOtlpSink(): Promise<{ url: string; child: ChildProcess; spans(): Promise<number> }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'support', 'otlp-sink.ts'), [], {
      execArgv: CHILD_EXEC_ARGV,
      env: CHILD_ENV,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('message', (message: { url: string }) =>
      resolve({
        url: message.url,
        child,
        spans: () =>
          new Promise((answer) => {
            child.once('message', (m: { spans: number }) => answer(m.spans));
            child.send('stats');
          }),
      }),
    );
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-gateway-'));
  // As root the embedded server runs as `postgres`, which must be able to reach its data directory.
  chmodSync(dir, 0o755);
  const started = new Date();
  console.log(
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; Portkey ${PORTKEY_VERSION}`,
  );
  buildTally();
  const database = await startEmbeddedPostgres(join(dir, 'pg-data'), 'tally');
  const postmaster = Number.parseInt(readFileSync(join(database.clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0], 10);
  const upstream = await startUpstream();
  writeFileSync(join(dir, 'gateway.yaml'), benchGatewayYaml(upstream.baseUrl));
  const stops: (() => Promise<void>)[] = [];
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    // Idle memory with the shipped configuration (config/gateway.yaml), in a process of its own.
    const plain = await startTally({
      databaseUrl: database.url,
      dataDir: join(dir, 'data-default'),
      gatewayConfig: join(import.meta.dirname, '..', 'config', 'gateway.yaml'),
      adminKey: ADMIN_KEY,
    });
    await new Promise((r) => setTimeout(r, 3000));
    const idleDefaultMb = rssMb(plain.pid)!;
    await plain.stop();
    console.log(`Tally idle RSS with config/gateway.yaml: ${idleDefaultMb.toFixed(1)} MB`);

    const profileDir = PROFILE_DIR;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const sink = OTLP ? await startOtlpSink() : undefined;
    if (sink) console.log(`tracing on: OTEL_EXPORTER_OTLP_ENDPOINT=${sink.url}`);
    const tally = await startTally({
      databaseUrl: database.url,
      dataDir: join(dir, 'data'),
      gatewayConfig: join(dir, 'gateway.yaml'),
      adminKey: ADMIN_KEY,
      profileDir,
      nodeArgs: TALLY_NODE_FLAGS,
      env: sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {},
    });
    stops.push(async () => {
      await tally.stop();
      if (!sink) return;
      console.log(`OTLP sink received ${await sink.spans()} spans (flushed at exit)`);
      sink.child.send('stop');
    });
    const portkey = await startPortkey(profileDir);
    stops.push(() => portkey.stop());
    const floor = await startFloor(upstream.baseUrl);
    stops.push(floor.stop);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = { tally: rssMb(tally.pid)!, portkey: rssMb(portkey.pid)! };
    console.log(`idle RSS: Tally ${idle.tally.toFixed(1)} MB (bench config), Portkey ${idle.portkey.toFixed(1)} MB`);

    const { user, api_key } = await createBenchUser(tally.url, ADMIN_KEY, 'bench');

    let expectedRows = 0;
    const rows = async () =>
      (
        await db.query<{ rows: number; completed: number; rows_anon: number }>(
          `SELECT count(*)::int AS rows, count(*) FILTER (WHERE outcome = 'completed')::int AS completed,
                  count(*) FILTER (WHERE anonymization_applied)::int AS rows_anon
             FROM inference_routing_log WHERE user_id = $1`,
          [user.id],
        )
      ).rows[0];
    const inserts = async () => {
      const text = await fetch(`${tally.url}/metrics`).then((r) => r.text());
      const table = 'table="inference_routing_log"';
      return {
        count: metric(text, 'tally_durable_write_seconds_count', table),
        seconds: metric(text, 'tally_durable_write_seconds_sum', table),
      };
    };
    const cpu = () => ({
      tally: procCpuMs(tally.pid) ?? 0,
      postgres: treeCpuMs(postmaster) ?? 0,
      portkey: procCpuMs(portkey.pid) ?? 0,
      floor: procCpuMs(floor.child.pid) ?? 0,
      upstream: procCpuMs(upstream.child.pid) ?? 0,
    });

    const measure = async (spec: ScenarioSpec, target: Target): Promise<Measured> => {
      const url = {
        direct: upstream.baseUrl,
        tally: `${tally.url}/v1`,
        portkey: `${portkey.url}/v1`,
        floor: `${floor.url}/v1`,
      }[target];
      const job: ClientJob = {
        url: `${url}/chat/completions`,
        key: target === 'tally' ? api_key.key : 'sk-bench',
        model: target === 'tally' ? (spec.tallyModel ?? BENCH_MODEL) : BENCH_MODEL,
        stream: spec.stream,
        mixed: spec.mixed,
        concurrency: spec.concurrency,
        warmup: spec.warmup,
        requests: spec.requests,
        chunks: spec.chunks,
        prompt: spec.prompt,
        headers: target === 'portkey' ? portkeyHeaders(upstream.baseUrl) : undefined,
      };
      let before: { cpu: ReturnType<typeof cpu>; served: number; inserts: { count: number; seconds: number } } | undefined;
      let stopSampler: (() => Record<string, number | undefined>) | undefined;
      const result = await runClient(job, async () => {
        // /metrics first: rendering it is Tally's work, and it belongs to no measured request.
        const insertsBefore = await inserts();
        const served = (await upstream.stats()).served;
        before = { cpu: cpu(), served, inserts: insertsBefore };
        stopSampler = rssSampler({ tally: tally.pid, portkey: portkey.pid });
      });
      const peak = stopSampler?.() ?? {};
      const label = `${spec.scenario} ${target}`;
      if (result.failures > 0) throw new Error(`${label}: ${result.failures} requests failed; first: ${result.firstFailure}`);
      const afterCpu = cpu();
      const served = (await upstream.stats()).served - before!.served;
      const afterInserts = await inserts();
      if (served !== spec.requests) throw new Error(`${label}: upstream served ${served}, expected ${spec.requests}`);
      if (target === 'tally') expectedRows += spec.warmup + spec.requests;
      const counted = await rows();
      if (counted.rows !== expectedRows || counted.completed !== expectedRows) {
        throw new Error(
          `ROW CHECK FAILED after ${label}: ${counted.rows} rows (${counted.completed} completed), expected ${expectedRows}`,
        );
      }
      const measured: Measured = {
        scenario: spec.scenario,
        target,
        stream: spec.stream,
        mixed: spec.mixed ?? false,
        concurrency: spec.concurrency,
        chunks: spec.chunks,
        requests: spec.requests,
        samples: result.samples,
        wallMs: result.wallMs,
        failures: result.failures,
        cpuMs: {
          gateway: target === 'direct' ? 0 : afterCpu[target] - before!.cpu[target],
          postgres: target === 'tally' ? afterCpu.postgres - before!.cpu.postgres : 0,
          upstream: afterCpu.upstream - before!.cpu.upstream,
        },
        peakRssMb: target === 'tally' || target === 'portkey' ? peak[target] : undefined,
        inserts: target === 'tally' ? afterInserts.count - before!.inserts.count : undefined,
        insertSeconds: target === 'tally' ? afterInserts.seconds - before!.inserts.seconds : undefined,
        rowsAfter: counted.rows,
        anonymizedRowsAfter: counted.rows_anon,
      };
      console.log(
        `  ${label.padEnd(22)} ${spec.requests} requests in ${(result.wallMs / 1000).toFixed(2)} s` +
          (target === 'tally' ? `; rows ${counted.rows} = expected ${expectedRows}, ${counted.rows_anon} anonymized` : '') +
          `; load ${loadavg()[0].toFixed(2)}`,
      );
      return measured;
    };

    const c = CONCURRENCY[CONCURRENCY.length - 1];
    const all: Target[] = ['direct', 'tally', 'portkey', 'floor'];
    const anonymization = (scenario: string, targets: ScenarioSpec['targets'], tallyModel: string): ScenarioSpec => ({
      scenario,
      targets,
      stream: false,
      concurrency: 1,
      chunks: CHUNKS,
      requests: Math.ceil(REQUESTS / 2),
      warmup: Math.ceil(WARMUP / 2),
      prompt: ANON_PROMPT,
      tallyModel,
    });
    const specs: ScenarioSpec[] = [
      { scenario: 'json-c1', targets: all, stream: false, concurrency: 1, chunks: CHUNKS, requests: REQUESTS, warmup: WARMUP },
      { scenario: 'stream-c1', targets: all, stream: true, concurrency: 1, chunks: CHUNKS, requests: REQUESTS, warmup: WARMUP },
      {
        scenario: 'long-c1',
        targets: all,
        stream: true,
        concurrency: 1,
        chunks: LONG_CHUNKS,
        requests: Math.ceil(REQUESTS / 2),
        warmup: Math.ceil(WARMUP / 2),
      },
      {
        scenario: `mixed-c${c}`,
        targets: all,
        stream: false,
        mixed: true,
        concurrency: c,
        chunks: CHUNKS,
        requests: REQUESTS,
        warmup: WARMUP,
      },
      {
        scenario: `streams-${STREAMS}`,
        targets: all,
        stream: true,
        concurrency: STREAMS,
        chunks: CHUNKS,
        requests: Math.max(REQUESTS, STREAMS * 4),
        warmup: STREAMS,
      },
      // The same 2 kB prompt to a tier-1 model (anonymization gated off) and to a tier-4 one (on).
      anonymization('anon-off', ['direct', 'tally'], BENCH_MODEL),
      anonymization('anon-on', ['tally'], BENCH_MODEL_T4),
    ];
    const chosen = ONLY ? specs.filter((s) => ONLY.includes(s.scenario)) : specs;
    if (chosen.length === 0) throw new Error(`BENCH_SCENARIOS matches none of ${specs.map((s) => s.scenario).join(', ')}`);
    console.log(`\nrunning ${ROUNDS} round(s); targets interleaved per scenario, order rotating by round`);
    const runs: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const spec of chosen) {
        const order = spec.targets.map((_, i) => spec.targets[(i + round) % spec.targets.length]);
        for (const target of order) runs.push(await measure(spec, target));
      }
    }
    const anonymizedRows = (await rows()).rows_anon;
    const anonRequests = chosen.find((s) => s.scenario === 'anon-on');
    const anonExpected = anonRequests ? ROUNDS * (anonRequests.requests + anonRequests.warmup) : 0;
    if (anonymizedRows !== anonExpected) {
      throw new Error(`anonymization ran on ${anonymizedRows} rows, expected only the anon-on scenario's`);
    }
    const afterLoad = { tally: rssMb(tally.pid)!, portkey: rssMb(portkey.pid)! };
    const results = report(runs, {
      idleDefaultMb,
      idle,
      afterLoad,
      longChunks: LONG_CHUNKS,
      chunks: CHUNKS,
      throughputScenario: `mixed-c${c}`,
      streamsScenario: `streams-${STREAMS}`,
    });
    const load = loadavg().map((l) => Number(l.toFixed(2)));
    console.log(`\nload average after the runs: ${load.join(' ')} on ${cpus().length} CPUs`);
    const resultsDir = join(import.meta.dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `gateway-${started.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          started: started.toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model.trim(), loadAfter: load },
          knobs: {
            REQUESTS,
            WARMUP,
            CONCURRENCY,
            CHUNKS,
            LONG_CHUNKS,
            STREAMS,
            ROUNDS,
            OTLP,
            LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
          },
          portkey: PORTKEY_VERSION,
          table: results.table,
          runs: results.runs,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`results: ${file}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await db.end();
    await upstream.stop();
    await database.stop();
    if (PROFILE_DIR) console.log(`CPU profiles (Tally and Portkey, written at exit): ${PROFILE_DIR}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
