/**
 * The report of `npm run bench:gateway`: per-run lines, then the table (direct, the node proxy
 * floor, Tally, Portkey, Tally/Portkey) with each target, all from the runs of one interleaved invocation.
 */
import type { Sample } from './gateway-client.js';

/** `floor`: a node:http proxy that only relays (bench/support/node-proxy.mjs). */
export type Target = 'direct' | 'tally' | 'portkey' | 'floor';
export type Scenario = string;

export interface Measured {
  readonly scenario: Scenario;
  readonly target: Target;
  readonly stream: boolean;
  readonly mixed: boolean;
  readonly concurrency: number;
  readonly chunks: number;
  readonly requests: number;
  readonly samples: Sample[];
  readonly wallMs: number;
  readonly failures: number;
  /** CPU over the measured requests: the gateway process, Tally's PostgreSQL (Tally runs only), the upstream. */
  readonly cpuMs: { gateway: number; postgres: number; upstream: number };
  readonly peakRssMb: number | undefined;
  readonly inserts: number | undefined;
  readonly insertSeconds: number | undefined;
  readonly rowsAfter: number;
  readonly anonymizedRowsAfter: number;
}

export interface Memory {
  readonly idleDefaultMb: number;
  readonly idle: { tally: number; portkey: number };
  readonly afterLoad: { tally: number; portkey: number };
  readonly longChunks: number;
  readonly chunks: number;
  readonly throughputScenario: string;
  readonly streamsScenario: string;
}

export interface TableRow {
  readonly measure: string;
  readonly direct: number | null;
  /** The same measure through the do-nothing node proxy (where it applies). */
  readonly floor: number | null;
  readonly tally: number | null;
  readonly portkey: number | null;
  readonly ratio: number | null;
  readonly target: string;
  readonly met: boolean | null;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const pick = (runs: Measured[], scenario: string, target: Target) =>
  runs.filter((r) => r.scenario === scenario && r.target === target);

function q(runs: Measured[], scenario: string, target: Target, field: (s: Sample) => number, p: number): number {
  const values = pick(runs, scenario, target)
    .flatMap((r) => r.samples.map(field))
    .sort((a, b) => a - b);
  return percentile(values, p);
}

function sum(runs: Measured[], scenario: string, target: Target, f: (r: Measured) => number): number {
  return pick(runs, scenario, target).reduce((total, r) => total + f(r), 0);
}

const fmt = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));

