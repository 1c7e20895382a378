/**
 * Gateway overhead benchmark (not part of `npm test`): `npm run bench:gateway`.
 *
 * What the gateway adds to a completion, with every routing-log row persisted, over calling the same
 * fake OpenAI upstream directly:
 *   - non-streaming: p50/p99 latency and throughput, direct vs through the gateway, at concurrency 1 and 32;
 *   - streaming (BENCH_CHUNKS = 20 content chunks, no artificial upstream delay): time to the first body
 *     byte and to the last byte, direct vs gateway; the wait for `[DONE]` after the last frame (the row
 *     is committed in that gap); the per-chunk added time, as the slope of the overhead between 20 and
 *     BENCH_LONG_CHUNKS = 200 chunks at concurrency 1 (an unpaced upstream's frames reach the client in one
 *     or two reads, so their spacing measures nothing; paced real streams cost a socket write per chunk
 *     on top of this);
 *   - group commit: rows per INSERT, from `tally_durable_write_seconds_count` against the rows written;
 *   - CPU per request of the gateway, PostgreSQL and the upstream processes (Linux /proc).
 * After every run the routing-log row count must equal the requests sent (warm-up included) and the
 * upstream must have served exactly as many; otherwise the bench fails.
 *
 * Processes: the gateway runs here (embedded PostgreSQL unless DATABASE_URL is set); the fake upstream
 * (test/support/fake-openai.ts) runs in one child process and the load client in another, so neither
 * shares the gateway's event loop. On a small shared machine the client, the upstream, PostgreSQL and
 * the gateway compete for the same cores: read the printed load average and CPU count with the numbers.
 *
 * Knobs: BENCH_REQUESTS (2000), BENCH_WARMUP (300), BENCH_CONCURRENCY ("1,32"), BENCH_CHUNKS (20),
 * BENCH_LONG_CHUNKS (200).
 * BENCH_OTLP=1 runs the gateway with tracing on: OTEL_EXPORTER_OTLP_ENDPOINT points at a loopback OTLP/HTTP
 * sink (bench/support/otlp-sink.ts) in its own process, and the spans it received are printed at the end.
 * BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of the gateway process per measured gateway run
 * (warm-up and start-up excluded), e.g. <dir>/gateway-json-c32.cpuprofile, for Chrome DevTools.
 */
import 'reflect-metadata';
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientJob, ClientResult, Sample } from './gateway-client.js';
import { startBenchApp } from './support/bench-app.js';

const ADMIN_KEY = 'tly_bench_admin_key_0123456789abcdef';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const LONG_CHUNKS = Number(process.env.BENCH_LONG_CHUNKS ?? 200);
const MODEL = 'bench-model';
const CHILD_EXEC_ARGV = ['--import', '@swc-node/register/esm-register'];
const CHILD_ENV = { ...process.env, NODE_OPTIONS: '', BENCH_CHUNKS: String(CHUNKS) };
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
const OTLP = process.env.BENCH_OTLP === '1';

const gatewayYaml = (upstream: string) => `providers:
  - name: bench-upstream
    type: openai_compatible
    base_url: ${upstream}
    tier: 1
    timeout_s: 30
    models: [${MODEL}]
anonymization: { enabled: false }
limits:
  rate_per_key: { requests_per_minute: 100000000, burst: 1000000 }
  concurrent_streams_per_key: 100000
`;

// ---- numbers ----------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Dist {
  p50: number;
  p99: number;
}

function dist(samples: Sample[], pick: (s: Sample) => number): Dist {
  const values = samples.map(pick).sort((a, b) => a - b);
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

const ms = (v: number) => v.toFixed(2);
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
const pad = (v: string | number, n: number) => String(v).padStart(n);

// ---- processes --------------------------------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime, stime and the reaped children's times of a process, in ms; undefined off Linux or once gone. */
function procCpuMs(pid: number | undefined, withChildren = false): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime = 14, stime = 15, cutime = 16, cstime = 17.
    const ticks = Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    return (ticks * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** CPU of the embedded PostgreSQL: the postmaster, its exited children, and its live backends. */
function postgresCpuMs(postmaster: number | undefined): number | undefined {
  if (!postmaster) return undefined;
  let total = procCpuMs(postmaster, true);
  if (total === undefined) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) total += procCpuMs(Number(entry)) ?? 0;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0], 10) || undefined;
  } catch {
    return undefined;
  }
}

