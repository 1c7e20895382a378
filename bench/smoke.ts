/**
 * `npm run smoke -- --provider <name>`: proves one configured provider end to end through Tally. Starts
 * Tally in this process on the same gateway.yaml and environment `npm start` uses, then sends that
 * provider one non-streamed and one streamed completion (and an embedding when its type embeds),
 * printing each answer, its usage and its routing-log row (read back through `GET /admin/routing-log`).
 *
 * The database is a throwaway embedded PostgreSQL in a temporary directory (removed at the end), so a
 * smoke never touches the service's data and can run while the service does; `--database-url` (or
 * SMOKE_DATABASE_URL) uses that database instead. Options: `--model`, `--embedding-model`,
 * `--config <gateway.yaml>`, `--prompt`.
 *
 * Exit codes: 0 every call answered and left a completed row; 1 a call failed; 2 bad usage (no such
 * provider, its key is not set, no model to use).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunningApp } from '../src/app.factory.js';
import { type AppConfig, ConfigError, loadConfig, type ProviderConfig } from '../src/config/app-config.js';
import type { ProviderType } from '../src/config/gateway-config.schema.js';

/** Provider types with an embeddings operation (Anthropic has none). */
const EMBEDDING_TYPES = new Set<ProviderType>(['simulated', 'openai', 'openai_compatible', 'azure_openai', 'ollama']);
/** What a smoke prints of a routing-log row. */
const ROW_FIELDS = [
  'id',
  'request_id',
  'outcome',
  'routed_provider',
  'routed_model',
  'routed_inference_tier',
  'stream',
  'purpose',
  'tokens_in',
  'tokens_out',
  'cost_usd',
  'latency_ms',
  'ttft_ms',
  'anonymization_applied',
  'error_code',
  'fallbacks',
] as const;

class UsageError extends Error {}

interface Options {
  provider: string;
  model?: string;
  embeddingModel?: string;
  config?: string;
  databaseUrl?: string;
  prompt: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      provider: { type: 'string' },
      model: { type: 'string' },
      'embedding-model': { type: 'string' },
      config: { type: 'string' },
      'database-url': { type: 'string' },
      prompt: { type: 'string' },
    },
    strict: true,
  });
  if (!values.provider) throw new UsageError('usage: npm run smoke -- --provider <name> [--model <m>] [--embedding-model <m>]');
  return {
    provider: values.provider,
    model: values.model,
    embeddingModel: values['embedding-model'],
    config: values.config,
    databaseUrl: values['database-url'] ?? (process.env.SMOKE_DATABASE_URL || undefined),
    prompt: values.prompt ?? 'In one short sentence: what is 2 + 2?',
  };
}

/** The provider to smoke, switched on, with the models to use; a UsageError says what is missing. */
function choose(config: AppConfig, options: Options): { provider: ProviderConfig; model: string; embeddingModel?: string } {
  const provider = config.providers.find((p) => p.name === options.provider);
  if (!provider) {
    const names = config.providers.map((p) => p.name).join(', ');
    throw new UsageError(`no provider named "${options.provider}" in ${config.gatewayConfigPath} (configured: ${names})`);
  }
  if (!provider.enabled) {
    throw new UsageError(`provider ${provider.name} is off: ${provider.disabledReason}; set it (see .env.example) and run again`);
  }
  const isEmbedding = (m: string) => /embed/i.test(m);
  const model = options.model ?? provider.models.find((m) => !isEmbedding(m)) ?? provider.models[0];
  if (!model) throw new UsageError(`provider ${provider.name} lists no models; pass --model <name>`);
  const embeddingModel = EMBEDDING_TYPES.has(provider.type)
    ? (options.embeddingModel ?? provider.models.find(isEmbedding))
    : undefined;
  return { provider, model, embeddingModel };
}

interface Gateway {
  readonly url: string;
  readonly key: string;
}

async function post(gateway: Gateway, path: string, body: unknown, requestId: string): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(body),
  });
}

/** The routing-log row of `requestId` (committed before the answer ended: the receipt invariant). */
async function rowOf(gateway: Gateway, requestId: string): Promise<Record<string, unknown> | undefined> {
  const res = await fetch(`${gateway.url}/admin/routing-log?request_id=${encodeURIComponent(requestId)}`, {
    headers: { authorization: `Bearer ${gateway.key}` },
  });
  const page = (await res.json()) as { items?: Record<string, unknown>[] };
  return page.items?.[0];
}

/** Prints the row; true when it is one completed row. */
function printRow(row: Record<string, unknown> | undefined): boolean {
  if (!row) {
    console.log('row:    none found');
    return false;
  }
  console.log(`row:    ${JSON.stringify(Object.fromEntries(ROW_FIELDS.map((f) => [f, row[f] ?? null])))}`);
  return row.outcome === 'completed';
}

function printError(status: number, body: unknown): void {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  console.log(`error:  HTTP ${status} ${error?.code ?? ''}: ${error?.message ?? JSON.stringify(body)}`);
}

