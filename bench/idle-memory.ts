/**
 * `npm run bench:memory`: Tally's memory at idle, as it runs in production (built to plain JavaScript,
 * `node …/src/main.js`, DATABASE_URL at an embedded PostgreSQL started here so its processes are not
 * counted), for the shipped config/gateway.yaml and for the same configuration without its simulated
 * providers. For each: RSS and process.memoryUsage() at each of `BENCH_IDLE_MS` (default 5000,30000)
 * after /health answers — V8's memory reducer shrinks the heap left over from start-up some 10–30 s
 * into an idle process, so both are shown — then the latency of the first request of each kind and the
 * RSS after them.
 *
 * BENCH_SPACES=1 prints V8's heap spaces at the last sample; BENCH_MODULES=1 also prints the CommonJS modules loaded at idle, by package; BENCH_SNAPSHOT_DIR=…
 * writes a heap snapshot at idle per configuration (open it in Chrome DevTools → Memory);
 * BENCH_ESM_LOG=file records every ES module resolved (test/support/record-modules.mjs; its loader
 * thread inflates the RSS of that run); BENCH_NODE_FLAGS='…' adds Node/V8 flags to Tally (experiments).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { buildTally, type GatewayProcess, startTally } from './gateway-processes.js';
import { rssMb } from './support/proc-stats.js';

const ADMIN_KEY = 'tly_bench_admin_key_0123456789abcdef';
const IDLE_MS = (process.env.BENCH_IDLE_MS ?? '5000,30000').split(',').map(Number);
const MODULES = process.env.BENCH_MODULES === '1';
const SNAPSHOT_DIR = process.env.BENCH_SNAPSHOT_DIR;
const ESM_LOG = process.env.BENCH_ESM_LOG;
const ROOT = join(import.meta.dirname, '..');

interface RoutingTarget {
  provider: string;
  model: string;
}
interface GatewayYaml {
  providers: { name: string; type: string }[];
  aliases: Record<string, { primary: RoutingTarget; fallback?: RoutingTarget[] }>;
  prices: Record<string, unknown>;
}

/** config/gateway.yaml with its simulated providers, their aliases and their prices taken out. */
function withoutSimulated(yamlText: string): string {
  const config = parse(yamlText) as GatewayYaml;
  const removed = new Set(config.providers.filter((p) => p.type === 'simulated').map((p) => p.name));
  config.providers = config.providers.filter((p) => !removed.has(p.name));
  for (const [name, alias] of Object.entries(config.aliases)) {
    if (removed.has(alias.primary.provider)) delete config.aliases[name];
    else if (alias.fallback) alias.fallback = alias.fallback.filter((t) => !removed.has(t.provider));
  }
  for (const key of Object.keys(config.prices)) if (removed.has(key.split('/')[0])) delete config.prices[key];
  return stringify(config);
}

function ask<T>(tally: GatewayProcess, message: Record<string, unknown>): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: { type: string }) => {
      if (reply.type !== message.type) return;
      tally.child.off('message', onMessage);
      resolve(reply as T);
    };
    tally.child.on('message', onMessage);
    tally.child.send(message);
  });
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function timed(what: string, request: () => Promise<Response>): Promise<string> {
  const started = performance.now();
  const res = await request();
  await res.text();
  const ms = performance.now() - started;
  if (!res.ok) throw new Error(`${what}: ${res.status}`);
  return `${what} ${ms.toFixed(0)} ms`;
}

function chat(url: string, key: string, model: string, content: string) {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content }] }),
  });
}