interface Upstream {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  stats(): Promise<{ served: number; connections: number }>;
  stop(): Promise<void>;
}

function startUpstream(): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'gateway-upstream.ts'), [], {
      execArgv: CHILD_EXEC_ARGV,
      env: CHILD_ENV,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`upstream exited ${code} before listening`)));
    child.once('message', (message: { baseUrl: string }) => {
      child.removeAllListeners('exit');
      resolve({
        baseUrl: message.baseUrl,
        child,
        stats: () =>
          new Promise((answer) => {
            child.once('message', answer);
            child.send('stats');
          }),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.send('stop');
          }),
      });
    });
  });
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

/** Runs one client process; `onWarm` runs between its warm-up and its measured requests. */
function runClient(job: ClientJob, onWarm: () => Promise<void>): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'gateway-client.ts'), [], {
      execArgv: CHILD_EXEC_ARGV,
      env: CHILD_ENV,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: ClientResult | undefined;
    child.on('error', reject);
    child.on('message', (message: { type: 'warm' } | ClientResult) => {
      if (message.type === 'warm') {
        onWarm().then(
          () => child.send('go'),
          (error) => {
            child.kill();
            reject(error);
          },
        );
      } else result = message;
    });
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`client exited ${code} without a result`))));
    child.send(job);
  });
}

// ---- the gateway's own counters -----------------------------------------------------------------

interface Snapshot {
  readonly rows: number;
  readonly completed: number;
  readonly inserts: number;
  readonly insertSeconds: number;
  readonly committed: number;
  readonly served: number;
  /** TCP connections the upstream accepted. */
  readonly connections: number;
  readonly gatewayCpuMs: number;
  readonly postgresCpuMs: number | undefined;
  readonly upstreamCpuMs: number | undefined;
}

function metric(text: string, name: string, labels: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labels)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