async function nonStreamed(gateway: Gateway, model: string, prompt: string, requestId: string): Promise<boolean> {
  console.log('\n── non-streamed completion');
  const res = await post(gateway, '/v1/chat/completions', { model, messages: [{ role: 'user', content: prompt }] }, requestId);
  const body = (await res.json()) as {
    choices?: { message?: { content?: string | null }; finish_reason?: string }[];
    usage?: unknown;
    cost_estimate?: number;
  };
  if (res.status !== 200) {
    printError(res.status, body);
    printRow(await rowOf(gateway, requestId));
    return false;
  }
  console.log(`answer: ${body.choices?.[0]?.message?.content ?? ''}`);
  console.log(`finish: ${body.choices?.[0]?.finish_reason ?? ''}`);
  console.log(
    `usage:  ${JSON.stringify(body.usage ?? null)}${body.cost_estimate === undefined ? '' : ` cost $${body.cost_estimate}`}`,
  );
  return printRow(await rowOf(gateway, requestId));
}

async function streamed(gateway: Gateway, model: string, prompt: string, requestId: string): Promise<boolean> {
  console.log('\n── streamed completion');
  const res = await post(
    gateway,
    '/v1/chat/completions',
    { model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: prompt }] },
    requestId,
  );
  if (res.status !== 200 || !res.body) {
    printError(res.status, await res.json().catch(() => null));
    printRow(await rowOf(gateway, requestId));
    return false;
  }
  let text = '';
  let usage: unknown = null;
  let chunks = 0;
  let failure: unknown;
  let done = false;
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffer += decoder.decode(read.value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      buffer = buffer.slice(end + 2);
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      const frame = JSON.parse(data) as { error?: unknown; usage?: unknown; choices?: { delta?: { content?: string } }[] };
      if (frame.error) failure = frame.error;
      if (frame.usage) usage = frame.usage;
      for (const choice of frame.choices ?? []) text += choice.delta?.content ?? '';
      chunks++;
    }
  }
  console.log(`answer: ${text}`);
  console.log(`chunks: ${chunks}${done ? ', then [DONE]' : ', and no [DONE]'}`);
  console.log(`usage:  ${JSON.stringify(usage)}`);
  if (failure) printError(200, { error: failure });
  const completed = printRow(await rowOf(gateway, requestId));
  return completed && done && !failure;
}

async function embedding(gateway: Gateway, model: string, requestId: string): Promise<boolean> {
  console.log('\n── embedding');
  const res = await post(
    gateway,
    '/v1/embeddings',
    { model, input: ['Tally smoke test', 'a second text'], encoding_format: 'float' },
    requestId,
  );
  const body = (await res.json()) as { data?: { embedding?: number[] }[]; usage?: unknown; cost_estimate?: number };
  if (res.status !== 200) {
    printError(res.status, body);
    printRow(await rowOf(gateway, requestId));
    return false;
  }
  const vectors = body.data ?? [];
  console.log(`vectors: ${vectors.length} × ${vectors[0]?.embedding?.length ?? 0} dimensions`);
  console.log(
    `usage:  ${JSON.stringify(body.usage ?? null)}${body.cost_estimate === undefined ? '' : ` cost $${body.cost_estimate}`}`,
  );
  return printRow(await rowOf(gateway, requestId));
}

async function main(): Promise<number> {
  let options: Options;
  let config: AppConfig;
  let choice: ReturnType<typeof choose>;
  const adminKey = `tly_smoke_${randomBytes(24).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-smoke-'));
  // The embedded PostgreSQL runs as `postgres` when we are root: let it into our own temporary directory.
  chmodSync(dataDir, 0o755);
  let running: RunningApp | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
    config = loadConfig({
      ...process.env,
      ...(options.config ? { GATEWAY_CONFIG: options.config } : {}),
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: dataDir,
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: 'error',
    });
    choice = choose(config, options);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`smoke: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
  const { provider, model, embeddingModel } = choice;
  console.log(
    `smoke: provider ${provider.name} (${provider.type}, ${provider.baseUrl ?? 'in-process'}), model ${model}` +
      (embeddingModel ? `, embeddings ${embeddingModel}` : ''),
  );
  try {
    console.log(options.databaseUrl ? 'starting Tally…' : 'starting Tally on a temporary embedded PostgreSQL…');
    // Loaded only now, so that a usage error answers without compiling the whole application.
    const { createApp } = await import('../src/app.factory.js');
    running = await createApp(config);
    await running.app.listen(0, '127.0.0.1');
    const { port } = running.app.getHttpServer().address() as AddressInfo;
    const gateway: Gateway = { url: `http://127.0.0.1:${port}`, key: adminKey };
    const run = `smoke-${randomBytes(4).toString('hex')}`;
    const target = `${provider.name}/${model}`;
    const results = [
      await nonStreamed(gateway, target, options.prompt, `${run}-json`),
      await streamed(gateway, target, options.prompt, `${run}-stream`),
    ];
    if (embeddingModel) results.push(await embedding(gateway, `${provider.name}/${embeddingModel}`, `${run}-embedding`));
    else if (EMBEDDING_TYPES.has(provider.type))
      console.log('\n── embedding: skipped (no model with "embed" in its name; pass --embedding-model)');
    else console.log(`\n── embedding: skipped (${provider.type} has no embeddings)`);
    const passed = results.filter(Boolean).length;
    console.log(`\nsmoke: ${passed === results.length ? 'passed' : 'FAILED'} (${passed} of ${results.length})`);
    return passed === results.length ? 0 : 1;
  } finally {
    await running?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`smoke: ${(error as Error)?.stack ?? error}`);
    process.exit(1);
  },
);
