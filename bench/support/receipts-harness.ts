import { spawn } from 'node:child_process';
import type pg from 'pg';

/** The p-th percentile of an ascending list (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A JSON call with the key; throws with the status and body when it is not 2xx. */
export async function json(url: string, key: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** 1,000 turns: a user message, a routing-log row, then the assistant message, 1 s apart. */
export async function seedTurns(db: pg.Pool, chatId: string, userId: string, turns: number): Promise<void> {
  const base = Date.now() - turns * 1000 - 60_000;
  await db.query(
    `INSERT INTO messages (id, chat_id, role, kind, content, created_at)
     SELECT gen_random_uuid(), $1, 'user', 'user', 'question ' || g, to_timestamp(($2::bigint + g * 1000) / 1000.0)
       FROM generate_series(1, $3) g`,
    [chatId, base, turns],
  );
  await db.query(
    `WITH turns AS (SELECT g, gen_random_uuid() AS message_id FROM generate_series(1, $3) g),
          routed AS (
            INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, chat_id, message_id, requested_model,
              routed_provider, routed_model, routed_inference_tier, stream, outcome, tokens_in, tokens_out, cost_usd,
              latency_ms, ttft_ms, anonymization_applied, anonymization_skip_reason)
            SELECT gen_random_uuid(), 'req_bench_' || g, to_timestamp(($2::bigint + g * 1000 + 5) / 1000.0), $4, $1, message_id,
                   'smart', 'openai', 'gpt-4.1-mini', 4, true, 'completed', 300 + g % 50, 400 + g % 70, 0.000812, 900, 120,
                   g % 2 = 0, CASE WHEN g % 2 = 0 THEN NULL ELSE 'privileged' END
              FROM turns
            RETURNING message_id, "timestamp")
     INSERT INTO messages (id, chat_id, role, kind, content, requested_model, routed_provider, routed_model,
       routed_inference_tier, prompt_tokens, completion_tokens, created_at)
     SELECT message_id, $1, 'assistant', 'ai', repeat('answer ', 40), 'smart', 'openai', 'gpt-4.1-mini', 4, 300, 400,
            "timestamp" + interval '700 milliseconds'
       FROM routed`,
    [chatId, base, turns, userId],
  );
}

/**
 * The HTTP client runs in a separate process, as a real one would: the server's timings and RSS are
 * not mixed with the client's work. `export` streams a download and counts lines; `reads` does
 * sequential GETs and reports each one's latency (time to the last byte).
 */
const CLIENT = `
const { BENCH_URL: url, BENCH_KEY: key, BENCH_MODE: mode } = process.env;
const headers = { authorization: 'Bearer ' + key };
if (mode === 'export') {
  const res = await fetch(url, { headers });
  let bytes = 0, lines = 0;
  for await (const chunk of res.body) { bytes += chunk.byteLength; for (const b of chunk) if (b === 10) lines++; }
  console.log(JSON.stringify({ status: res.status, type: res.headers.get('content-type'), bytes, lines }));
} else {
  const read = async () => {
    const started = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error('receipts read: ' + res.status + ' ' + body.slice(0, 200));
    return { ms: performance.now() - started, body };
  };
  let events = 0;
  for (let i = 0; i < Number(process.env.BENCH_WARMUP); i++) events = JSON.parse((await read()).body).length;
  const samples = [];
  for (let i = 0; i < Number(process.env.BENCH_READS); i++) samples.push((await read()).ms);
  console.log(JSON.stringify({ events, samples }));
}
`;

export function receiptsClient<T>(
  mode: 'export' | 'reads',
  url: string,
  key: string,
  counts: { warmup: number; reads: number },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        BENCH_MODE: mode,
        BENCH_URL: url,
        BENCH_KEY: key,
        BENCH_WARMUP: String(counts.warmup),
        BENCH_READS: String(counts.reads),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`client exited ${code}`))));
  });
}
