import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { errorOf as anthropicErrorOf, FakeAnthropic } from './support/fake-anthropic.js';
import { FakeOpenAi } from './support/fake-openai.js';

/** `npm run smoke` as a child process, against fakes standing in for the providers. */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function smoke(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { NODE_OPTIONS: _jest, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'bench/smoke.ts', ...args],
      { cwd: process.cwd(), env: { ...inherited, ...env }, timeout: 50_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

async function freshDatabase(): Promise<string> {
  const server = process.env.TALLY_TEST_PG_URL!;
  const name = `tally_smoke_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The JSON of every `row:` line, in order. */
const rowsPrinted = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('row:'))
    .map((line) => JSON.parse(line.slice(4)) as Record<string, unknown>);

describe('npm run smoke', () => {
  let compat: FakeOpenAi;
  let anthropic: FakeAnthropic;
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    [compat, anthropic] = await Promise.all([new FakeOpenAi().start(), new FakeAnthropic().start()]);
    anthropic.behaviour = () => anthropicErrorOf('overloaded_error', 'Overloaded');
    dir = mkdtempSync(join(tmpdir(), 'tally-smoke-test-'));
    configPath = join(dir, 'gateway.yaml');
    writeFileSync(
      configPath,
      `providers:
  - { name: local-sim, type: simulated, tier: 1, models: [sim-small] }
  - name: compat
    type: openai_compatible
    base_url: ${compat.baseUrl}
    api_key_env: SMOKE_TEST_COMPAT_KEY
    tier: 2
    timeout_s: 5
    models: [compat-chat, compat-embed]
  - name: claude
    type: anthropic
    base_url: ${anthropic.baseUrl}
    api_key_env: SMOKE_TEST_ANTHROPIC_KEY
    tier: 4
    timeout_s: 5
    models: [claude-sonnet-4-5]
prices:
  "compat/compat-chat": { input: 1.00, output: 2.00 }
`,
    );
  });

  afterAll(async () => {
    await Promise.all([compat.stop(), anthropic.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a completion, a stream and an embedding through the provider, printing answers, usage and rows', async () => {
    const databaseUrl = await freshDatabase();
    const run = await smoke(['--provider', 'compat', '--config', configPath, '--database-url', databaseUrl], {
      SMOKE_TEST_COMPAT_KEY: 'compat-smoke-key',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('smoke: provider compat (openai_compatible');
    expect(run.stdout).toContain('model compat-chat, embeddings compat-embed');
    expect(run.stdout.match(/^answer: Hello, world!$/gm)).toHaveLength(2);
    expect(run.stdout).toContain('usage:  {"prompt_tokens":11,"completion_tokens":5,"total_tokens":16}');
    expect(run.stdout).toContain('chunks: ');
    expect(run.stdout).toContain('vectors: 2 × 4 dimensions');
    expect(run.stdout).toMatch(/smoke: passed \(3 of 3\)\n$/);

    const printed = rowsPrinted(run.stdout);
    expect(printed).toMatchObject([
      {
        outcome: 'completed',
        routed_provider: 'compat',
        routed_model: 'compat-chat',
        stream: false,
        tokens_in: 11,
        tokens_out: 5,
      },
      { outcome: 'completed', routed_provider: 'compat', routed_model: 'compat-chat', stream: true, purpose: 'chat' },
      { outcome: 'completed', routed_provider: 'compat', routed_model: 'compat-embed', purpose: 'embedding', tokens_in: 2 },
    ]);
    expect(printed[0].cost_usd).toBeCloseTo((11 * 1 + 5 * 2) / 1e6, 12);

    // The rows printed are the rows in the database, and the upstream got our key.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT id, request_id, outcome, purpose FROM inference_routing_log ORDER BY "timestamp"');
      expect(rows.map((r) => r.id)).toEqual(printed.map((r) => r.id));
      expect(rows.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed']);
    } finally {
      await db.end();
    }
    const calls = compat.requests.filter((r) => r.headers.authorization === 'Bearer compat-smoke-key');
    expect(calls.map((r) => [r.path, r.body.stream ?? null])).toEqual([
      ['/v1/chat/completions', false],
      ['/v1/chat/completions', true],
      ['/v1/embeddings', null],
    ]);
  });

  it('exits 1 when the provider fails, printing the error and the failed row; no embedding for Anthropic', async () => {
    const databaseUrl = await freshDatabase();
    const run = await smoke(['--provider', 'claude', '--config', configPath, '--database-url', databaseUrl], {
      SMOKE_TEST_ANTHROPIC_KEY: anthropic.apiKey,
    });
    expect(run.code).toBe(1);
    expect(run.stdout.match(/^error: {2}HTTP 502 provider_unavailable: Overloaded$/gm)).toHaveLength(2);
    expect(rowsPrinted(run.stdout)).toMatchObject([
      { outcome: 'failed', routed_provider: 'claude', stream: false, error_code: 'provider_unavailable' },
      { outcome: 'failed', routed_provider: 'claude', stream: true, error_code: 'provider_unavailable' },
    ]);
    expect(run.stdout).toContain('── embedding: skipped (anthropic has no embeddings)');
    expect(run.stdout).toMatch(/smoke: FAILED \(0 of 2\)\n$/);
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    [
      'an unknown provider',
      ['--provider', 'nope'],
      {},
      /^smoke: no provider named "nope" in .*gateway\.yaml \(configured: local-sim, compat, claude\)\n$/,
    ],
    [
      'a provider whose key is unset',
      ['--provider', 'compat'],
      { SMOKE_TEST_COMPAT_KEY: '' },
      /^smoke: provider compat is off: SMOKE_TEST_COMPAT_KEY is not set; set it \(see \.env\.example\) and run again\n$/,
    ],
    ['no --provider', [], {}, /^smoke: usage: npm run smoke -- --provider <name>/],
  ])('refuses %s with a clear message and exit 2, calling nothing', async (_label, args, env, message) => {
    const before = compat.requests.length + anthropic.requests.length;
    const run = await smoke([...args, '--config', configPath], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(compat.requests.length + anthropic.requests.length).toBe(before);
  });
});