export function report(runs: Measured[], memory: Memory): { table: TableRow[]; runs: unknown[] } {
  const total = (s: Sample) => s.total;
  const ttfb = (s: Sample) => s.ttfb;
  const added = (scenario: string, target: Target, field: (s: Sample) => number, p: number) =>
    q(runs, scenario, target, field, p) - q(runs, scenario, 'direct', field, p);
  const perRequestUs = (scenario: string, target: Target, f: (r: Measured) => number) =>
    (sum(runs, scenario, target, f) / sum(runs, scenario, target, (r) => r.requests)) * 1000;
  const rps = (scenario: string, target: Target) =>
    sum(runs, scenario, target, (r) => r.samples.length) / (sum(runs, scenario, target, (r) => r.wallMs) / 1000);
  const perChunkUs = (target: Target) =>
    ((added('long-c1', target, total, 50) - added('stream-c1', target, total, 50)) / (memory.longChunks - memory.chunks)) * 1000;
  const T = memory.throughputScenario;
  const S = memory.streamsScenario;
  const row = (
    measure: string,
    direct: number | null,
    tally: number | null,
    portkey: number | null,
    target: string,
    met: (tally: number, ratio: number | null) => boolean,
    floor: number | null = null,
  ): TableRow => {
    // A scenario this run skipped (BENCH_SCENARIOS) has no figure: shown as —, neither met nor missed.
    const known = (v: number | null) => (v === null || Number.isNaN(v) ? null : v);
    const [t, p] = [known(tally), known(portkey)];
    const ratio = t !== null && p !== null && p !== 0 ? t / p : null;
    return {
      measure,
      direct: known(direct),
      floor: known(floor),
      tally: t,
      portkey: p,
      ratio,
      target,
      met: t === null ? null : met(t, ratio),
    };
  };
  /** `value()` when the run measured `target` in `scenario`, else null (shown as —). */
  const ifRan = (scenario: string, target: Target, value: () => number | null) =>
    pick(runs, scenario, target).length > 0 ? value() : null;
  const ifFloor = (scenario: string, value: () => number | null) => ifRan(scenario, 'floor', value);
  const tallyCpu = perRequestUs(T, 'tally', (r) => r.cpuMs.gateway + r.cpuMs.postgres);
  const portkeyCpu = perRequestUs(T, 'portkey', (r) => r.cpuMs.gateway);
  const wall = (target: Target) => ifRan(S, target, () => sum(runs, S, target, (r) => r.wallMs));
  const anonOff = added('anon-off', 'tally', total, 50);
  const anonOn = q(runs, 'anon-on', 'tally', total, 50) - q(runs, 'anon-off', 'direct', total, 50);
  const failures = (target: Target) => ifRan(S, target, () => sum(runs, S, target, (r) => r.failures));
  const table: TableRow[] = [
    row(
      'added latency, non-streamed, c1, p50 (ms)',
      null,
      added('json-c1', 'tally', total, 50),
      added('json-c1', 'portkey', total, 50),
      '≤ 0.8 × Portkey',
      (_t, r) => r !== null && r <= 0.8,
      ifFloor('json-c1', () => added('json-c1', 'floor', total, 50)),
    ),
    row(
      'added latency, non-streamed, c1, p99 (ms)',
      null,
      added('json-c1', 'tally', total, 99),
      added('json-c1', 'portkey', total, 99),
      '≤ 1.0 × Portkey',
      (_t, r) => r !== null && r <= 1,
      ifFloor('json-c1', () => added('json-c1', 'floor', total, 99)),
    ),
    row(
      'added time to first byte, streamed, p50 (ms)',
      null,
      added('stream-c1', 'tally', ttfb, 50),
      added('stream-c1', 'portkey', ttfb, 50),
      '≤ 0.6 × Portkey',
      (_t, r) => r !== null && r <= 0.6,
      ifFloor('stream-c1', () => added('stream-c1', 'floor', ttfb, 50)),
    ),
    row(
      `added per-chunk time (µs, slope ${memory.chunks}→${memory.longChunks} chunks)`,
      null,
      perChunkUs('tally'),
      perChunkUs('portkey'),
      '≤ 10 µs',
      (t) => t <= 10,
      ifFloor('long-c1', () => perChunkUs('floor')),
    ),
    row(
      `CPU per request, ${T} (µs; Tally with its PostgreSQL)`,
      null,
      tallyCpu,
      portkeyCpu,
      '≤ 0.6 × Portkey',
      (_t, r) => r !== null && r <= 0.6,
      ifFloor(T, () => perRequestUs(T, 'floor', (r) => r.cpuMs.gateway)),
    ),
    row(
      `  of which Tally's node process / PostgreSQL (µs)`,
      null,
      perRequestUs(T, 'tally', (r) => r.cpuMs.gateway),
      null,
      '',
      () => true,
    ),
    row(
      `  of which PostgreSQL (µs)`,
      null,
      perRequestUs(T, 'tally', (r) => r.cpuMs.postgres),
      null,
      '',
      () => true,
    ),
    row(
      `requests/s, ${T} (half streamed)`,
      rps(T, 'direct'),
      rps(T, 'tally'),
      rps(T, 'portkey'),
      '≥ 1.5 × Portkey',
      (_t, r) => r !== null && r >= 1.5,
      ifFloor(T, () => rps(T, 'floor')),
    ),
    row(
      `${S}: errors`,
      failures('direct'),
      failures('tally'),
      failures('portkey'),
      '0',
      (t) => t === 0,
      ifFloor(S, () => failures('floor')),
    ),
    row(
      `${S}: wall time (ms)`,
      wall('direct'),
      wall('tally'),
      wall('portkey'),
      '≤ 2 × direct',
      (t) => {
        const direct = wall('direct');
        return direct !== null && t <= 2 * direct;
      },
      ifFloor(S, () => wall('floor')),
    ),
    row('RSS idle (MB)', null, memory.idle.tally, memory.idle.portkey, '', () => true),
    row('RSS idle, config/gateway.yaml (MB)', null, memory.idleDefaultMb, null, '≤ 120 MB', (t) => t <= 120),
    row(
      `RSS peak during ${S} (MB)`,
      null,
      pick(runs, S, 'tally')[0]?.peakRssMb ?? null,
      pick(runs, S, 'portkey')[0]?.peakRssMb ?? null,
      '≤ 300 MB',
      (t) => t <= 300,
    ),
    row('RSS after load (MB)', null, memory.afterLoad.tally, memory.afterLoad.portkey, '', () => true),
    row(
      'anonymization (2 kB, 10 entities, tier 4): added p50 on / off (ms)',
      null,
      anonOn,
      anonOff,
      '≤ 1.5 × off',
      (t) => anonOff > 0 && t / anonOff <= 1.5,
    ),
    row(
      `routing-log rows per INSERT, ${T}`,
      null,
      sum(runs, T, 'tally', (r) => r.requests) / sum(runs, T, 'tally', (r) => r.inserts ?? 0),
      null,
      '',
      () => true,
    ),
    row(
      'mean INSERT, json-c1 (ms)',
      null,
      (sum(runs, 'json-c1', 'tally', (r) => r.insertSeconds ?? 0) * 1000) / sum(runs, 'json-c1', 'tally', (r) => r.inserts ?? 0),
      null,
      '',
      () => true,
    ),
    row(
      'gateway CPU per request, json-c1 (µs; Tally without PostgreSQL)',
      null,
      perRequestUs('json-c1', 'tally', (r) => r.cpuMs.gateway),
      perRequestUs('json-c1', 'portkey', (r) => r.cpuMs.gateway),
      '',
      () => true,
      ifFloor('json-c1', () => perRequestUs('json-c1', 'floor', (r) => r.cpuMs.gateway)),
    ),
  ];

  console.log('\nPer run (ms from request start; CPU µs per request):');
  console.log(
    `  ${'scenario'.padEnd(12)} ${'target'.padEnd(8)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'ttfb50'.padStart(7)} ${'req/s'.padStart(7)} ${'gw'.padStart(6)} ${'pg'.padStart(6)} ${'up'.padStart(6)}`,
  );
  const perRun = runs.map((r) => {
    const totals = r.samples.map(total).sort((a, b) => a - b);
    const ttfbs = r.samples.map(ttfb).sort((a, b) => a - b);
    const line = {
      scenario: r.scenario,
      target: r.target,
      concurrency: r.concurrency,
      chunks: r.chunks,
      stream: r.stream,
      mixed: r.mixed,
      requests: r.requests,
      failures: r.failures,
      wallMs: r.wallMs,
      p50: percentile(totals, 50),
      p99: percentile(totals, 99),
      ttfbP50: percentile(ttfbs, 50),
      ttfbP99: percentile(ttfbs, 99),
      rps: r.samples.length / (r.wallMs / 1000),
      cpuUsPerRequest: {
        gateway: (r.cpuMs.gateway / r.requests) * 1000,
        postgres: (r.cpuMs.postgres / r.requests) * 1000,
        upstream: (r.cpuMs.upstream / r.requests) * 1000,
      },
      peakRssMb: r.peakRssMb,
      inserts: r.inserts,
      insertSeconds: r.insertSeconds,
      rowsAfter: r.rowsAfter,
    };
    console.log(
      `  ${r.scenario.padEnd(12)} ${r.target.padEnd(8)} ${fmt(line.p50).padStart(7)} ${fmt(line.p99).padStart(7)} ${fmt(line.ttfbP50).padStart(7)} ${fmt(line.rps, 0).padStart(7)} ${fmt(line.cpuUsPerRequest.gateway, 0).padStart(6)} ${fmt(line.cpuUsPerRequest.postgres, 0).padStart(6)} ${fmt(line.cpuUsPerRequest.upstream, 0).padStart(6)}`,
    );
    return line;
  });

  console.log('\n(floor: a node:http proxy that only relays, bench/support/node-proxy.mjs)');
  console.log('| measure (same run) | direct | floor | Tally | Portkey | Tally/Portkey | target | met |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of table) {
    const digits = /µs|req|MB|errors|wall/.test(r.measure) ? 0 : 2;
    console.log(
      `| ${r.measure} | ${fmt(r.direct, digits)} | ${fmt(r.floor, digits)} | ${fmt(r.tally, digits)} | ${fmt(r.portkey, digits)} | ${fmt(r.ratio)} | ${r.target} | ${r.met === null || !r.target ? '' : r.met ? 'yes' : 'NO'} |`,
    );
  }
  return { table, runs: perRun };
}