interface Run {
  readonly target: 'direct' | 'gateway';
  readonly stream: boolean;
  readonly concurrency: number;
  /** Content chunks per streamed answer. */
  readonly chunks: number;
  readonly result: ClientResult;
  readonly delta: Snapshot;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-gateway-'));
  // As root the embedded server runs as `postgres`, which must be able to reach its data directory.
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  console.log(
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const upstream = await startUpstream();
  const sink = OTLP ? await startOtlpSink() : undefined;
  if (sink) console.log(`tracing on: OTEL_EXPORTER_OTLP_ENDPOINT=${sink.url}`);
  const { running, url, db } = await startBenchApp(
    dir,
    dataDir,
    gatewayYaml(upstream.baseUrl),
    ADMIN_KEY,
    1,
    sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {},
  );
  const postmaster = process.env.DATABASE_URL ? undefined : postmasterPid(dataDir);
  try {
    const created = await fetch(`${url}/admin/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, role: 'member' }),
    });
    if (created.status !== 201) throw new Error(`create user: ${created.status} ${await created.text()}`);
    const { user, api_key } = (await created.json()) as { user: { id: string }; api_key: { key: string } };

    const snapshot = async (): Promise<Snapshot> => {
      const [{ rows: counted }, text, { served, connections }] = await Promise.all([
        db.query<{ rows: number; completed: number }>(
          `SELECT count(*)::int AS rows, count(*) FILTER (WHERE outcome = 'completed')::int AS completed
             FROM inference_routing_log WHERE user_id = $1`,
          [user.id],
        ),
        fetch(`${url}/metrics`).then((r) => r.text()),
        upstream.stats(),
      ]);
      const table = 'table="inference_routing_log"';
      const cpu = process.cpuUsage();
      return {
        rows: counted[0].rows,
        completed: counted[0].completed,
        inserts: metric(text, 'tally_durable_write_seconds_count', table),
        insertSeconds: metric(text, 'tally_durable_write_seconds_sum', table),
        committed: metric(text, 'tally_durable_rows_total', `${table},result="committed"`),
        served,
        connections,
        gatewayCpuMs: (cpu.user + cpu.system) / 1000,
        postgresCpuMs: postgresCpuMs(postmaster),
        upstreamCpuMs: procCpuMs(upstream.child.pid),
      };
    };
    const minus = (a: Snapshot, b: Snapshot): Snapshot => ({
      rows: a.rows - b.rows,
      completed: a.completed - b.completed,
      inserts: a.inserts - b.inserts,
      insertSeconds: a.insertSeconds - b.insertSeconds,
      committed: a.committed - b.committed,
      served: a.served - b.served,
      connections: a.connections - b.connections,
      gatewayCpuMs: a.gatewayCpuMs - b.gatewayCpuMs,
      postgresCpuMs:
        a.postgresCpuMs !== undefined && b.postgresCpuMs !== undefined ? a.postgresCpuMs - b.postgresCpuMs : undefined,
      upstreamCpuMs:
        a.upstreamCpuMs !== undefined && b.upstreamCpuMs !== undefined ? a.upstreamCpuMs - b.upstreamCpuMs : undefined,
    });

    let expectedRows = 0;
    const measure = async (target: Run['target'], stream: boolean, concurrency: number, chunks = CHUNKS): Promise<Run> => {
      const job: ClientJob = {
        url: target === 'direct' ? `${upstream.baseUrl}/chat/completions` : `${url}/v1/chat/completions`,
        key: api_key.key,
        model: MODEL,
        stream,
        concurrency,
        warmup: WARMUP,
        requests: REQUESTS,
        chunks,
      };
      const kind = stream ? `stream${chunks === CHUNKS ? '' : chunks}` : 'json';
      const label = `${kind} c=${concurrency} ${target}`;
      let before: Snapshot | undefined;
      const profiler = PROFILE_DIR && target === 'gateway' ? new Session() : undefined;
      const result = await runClient(job, async () => {
        before = await snapshot();
        if (profiler) {
          profiler.connect();
          await profiler.post('Profiler.enable');
          await profiler.post('Profiler.start');
        }
      });
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        mkdirSync(PROFILE_DIR!, { recursive: true });
        const file = join(PROFILE_DIR!, `gateway-${kind}-c${concurrency}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        console.log(`  CPU profile of the gateway: ${file}`);
      }
      if (result.failures > 0) throw new Error(`${label}: ${result.failures} requests failed; first: ${result.firstFailure}`);
      const after = await snapshot();
      const delta = minus(after, before!);
      if (target === 'gateway') expectedRows += WARMUP + REQUESTS;
      const rowsOk =
        after.rows === expectedRows && after.completed === expectedRows && delta.rows === (target === 'gateway' ? REQUESTS : 0);
      const servedOk = delta.served === REQUESTS;
      console.log(
        `  ${label.padEnd(22)} ${REQUESTS} requests in ${(result.wallMs / 1000).toFixed(2)} s; routing-log rows ${after.rows} ` +
          `(expected ${expectedRows}, completed ${after.completed}); upstream served +${delta.served} on ${delta.connections} new connections; load ${loadavg()[0].toFixed(2)}`,
      );
      if (!rowsOk || !servedOk) {
        throw new Error(
          `ROW CHECK FAILED after ${label}: ${after.rows} rows (${after.completed} completed, +${delta.rows} in the measured run), ` +
            `expected ${expectedRows} (+${target === 'gateway' ? REQUESTS : 0}); upstream served +${delta.served}, expected +${REQUESTS}`,
        );
      }
      return { target, stream, concurrency, chunks, result, delta };
    };

    console.log(
      `\nrunning: ${WARMUP} warm-up + ${REQUESTS} measured requests per run; direct first, then the gateway, same client`,
    );
    const runs: Run[] = [];
    for (const stream of [false, true]) {
      for (const concurrency of CONCURRENCY) {
        runs.push(await measure('direct', stream, concurrency));
        runs.push(await measure('gateway', stream, concurrency));
      }
    }
    // The per-chunk cost, as the slope between a short and a long stream: with no upstream delay the
    // frames of one answer reach the client in one or two reads, so their spacing says nothing.
    runs.push(await measure('direct', true, 1, LONG_CHUNKS));
    runs.push(await measure('gateway', true, 1, LONG_CHUNKS));
    report(runs);
  } finally {
    await db.end();
    await running.close();
    if (sink) {
      console.log(`OTLP sink received ${await sink.spans()} spans (flushed at close)`);
      sink.child.send('stop');
    }
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- report -----------------------------------------------------------------------------------

function perRequest(total: number | undefined): string {
  return total === undefined ? '   n/a' : pad(((total / REQUESTS) * 1000).toFixed(0), 6);
}

function report(runs: Run[]): void {
  const find = (target: Run['target'], stream: boolean, c: number, chunks = CHUNKS) =>
    runs.find((r) => r.target === target && r.stream === stream && r.concurrency === c && r.chunks === chunks)!;
  const rps = (r: Run) => pad(Math.round(r.result.samples.length / (r.result.wallMs / 1000)), 6);
  const cpu = (r: Run) =>
    `${perRequest(r.target === 'gateway' ? r.delta.gatewayCpuMs : undefined)} ${perRequest(r.target === 'gateway' ? r.delta.postgresCpuMs : undefined)} ${perRequest(r.delta.upstreamCpuMs)}`;
  const summary: string[] = [];

  console.log(`\nNon-streaming: latency to the last byte, ms (${REQUESTS} requests per row); CPU µs per request`);
  console.log(
    `  conc  target     ${pad('p50', 7)} ${pad('p99', 7)}  ${pad('req/s', 6)}  ${pad('gw', 6)} ${pad('pg', 6)} ${pad('up', 6)}`,
  );
  for (const c of CONCURRENCY) {
    const direct = find('direct', false, c);
    const gateway = find('gateway', false, c);
    const d = dist(direct.result.samples, (s) => s.total);
    const g = dist(gateway.result.samples, (s) => s.total);
    for (const [name, run, v] of [
      ['direct', direct, d],
      ['gateway', gateway, g],
    ] as const) {
      console.log(`  ${pad(c, 4)}  ${name.padEnd(9)}  ${pad(ms(v.p50), 7)} ${pad(ms(v.p99), 7)}  ${rps(run)}  ${cpu(run)}`);
    }
    console.log(`  ${pad(c, 4)}  overhead   ${pad(signed(g.p50 - d.p50), 7)} ${pad(signed(g.p99 - d.p99), 7)}`);
    summary.push(`p50 ${ms(g.p50 - d.p50)} ms, p99 ${ms(g.p99 - d.p99)} ms at concurrency ${c}`);
  }

  console.log(
    '\nStreaming, no upstream delay: ms to the first body byte (ttfb) and to the last byte (total); ' +
      'done = last frame before [DONE] → [DONE] (the row is committed in that gap)',
  );
  console.log(
    `  chunks conc  target     ${pad('ttfb50', 7)} ${pad('ttfb99', 7)} ${pad('tot50', 7)} ${pad('tot99', 7)} ${pad('done50', 7)}  ${pad('req/s', 6)}  ${pad('gw', 6)} ${pad('pg', 6)} ${pad('up', 6)}`,
  );
  const view = (r: Run) => ({
    ttfb: dist(r.result.samples, (s) => s.ttfb),
    total: dist(r.result.samples, (s) => s.total),
    wait: dist(r.result.samples, (s) => s.done - s.last),
  });
  const streamSummary: string[] = [];
  for (const [c, chunks] of [...CONCURRENCY.map((c) => [c, CHUNKS]), [1, LONG_CHUNKS]]) {
    const d = view(find('direct', true, c, chunks));
    const g = view(find('gateway', true, c, chunks));
    for (const [name, v] of [
      ['direct', d],
      ['gateway', g],
    ] as const) {
      const run = find(name, true, c, chunks);
      console.log(
        `  ${pad(chunks, 6)} ${pad(c, 4)}  ${name.padEnd(9)}  ${pad(ms(v.ttfb.p50), 7)} ${pad(ms(v.ttfb.p99), 7)} ${pad(ms(v.total.p50), 7)} ${pad(ms(v.total.p99), 7)} ${pad(ms(v.wait.p50), 7)}  ${rps(run)}  ${cpu(run)}`,
      );
    }
    console.log(
      `  ${pad(chunks, 6)} ${pad(c, 4)}  overhead   ${pad(signed(g.ttfb.p50 - d.ttfb.p50), 7)} ${pad(signed(g.ttfb.p99 - d.ttfb.p99), 7)} ${pad(signed(g.total.p50 - d.total.p50), 7)} ${pad(signed(g.total.p99 - d.total.p99), 7)} ${pad(signed(g.wait.p50 - d.wait.p50), 7)}`,
    );
    if (chunks === CHUNKS) {
      streamSummary.push(
        `ttfb +${ms(g.ttfb.p50 - d.ttfb.p50)}/+${ms(g.ttfb.p99 - d.ttfb.p99)} ms, total +${ms(g.total.p50 - d.total.p50)}/+${ms(g.total.p99 - d.total.p99)} ms (p50/p99) at concurrency ${c}`,
      );
    }
  }
  // Per chunk: the slope between the short and the long stream at concurrency 1, gateway minus direct.
  const overheadAt = (chunks: number) =>
    view(find('gateway', true, 1, chunks)).total.p50 - view(find('direct', true, 1, chunks)).total.p50;
  const perChunkUs = ((overheadAt(LONG_CHUNKS) - overheadAt(CHUNKS)) / (LONG_CHUNKS - CHUNKS)) * 1000;
  const cpuPerChunkUs =
    ((find('gateway', true, 1, LONG_CHUNKS).delta.gatewayCpuMs - find('gateway', true, 1, CHUNKS).delta.gatewayCpuMs) /
      REQUESTS /
      (LONG_CHUNKS - CHUNKS)) *
    1000;
  console.log(
    `  per chunk added: ${perChunkUs.toFixed(1)} µs of latency (p50 total overhead, ${LONG_CHUNKS} vs ${CHUNKS} chunks, concurrency 1), ` +
      `${cpuPerChunkUs.toFixed(1)} µs of gateway CPU`,
  );
  streamSummary.push(`${perChunkUs.toFixed(0)} µs latency and ${cpuPerChunkUs.toFixed(0)} µs gateway CPU per chunk`);

  console.log('\nGroup commit (routing-log rows per INSERT, measured requests only):');
  const commit: string[] = [];
  for (const r of runs.filter((run) => run.target === 'gateway')) {
    const { inserts, committed, rows, insertSeconds } = r.delta;
    const perInsert = inserts > 0 ? rows / inserts : Number.NaN;
    console.log(
      `  ${(r.stream ? `stream${r.chunks}` : 'json').padEnd(9)} c=${pad(r.concurrency, 2)}: ${rows} rows (${committed} committed per tally_durable_rows_total) ` +
        `in ${inserts} INSERTs (tally_durable_write_seconds_count) = ${perInsert.toFixed(2)} rows per INSERT, ` +
        `mean INSERT ${inserts > 0 ? ms((insertSeconds / inserts) * 1000) : 'n/a'} ms`,
    );
    if (r.concurrency === Math.max(...CONCURRENCY)) commit.push(`${perInsert.toFixed(1)} (${r.stream ? 'stream' : 'json'})`);
  }

  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `\nCPU columns: µs of CPU per measured request in the gateway (gw), PostgreSQL (pg) and the upstream (up) processes.`,
  );
  console.log(`load average after the runs: ${load} on ${cpus().length} CPUs`);
  console.log(
    `\nSummary: gateway overhead ${summary.join('; ')} (non-streaming); streaming ${streamSummary.join('; ')}; ` +
      `rows per INSERT at concurrency ${Math.max(...CONCURRENCY)}: ${commit.join(', ')}; every request's row verified; load ${load} on ${cpus().length} CPUs.`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