function packageOf(file: string): string {
  const at = file.lastIndexOf('node_modules/');
  if (at < 0) return file.startsWith(ROOT) ? '(tally)' : '(other)';
  const rest = file.slice(at + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

async function main(): Promise<void> {
  buildTally();
  const dir = mkdtempSync(join(tmpdir(), 'tally-memory-'));
  const database = await startEmbeddedPostgres(join(dir, 'pg-data'), 'tally');
  const defaultYaml = join(ROOT, 'config', 'gateway.yaml');
  const noSimYaml = join(dir, 'no-simulated.yaml');
  const { readFileSync } = await import('node:fs');
  writeFileSync(noSimYaml, withoutSimulated(readFileSync(defaultYaml, 'utf8')));
  const rows: string[] = [];
  try {
    for (const [label, gatewayConfig] of [
      ['config/gateway.yaml', defaultYaml],
      ['without simulated providers', noSimYaml],
    ] as const) {
      const tally = await startTally({
        databaseUrl: database.url,
        dataDir: join(dir, `data-${label.replace(/\W+/g, '-')}`),
        gatewayConfig,
        adminKey: ADMIN_KEY,
        nodeArgs: [
          '--import',
          join(import.meta.dirname, 'memory-probe.mjs'),
          ...(ESM_LOG ? ['--import', join(ROOT, 'test', 'support', 'record-modules.mjs')] : []),
          ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        ],
        env: ESM_LOG ? { TALLY_MODULE_LOG: `${ESM_LOG}.${label.replace(/\W+/g, '-')}` } : {},
        ipc: true,
      });
      try {
        const upAt = performance.now();
        for (const ms of IDLE_MS) {
          await new Promise((r) => setTimeout(r, Math.max(0, ms - (performance.now() - upAt))));
          const rss = rssMb(tally.pid)!;
          const { usage } = await ask<{ usage: NodeJS.MemoryUsage }>(tally, { type: 'memory' });
          const line = `${label} at ${ms / 1000} s: idle RSS ${rss.toFixed(1)} MB, heapUsed ${mb(usage.heapUsed)} MB, heapTotal ${mb(usage.heapTotal)} MB, external ${mb(usage.external)} MB, arrayBuffers ${mb(usage.arrayBuffers)} MB`;
          console.log(line);
          rows.push(line);
        }
        if (process.env.BENCH_SPACES === '1') {
          const { spaces } = await ask<{ spaces: import('node:v8').HeapSpaceInfo[] }>(tally, { type: 'spaces' });
          for (const space of spaces) {
            console.log(
              `    ${space.space_name.padEnd(24)} size ${mb(space.space_size)} MB, used ${mb(space.space_used_size)} MB`,
            );
          }
        }
        if (MODULES) {
          const { files } = await ask<{ files: string[] }>(tally, { type: 'modules' });
          const counts = new Map<string, number>();
          for (const file of files) counts.set(packageOf(file), (counts.get(packageOf(file)) ?? 0) + 1);
          console.log(`  CommonJS modules loaded: ${files.length}`);
          for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`    ${n}\t${name}`);
        }
        if (SNAPSHOT_DIR) {
          const file = join(SNAPSHOT_DIR, `idle-${label.replace(/\W+/g, '-')}.heapsnapshot`);
          await ask(tally, { type: 'snapshot', file });
          console.log(`  heap snapshot: ${file}`);
        }

        // The first request of each kind, in a process that has served nothing yet.
        const created = await fetch(`${tally.url}/admin/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email: `memory-${Date.now()}@example.com`, role: 'member' }),
        });
        if (created.status !== 201) throw new Error(`create user: ${created.status} ${await created.text()}`);
        const { api_key } = (await created.json()) as { api_key: { key: string } };
        const firsts: string[] = [];
        if (gatewayConfig === defaultYaml) {
          firsts.push(await timed('first chat (fast, simulated)', () => chat(tally.url, api_key.key, 'fast', 'Say hello.')));
          firsts.push(await timed('second chat', () => chat(tally.url, api_key.key, 'fast', 'Say hello again.')));
          firsts.push(
            await timed('first anonymized chat (cloud)', () =>
              chat(tally.url, api_key.key, 'cloud', 'Email Jane Miller at jane@example.com about Acme Corp.'),
            ),
          );
        }
        firsts.push(await timed('first /openapi.json', () => fetch(`${tally.url}/openapi.json`)));
        firsts.push(await timed('first /docs', () => fetch(`${tally.url}/docs`)));
        const after = `  ${firsts.join(', ')}; RSS after them ${rssMb(tally.pid)!.toFixed(1)} MB`;
        console.log(after);
        rows.push(after);
      } finally {
        await tally.stop();
      }
    }
  } finally {
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${rows.join('\n')}`);
}

await main();
