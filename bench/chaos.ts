/**
 * `npm run chaos`: every fault scenario against the real service (its own process), an embedded
 * PostgreSQL and fake upstreams on loopback, at larger sizes than `npm test`. Prints one table:
 * scenario, requests, rows, lost, duplicated, 5xx, seconds. Exits 1 when any scenario fails its checks.
 * `--quick` runs smaller sizes; `--only=outage,hang,sigkill,sigterm,faults,aborts,fuzz` picks scenarios.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { completionOf, FakeOpenAi, sleep, streamOf } from '../test/support/fake-openai.js';
import { FAULTS } from '../test/support/faults.js';
import { fuzzCase, prng } from '../test/support/fuzz.js';
import { type ServiceProcess, spawnService } from '../test/support/service-process.js';
import { ADMIN_KEY, postSse } from '../test/support/test-app.js';

interface Row {
  scenario: string;
  requests: number;
  rows: number;
  lost: number;
  duplicated: number;
  fivexx: number;
  seconds: number;
  ok: boolean;
  note: string;
}

const results: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tally-chaos-'));
let database: EmbeddedDatabase;
let admin: pg.Pool;
const fake = new FakeOpenAi();

function yaml(): string {
  return `providers:
  - { name: sim, type: simulated, tier: 1, models: [quick, slow], options: { ttft_ms: 5, chunk_ms: 20 } }
  - { name: sim-slow, type: simulated, tier: 1, models: [s], options: { ttft_ms: 5, chunk_ms: 600 } }
  - { name: up, type: openai_compatible, base_url: "${fake.baseUrl}", tier: 1, timeout_s: 0.5, max_duration_s: 1.5, models: [m] }
anonymization: { enabled: false }
limits: { rate_per_key: { requests_per_minute: 100000000, burst: 1000000 }, concurrent_streams_per_key: 10000 }
`;
}

async function freshService(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<{ service: ServiceProcess; db: pg.Pool; env: Record<string, string> }> {
  const dbName = `chaos_${name.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(database.url);
  url.pathname = `/${dbName}`;
  writeFileSync(join(dir, 'gateway.yaml'), yaml());
  const env = {
    DATABASE_URL: url.toString(),
    DATA_DIR: join(dir, `data-${dbName}`),
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    ADMIN_API_KEY: ADMIN_KEY,
    SHUTDOWN_GRACE_MS: '2000',
    LOG_LEVEL: 'error',
    ...extraEnv,
  };
  const service = await spawnService(env);
  const db = new pg.Pool({ connectionString: url.toString(), max: 2 });
  db.on('error', () => undefined);
  return { service, db, env };
}

async function stop(service: ServiceProcess, db: pg.Pool): Promise<void> {
  service.proc.kill('SIGTERM');
  await service.exited;
  await db.end();
}

async function member(url: string): Promise<string> {
  const res = await fetch(`${url}/admin/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${randomBytes(5).toString('hex')}@example.com` }),
  });
  const key = ((await res.json()) as { api_key: { key: string } }).api_key.key;
  await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }); // known before any outage
  return key;
}

async function counts(
  db: pg.Pool,
  prefix: string,
): Promise<{ rows: number; distinct: number; outcomes: Record<string, number> }> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS distinct, json_object_agg(outcome, n) AS outcomes
       FROM (SELECT request_id, outcome, count(*) OVER (PARTITION BY outcome)::int AS n FROM inference_routing_log WHERE request_id LIKE $1) t`,
    [`${prefix}%`],
  );
  return { rows: rows[0].rows, distinct: rows[0].distinct, outcomes: rows[0].outcomes ?? {} };
}

async function waitDrained(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const state = (await (await fetch(`${url}/ready`)).json()) as { status: string; spool_depth: number };
      if (state.status === 'ready' && state.spool_depth === 0) return;
    } catch {
      // restarting
    }
    if (Date.now() > deadline) throw new Error('spool did not drain');
    await sleep(100);
  }
}

function record(row: Omit<Row, 'lost' | 'duplicated'> & { distinct: number; expectedRows: number }): void {
  const lost = Math.max(0, row.expectedRows - row.distinct);
  const duplicated = row.rows - row.distinct;
  results.push({
    scenario: row.scenario,
    requests: row.requests,
    rows: row.rows,
    lost,
    duplicated,
    fivexx: row.fivexx,
    seconds: row.seconds,
    ok: row.ok && lost === 0 && duplicated === 0,
    note: row.note,
  });
  const last = results.at(-1)!;
  process.stderr.write(`${last.ok ? 'ok  ' : 'FAIL'} ${last.scenario} (${last.seconds.toFixed(1)} s) ${last.note}\n`);
}

/** Mixed streamed / non-streamed completions from `workers` clients while `disrupt` runs. */
async function trafficDuring(
  url: string,
  key: string,
  prefix: string,
  total: number,
  disrupt: (started: () => number) => Promise<void>,
) {
  let started = 0;
  let fivexx = 0;
  let broken = 0;
  const one = async (i: number) => {
    const stream = i % 2 === 0;
    const res = await postSse(
      url,
      key,
      { model: 'up/m', stream, messages: [{ role: 'user', content: `n${i}` }] },
      { headers: { 'X-Request-Id': `${prefix}${i}` } },
    );
    if (res.status >= 500) fivexx++;
    if (res.status !== 200 || (stream && (res.frames.at(-1) !== '[DONE]' || res.raw.includes('"error"')))) broken++;
  };
  const worker = async () => {
    while (started < total) {
      await one(started++);
      await sleep(15);
    }
  };
  const workers = Promise.all(Array.from({ length: 10 }, worker));
  await disrupt(() => started);
  await workers;
  return { fivexx, broken };
}

