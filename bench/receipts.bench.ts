/**
 * Receipts benchmark (not part of `npm test`): `npm run bench:receipts`.
 *
 * 1. `GET /chats/:id/receipts` on a chat with 1,000 turns (2,000 messages + 1,000 routing-log rows):
 *    p50 / p99 over 200 sequential reads after a warm-up. Target: p99 < 25 ms.
 * 2. `GET /chats/:id/receipts/export.jsonl` on a chat with 100,000 events, read as a stream: wall time
 *    and peak RSS growth over the idle process. Target: < 50 MB.
 *
 * The service runs in this process against the embedded PostgreSQL (or DATABASE_URL); the HTTP client
 * runs in a child process over loopback, so latency is end to end and RSS is the server's alone. Data
 * is seeded with SQL, straight into the tables. Prints the load average: on a shared 2-core machine the
 * tail depends on what else runs.
 */
import 'reflect-metadata';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startBenchApp } from './support/bench-app.js';
import { json, percentile, receiptsClient, seedTurns } from './support/receipts-harness.js';

const ADMIN_KEY = 'tly_bench_admin_key_0123456789abcdef';
const TURNS = 1_000;
const READS = 200;
const WARMUP = 30;
const EXPORT_EVENTS = 100_000;

const YAML = `providers:
  - name: local-sim
    type: simulated
    tier: 1
    models: [sim-small]
anonymization:
  enabled: false
limits: { rate_per_key: { requests_per_minute: 100000000, burst: 1000000 } }
`;

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Peak RSS since the last reset, from the kernel (Linux); undefined elsewhere. */
function peakRss(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak-RSS mark to the current RSS (Linux: `5` to clear_refs). */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** `events` receipt events: half messages, a third routing rows, the rest audit rows, 1 ms apart. */
async function seedEvents(db: pg.Pool, chatId: string, userId: string, events: number): Promise<void> {
  const messages = Math.floor(events / 2);
  const routed = Math.floor(events / 3);
  const audits = events - messages - routed;
  const base = Date.now() - events - 60_000;
  await db.query(
    `INSERT INTO messages (id, chat_id, role, kind, content, prompt_tokens, completion_tokens, created_at)
     SELECT gen_random_uuid(), $1, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
            CASE WHEN g % 2 = 0 THEN 'user' ELSE 'ai' END, 'x', CASE WHEN g % 2 = 1 THEN 120 END, CASE WHEN g % 2 = 1 THEN 80 END,
            to_timestamp(($2::bigint + g * 2) / 1000.0)
       FROM generate_series(1, $3) g`,
    [chatId, base, messages],
  );
  await db.query(
    `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, chat_id, message_id, routed_provider, routed_model,
       routed_inference_tier, stream, outcome, tokens_in, tokens_out, cost_usd, anonymization_applied, anonymized_entities)
     SELECT gen_random_uuid(), 'req_export_' || g, to_timestamp(($2::bigint + g * 3 + 1) / 1000.0), $4, $1, gen_random_uuid(),
            'openai', 'gpt-4.1-mini', 4, true, 'completed', 120, 80, 0.000176, true, '{"PERSON":2,"EMAIL_ADDRESS":1}'::jsonb
       FROM generate_series(1, $3) g`,
    [chatId, base, routed, userId],
  );
  await db.query(
    `INSERT INTO audit_log (id, "timestamp", user_id, action, resource_type, resource_id, details)
     SELECT gen_random_uuid(), to_timestamp(($2::bigint + g * 6 + 2) / 1000.0), $4, 'chat.receipts_read', 'chat', $1::text,
            jsonb_build_object('owner_id', $4::uuid)
       FROM generate_series(1, $3) g`,
    [chatId, base, audits, userId],
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-receipts-'));
  // As root the embedded server runs as `postgres`, which must be able to reach its data directory.
  chmodSync(dir, 0o755);
  const { running, url, db } = await startBenchApp(dir, join(dir, 'data'), YAML, ADMIN_KEY);
  try {
    const { user, api_key } = await json(`${url}/admin/users`, ADMIN_KEY, {
      method: 'POST',
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, role: 'member' }),
    });
    const key: string = api_key.key;

    const chat = await json(`${url}/chats`, key, { method: 'POST', body: '{}' });
    const big = await json(`${url}/chats`, key, { method: 'POST', body: '{}' });
    console.log(`seeding a ${TURNS}-turn chat and a ${EXPORT_EVENTS}-event chat…`);
    await seedTurns(db, chat.id, user.id, TURNS);
    await seedEvents(db, big.id, user.id, EXPORT_EVENTS);
    await db.query('ANALYZE messages; ANALYZE inference_routing_log; ANALYZE audit_log');

    // Export first, so the idle baseline is the process before any large answer was built. The
    // client is another process: the RSS measured here is the server's alone.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 250));
    const idle = process.memoryUsage().rss;
    const kernelPeak = resetPeakRss();
    let sampledPeak = idle;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
    }, 2);
    const started = performance.now();
    const exported = await receiptsClient<{ status: number; type: string; bytes: number; lines: number }>(
      'export',
      `${url}/chats/${big.id}/receipts/export.jsonl`,
      key,
      { warmup: WARMUP, reads: READS },
    );
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    const peak = Math.max(sampledPeak, (kernelPeak && peakRss()) || 0);
    if (exported.status !== 200 || exported.lines !== EXPORT_EVENTS) throw new Error(`export: ${JSON.stringify(exported)}`);
    const { bytes, lines } = exported;

    const { events, samples } = await receiptsClient<{ events: number; samples: number[] }>(
      'reads',
      `${url}/chats/${chat.id}/receipts`,
      key,
      { warmup: WARMUP, reads: READS },
    );
    samples.sort((a, b) => a - b);

    console.log(`\nreceipts, ${TURNS} turns (${events} events), ${READS} sequential reads over HTTP:`);
    console.log(
      `  p50 ${percentile(samples, 50).toFixed(2)} ms   p99 ${percentile(samples, 99).toFixed(2)} ms   max ${samples.at(-1)!.toFixed(2)} ms   (target p99 < 25 ms)`,
    );
    console.log(`\nexport.jsonl, ${lines} events (${mb(bytes)} MB, ${exported.type}), streamed over HTTP to another process:`);
    console.log(`  time ${(elapsed / 1000).toFixed(2)} s (${Math.round(lines / (elapsed / 1000))} events/s)`);
    console.log(
      `  server RSS idle ${mb(idle)} MB, peak ${mb(peak)} MB, growth ${mb(peak - idle)} MB   (target < 50 MB; peak from ${kernelPeak ? 'the kernel (VmHWM) and ' : ''}2 ms sampling)`,
    );
    console.log(
      `\nload average while running: ${loadavg()
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