function postgresPids(): number[] {
  const postmaster = Number.parseInt(readFileSync(join(dir, 'pg-owner', 'pg', 'postmaster.pid'), 'utf8').split('\n')[0], 10);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter(Number.isFinite);
  return [postmaster, ...children];
}

async function databaseOutage(kind: 'stopped' | 'hung', seconds: number): Promise<void> {
  const scenario = `postgres ${kind} ${seconds} s mid-traffic`;
  const t0 = performance.now();
  fake.behaviour = (body) =>
    body.stream ? streamOf(['a', 'b', 'c', 'd', 'e'], { prompt: 3, completion: 5 }, 20) : completionOf('ok');
  const { service, db } = await freshService(kind);
  const key = await member(service.url);
  const total = 200;
  const { fivexx, broken } = await trafficDuring(service.url, key, 'o-', total, async (started) => {
    while (started() < 40) await sleep(10);
    if (kind === 'stopped') {
      await database.stop();
      await sleep(seconds * 1000);
      await database.start();
    } else {
      const pids = postgresPids();
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      await sleep(seconds * 1000);
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
  });
  await waitDrained(service.url);
  const c = await counts(db, 'o-');
  record({
    scenario,
    requests: total,
    rows: c.rows,
    distinct: c.distinct,
    expectedRows: total,
    fivexx,
    seconds: (performance.now() - t0) / 1000,
    ok: broken === 0 && fivexx === 0,
    note: `${broken} broken answers`,
  });
  await stop(service, db);
}

async function sigkillWithSpool(): Promise<void> {
  const t0 = performance.now();
  fake.behaviour = (body) => (body.stream ? streamOf(['a', 'b'], { prompt: 3, completion: 2 }, 5) : completionOf('ok'));
  const first = await freshService('kill');
  const key = await member(first.service.url);
  await database.stop();
  const total = 100;
  let fivexx = 0;
  for (let i = 0; i < total; i++) {
    const res = await postSse(
      first.service.url,
      key,
      { model: 'up/m', stream: i % 2 === 0, messages: [{ role: 'user', content: `k${i}` }] },
      { headers: { 'X-Request-Id': `k-${i}` } },
    );
    if (res.status >= 500) fivexx++;
  }
  const spooled = ((await (await fetch(`${first.service.url}/ready`)).json()) as { spool_depth: number }).spool_depth;
  first.service.proc.kill('SIGKILL');
  await first.service.exited;
  await database.start();
  const second = await spawnService(first.env);
  await waitDrained(second.url);
  const c = await counts(first.db, 'k-');
  record({
    scenario: 'SIGKILL with rows spooled, restart',
    requests: total,
    rows: c.rows,
    distinct: c.distinct,
    expectedRows: total,
    fivexx,
    seconds: (performance.now() - t0) / 1000,
    ok: spooled === total && fivexx === 0,
    note: `${spooled} spooled at kill`,
  });
  await stop(second, first.db);
}

async function sigtermLiveStreams(): Promise<void> {
  const t0 = performance.now();
  const { service, db } = await freshService('term', { SHUTDOWN_GRACE_MS: '2000' });
  const key = await member(service.url);
  const total = 50;
  let firstFrames = 0;
  const streams = Array.from({ length: total }, (_, i) =>
    postSse(
      service.url,
      key,
      { model: i % 2 ? 'sim-slow/s' : 'sim/quick', stream: true, messages: [{ role: 'user', content: `t${i}` }] },
      {
        headers: { 'X-Request-Id': `t-${i}` },
        onFrame: (_d, index) => {
          if (index === 0) firstFrames++;
          return undefined;
        },
      },
    ),
  );
  while (firstFrames < total) await sleep(10);
  const signalled = performance.now();
  service.proc.kill('SIGTERM');
  const results = await Promise.all(streams);
  const exit = await service.exited;
  const exitSeconds = (performance.now() - signalled) / 1000;
  const terminal = results.filter((r) => r.frames.at(-1) === '[DONE]').length;
  const c = await counts(db, 't-');
  record({
    scenario: 'SIGTERM during 50 live streams',
    requests: total,
    rows: c.rows,
    distinct: c.distinct,
    expectedRows: total,
    fivexx: 0,
    seconds: (performance.now() - t0) / 1000,
    ok: terminal === total && exit.code === 0 && exitSeconds < 2 + 3,
    note: `exit ${exit.code} after ${exitSeconds.toFixed(2)} s; ${terminal}/${total} ended with [DONE]; ${JSON.stringify(c.outcomes)}`,
  });
  await db.end();
}

async function upstreamFaults(perFault: number): Promise<void> {
  const { service, db } = await freshService('faults');
  const key = await member(service.url);
  for (const [label, fault] of Object.entries(FAULTS)) {
    for (const stream of [true, false]) {
      const t0 = performance.now();
      fake.behaviour = () => fault.behaviour;
      const prefix = `f-${label.replace(/\W+/g, '-')}-${stream}-`;
      let fivexx = 0;
      let unanswered = 0;
      await Promise.all(
        Array.from({ length: perFault }, async (_, i) => {
          const res = await postSse(
            service.url,
            key,
            { model: 'up/m', stream, messages: [{ role: 'user', content: 'x' }] },
            { headers: { 'X-Request-Id': `${prefix}${i}` } },
          );
          if (res.status >= 500) fivexx++;
          const errored = res.status >= 400 || (res.frames.at(-1) === '[DONE]' && res.raw.includes('"error"'));
          if (!errored) unanswered++;
        }),
      );
      const c = await counts(db, prefix);
      record({
        scenario: `upstream: ${label} (${stream ? 'stream' : 'json'})`,
        requests: perFault,
        rows: c.rows,
        distinct: c.distinct,
        expectedRows: perFault,
        fivexx,
        seconds: (performance.now() - t0) / 1000,
        ok: unanswered === 0 && (c.outcomes.failed ?? 0) === perFault,
        note: fivexx ? 'status before the first byte (expected 502/503)' : 'error frame + [DONE]',
      });
    }
  }
  await stop(service, db);
}

async function clientAborts(reps: number): Promise<void> {
  const t0 = performance.now();
  const { service, db } = await freshService('aborts');
  const key = await member(service.url);
  const pieces = Array.from({ length: 18 }, (_, i) => `p${i} `);
  fake.behaviour = () => streamOf(pieces, { prompt: 3, completion: 18 }, 15, 500);
  const runs: Promise<unknown>[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (let cut = 0; cut < 20; cut++) {
      runs.push(
        postSse(
          service.url,
          key,
          { model: 'up/m', stream: true, messages: [{ role: 'user', content: 'x' }] },
          {
            headers: { 'X-Request-Id': `a-${rep}-${cut}` },
            closeOnHeaders: cut === 0,
            onFrame: (_d, index) => (index + 1 >= cut ? 'close' : undefined),
          },
        ),
      );
    }
  }
  await Promise.all(runs);
  const total = reps * 20;
  const deadline = Date.now() + 10_000;
  let c = await counts(db, 'a-');
  while (c.rows < total && Date.now() < deadline) {
    await sleep(50);
    c = await counts(db, 'a-');
  }
  record({
    scenario: 'client aborts at every chunk index of a 20-chunk stream',
    requests: total,
    rows: c.rows,
    distinct: c.distinct,
    expectedRows: total,
    fivexx: 0,
    seconds: (performance.now() - t0) / 1000,
    ok: (c.outcomes.client_closed ?? 0) === total,
    note: JSON.stringify(c.outcomes),
  });
  await stop(service, db);
}

function send(
  url: string,
  c: ReturnType<typeof fuzzCase>,
  key: string,
  requestId: string,
): Promise<{ status: number; code?: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'x-request-id': requestId };
    if (c.contentType) headers['content-type'] = c.contentType;
    if (c.auth !== 'none') headers.authorization = c.auth === 'garbage' ? 'Bearer garbage' : `Bearer ${key}`;
    if (c.body) headers['content-length'] = String(c.body.length);
    const req = httpRequest(`${url}${c.path}`, { method: c.method, headers });
    req.on('error', () => resolve({ status: 0 }));
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = JSON.parse(Buffer.concat(parts).toString('utf8'))?.error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, code });
      });
    });
    req.end(c.body);
  });
}

async function fuzz(total: number): Promise<void> {
  const t0 = performance.now();
  const { service, db } = await freshService('fuzz');
  const key = await member(service.url);
  const r = prng(Date.now() & 0xffffffff);
  let next = 0;
  let fivexx = 0;
  let socketErrors = 0;
  let completions = 0;
  const expectedIds = new Map<string, string>();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const c = fuzzCase(
        r,
        randomBytes(16)
          .toString('hex')
          .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-4$3-8$4-$5')
          .slice(0, 36),
      );
      const res = await send(service.url, c, c.auth === 'admin' ? ADMIN_KEY : key, `z-${i}`);
      if (res.status >= 500) fivexx++;
      if (res.status === 0) socketErrors++;
      if (
        c.path === '/v1/chat/completions' &&
        (res.status === 200 || ['invalid_model', 'tier_below_minimum', 'provider_unavailable'].includes(res.code ?? ''))
      ) {
        completions++;
        expectedIds.set(
          `z-${i}`,
          `${c.method} ${c.contentType} ${res.status} ${res.code} ${c.body?.subarray(0, 200).toString('utf8')}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const healthy = (await fetch(`${service.url}/health`)).status === 200 && (await fetch(`${service.url}/ready`)).status === 200;
  const c = await counts(db, 'z-');
  if (c.distinct !== completions) {
    const { rows } = await db.query(`SELECT request_id FROM inference_routing_log WHERE request_id LIKE 'z-%'`);
    const have = new Set(rows.map((row) => row.request_id as string));
    for (const [id, what] of expectedIds) if (!have.has(id)) process.stderr.write(`no row for ${id}: ${what}\n`);
    for (const id of have) if (!expectedIds.has(id)) process.stderr.write(`unexpected row for ${id}\n`);
  }
  record({
    scenario: `fuzz: ${total} hostile requests, every route`,
    requests: total,
    rows: c.rows,
    distinct: c.distinct,
    expectedRows: completions,
    fivexx,
    seconds: (performance.now() - t0) / 1000,
    ok: fivexx === 0 && socketErrors === 0 && healthy && c.distinct === completions,
    note: `${completions} became completions; ${socketErrors} socket errors; healthy after: ${healthy}`,
  });
  await stop(service, db);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  await fake.start();
  database = await startEmbeddedPostgres(join(dir, 'pg-owner'), 'postgres');
  admin = new pg.Pool({ connectionString: database.url, max: 2 });
  admin.on('error', () => undefined);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const scenarios: [string, () => Promise<void>][] = [
    ['outage', () => databaseOutage('stopped', quick ? 3 : 10)],
    ['hang', () => databaseOutage('hung', quick ? 3 : 5)],
    ['sigkill', sigkillWithSpool],
    ['sigterm', sigtermLiveStreams],
    ['faults', () => upstreamFaults(quick ? 5 : 20)],
    ['aborts', () => clientAborts(quick ? 1 : 5)],
    ['fuzz', () => fuzz(quick ? 2000 : 20_000)],
  ];
  try {
    for (const [name, run] of scenarios) if (!only || only.split(',').includes(name)) await run();
  } finally {
    await admin.end();
    await database.destroy();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const header = ['scenario', 'requests', 'rows', 'lost', 'duplicated', '5xx', 'seconds', 'result'];
  const lines = results.map((r) => [
    r.scenario,
    r.requests,
    r.rows,
    r.lost,
    r.duplicated,
    r.fivexx,
    r.seconds.toFixed(1),
    r.ok ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (cells: (string | number)[]) =>
    `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const line of lines) console.log(fmt(line));
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
