import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { FakeOpenAi, type SseWriter } from './support/fake-openai.js';
import { launchService, type ServiceProcess, spawnService } from './support/service-process.js';
import { ADMIN_KEY, eventually, postSse, type SseResult } from './support/test-app.js';

interface ConfigStatus {
  version: number;
  loaded_at: string;
  sha256: string;
  reloads: number;
  last_reload_error: { at: string; message: string } | null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/**
 * The service's output as text: its JSON log lines (stdout is a pipe) become `LEVEL message`, with the
 * message's own line breaks; anything else (the plain start-up refusal on stderr) stays as it is.
 */
const plain = (text: string) =>
  text
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{')) return line;
      try {
        const { level, msg } = JSON.parse(line) as { level: string; msg: string };
        return `${level.toUpperCase()} ${msg}`;
      } catch {
        return line;
      }
    })
    .join('\n');

/** v1: `chat` streams from upstream A (held open by the test); `old-only` exists only here. */
const v1 = (a: string) => `providers:
  - { name: sim, type: simulated, tier: 1, models: [s1, s2], options: { ttft_ms: 1, chunk_ms: 1 } }
  - { name: up, type: openai_compatible, base_url: "${a}", tier: 2, timeout_s: 30, models: [m] }
aliases:
  chat: { primary: { provider: up, model: m } }
  old-only: { primary: { provider: sim, model: s1 } }
prices:
  "up/m": { input: 1, output: 1 }
anonymization: { enabled: false }
`;
/** v2: the same provider name now points at upstream B, at another tier and price; `old-only` is gone, `fresh` is new. */
const v2 = (b: string) => `providers:
  - { name: sim, type: simulated, tier: 1, models: [s1, s2], options: { ttft_ms: 1, chunk_ms: 1 } }
  - { name: up, type: openai_compatible, base_url: "${b}", tier: 3, timeout_s: 30, models: [m] }
aliases:
  chat: { primary: { provider: up, model: m } }
  fresh: { primary: { provider: sim, model: s2 } }
prices:
  "up/m": { input: 1000, output: 1000 }
anonymization: { enabled: false }
`;

async function createDatabase(adminUrl: string): Promise<string> {
  const name = `tally_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`).finally(() => client.end());
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** SIGHUP reloads gateway.yaml in a real service process: new requests get the new file, live streams keep the old one. */
describe('config reload on SIGHUP', () => {
  let dir: string;
  let yamlPath: string;
  let databaseUrl: string;
  let db: pg.Pool;
  let service: ServiceProcess;
  let key: string;
  const a = new FakeOpenAi();
  const b = new FakeOpenAi();
  let release: () => void = () => undefined;

  const ready = async (): Promise<{ status: string; gateway_config: ConfigStatus }> =>
    (await fetch(`${service.url}/ready`)).json() as Promise<{ status: string; gateway_config: ConfigStatus }>;
  const complete = async (model: string) => {
    const res = await fetch(`${service.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  /** Writes `yaml`, sends SIGHUP, and waits until /ready shows the attempt's result (a new hash, or a new error). */
  const reload = async (yaml: string): Promise<ConfigStatus> => {
    const before = (await ready()).gateway_config;
    writeFileSync(yamlPath, yaml);
    service.proc.kill('SIGHUP');
    let after = before;
    await eventually(async () => {
      after = (await ready()).gateway_config;
      return after.sha256 !== before.sha256 || after.last_reload_error?.at !== before.last_reload_error?.at;
    }, 10_000);
    return after;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tally-reload-'));
    yamlPath = join(dir, 'gateway.yaml');
    await Promise.all([a.start(), b.start()]);
    // A streams 'before', then waits for the test to release it; B answers at once.
    a.behaviour =
      (body) =>
      async ({ sse }: { sse: SseWriter }) => {
        if (!body.stream) throw new Error('A only streams in this test');
        sse.start();
        sse.role();
        sse.content('before ');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        sse.content('after');
        sse.finish();
        sse.usage(11, 2);
        sse.done();
      };
    writeFileSync(yamlPath, v1(a.baseUrl));
    databaseUrl = await createDatabase(process.env.TALLY_TEST_PG_URL!);
    db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    service = await spawnService({
      DATABASE_URL: databaseUrl,
      DATA_DIR: join(dir, 'data'),
      GATEWAY_CONFIG: yamlPath,
      ADMIN_API_KEY: ADMIN_KEY,
    });
    const res = await fetch(`${service.url}/admin/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'reload@example.com' }),
    });
    key = ((await res.json()) as { api_key: { key: string } }).api_key.key;
  }, 60_000);

  afterAll(async () => {
    release();
    if (service && service.proc.exitCode === null) {
      service.proc.kill('SIGTERM');
      await service.exited;
    }
    await db?.end();
    await Promise.all([a.stop(), b.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('swaps a good file in for new requests while a live stream finishes on the old one, with one row', async () => {
    const started = (await ready()).gateway_config;
    expect(started).toMatchObject({ version: 1, sha256: sha256(v1(a.baseUrl)), reloads: 0, last_reload_error: null });
    expect((await complete('old-only')).status).toBe(200);

    let firstContent: () => void = () => undefined;
    const streaming = new Promise<void>((resolve) => {
      firstContent = resolve;
    });
    const live: Promise<SseResult> = postSse(
      service.url,
      key,
      { model: 'chat', stream: true, messages: [{ role: 'user', content: 'a long answer please' }] },
      {
        headers: { 'X-Request-Id': 'reload-live' },
        onFrame: (data) => {
          if (data.includes('before')) firstContent();
          return undefined;
        },
      },
    );
    await streaming;

    const reloaded = await reload(v2(b.baseUrl));
    expect(reloaded).toMatchObject({ version: 2, sha256: sha256(v2(b.baseUrl)), reloads: 1, last_reload_error: null });
    expect(Date.parse(reloaded.loaded_at)).toBeGreaterThanOrEqual(Date.parse(started.loaded_at));
    expect(reloaded.loaded_at).not.toBe(started.loaded_at);

    // New requests: the new alias answers, the removed one is an unknown model, `chat` goes to B at B's tier.
    const fresh = await complete('fresh');
    expect(fresh.status).toBe(200);
    expect(fresh.body.routed_provider).toBe('sim');
    const gone = await complete('old-only');
    expect(gone.status).toBe(400);
    expect(gone.body.error.code).toBe('invalid_model');
    const viaB = await complete('chat');
    expect(viaB.status).toBe(200);
    expect(viaB.body.routed_inference_tier).toBe(3);
    expect(b.requests).toHaveLength(1);

    // The live stream still runs on v1: A's adapter, tier 2, v1's price.
    release();
    const result = await live;
    expect(result.status).toBe(200);
    expect(result.frames.at(-1)).toBe('[DONE]');
    const chunks = result.frames.slice(0, -1).map((f) => JSON.parse(f));
    expect(chunks.some((c) => c.error)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('before after');
    expect(chunks.every((c) => c.routed_provider === 'up' && c.routed_inference_tier === 2)).toBe(true);
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);

    const { rows } = await db.query(
      `SELECT outcome, routed_provider, routed_inference_tier, tokens_in, tokens_out, cost_usd::text AS cost
         FROM inference_routing_log WHERE request_id = 'reload-live'`,
    );
    expect(rows).toEqual([
      // 13 tokens at v1's 1 USD per million (v2 would say 0.013).
      {
        outcome: 'completed',
        routed_provider: 'up',
        routed_inference_tier: 2,
        tokens_in: 11,
        tokens_out: 2,
        cost: '0.000013000000',
      },
    ]);
  }, 60_000);

  it('refuses a bad file with the message start-up gives, keeps the old config serving, and stays up', async () => {
    const good = (await ready()).gateway_config;
    const served = v2(b.baseUrl);
    const broken = (target: string) => `aliases:\n  broken: { primary: { provider: ${target}, model: s1 } }\n`;
    // [what, file, detail]; start-up is asked about the first and the last (the file's checks, and the adapters' checks).
    const bad: [string, string, RegExp][] = [
      ['yaml syntax', `${served}aliases: [ { broken`, /cannot be read as YAML: /],
      ['schema', served.replace('tier: 3,', 'tier: 9,').replace('aliases:\n', broken('sim')), /providers\.1\.tier: Too big/],
      [
        'unknown provider',
        served.replace('aliases:\n', broken('nowhere')),
        /aliases\.broken\.primary\.provider: unknown provider "nowhere"/,
      ],
      [
        'provider options',
        served.replace('chunk_ms: 1 }', 'chunk_ms: -1 }').replace('aliases:\n', broken('sim')),
        /providers\.sim\.options: chunk_ms: /,
      ],
    ];
    // What start-up says about such a file: the process refuses to start (exit 78) with this message.
    const startups = new Map(
      await Promise.all(
        [bad[0], bad[3]].map(async ([what, yaml]) => {
          const badPath = join(dir, `bad-${what.replace(/ /g, '-')}.yaml`);
          writeFileSync(badPath, yaml);
          const refused = await launchService({
            DATABASE_URL: databaseUrl,
            DATA_DIR: join(dir, 'data-bad'),
            GATEWAY_CONFIG: badPath,
          });
          const { code } = await refused.exited;
          const output = plain(refused.output());
          const message = output.slice(output.indexOf('invalid configuration\n')).trim().replaceAll(badPath, yamlPath);
          return [what, { code, message }] as const;
        }),
      ),
    );
    for (const [what, yaml, detail] of bad) {
      const startup = startups.get(what);
      if (startup) {
        expect([what, startup.code]).toEqual([what, 78]);
        expect(startup.message).toMatch(/^invalid configuration\n\S/);
        expect(startup.message).toMatch(detail);
      }
      const status = await reload(yaml);
      expect([what, status]).toEqual([
        what,
        { ...good, last_reload_error: { at: expect.any(String), message: expect.stringContaining('gateway.yaml') } },
      ]);
      expect(status.last_reload_error!.message).toMatch(detail);
      expect(status.last_reload_error!.message).not.toContain(dir);
      // Logged at error level with the start-up message: `invalid configuration` and ConfigError's lines.
      const logged = new RegExp(`invalid configuration\\n${yamlPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*${detail.source}`);
      await eventually(async () => logged.test(plain(service.output())), 5000);
      if (startup) await eventually(async () => plain(service.output()).includes(startup.message), 5000);
      expect(plain(service.output())).toMatch(
        /ERROR.*SIGHUP: reload refused, still serving sha256 [0-9a-f]{12} \(version 2\): invalid configuration/,
      );
      expect(service.proc.exitCode).toBeNull();
      expect((await complete('fresh')).status).toBe(200);
      const refusedAlias = await complete('broken');
      expect([what, refusedAlias.status, refusedAlias.body.error?.code]).toEqual([what, 400, 'invalid_model']);
    }

    // Two hang-ups close together: one reload at a time, never a crash; the file ends up served once.
    const twice = served.replace('aliases:\n', 'aliases:\n  twice: { primary: { provider: sim, model: s1 } }\n');
    writeFileSync(yamlPath, twice);
    service.proc.kill('SIGHUP');
    service.proc.kill('SIGHUP');
    await eventually(async () => (await ready()).gateway_config.sha256 === sha256(twice), 10_000);
    expect((await complete('twice')).status).toBe(200);
    expect((await ready()).gateway_config).toMatchObject({ version: 3, reloads: 2, last_reload_error: null });
    expect(service.proc.exitCode).toBeNull();
  }, 120_000);

  it('answers invalid_model for an alias a reload removed', async () => {
    expect((await complete('twice')).status).toBe(200);
    const status = await reload(v2(b.baseUrl));
    expect(status).toMatchObject({ version: 4, sha256: sha256(v2(b.baseUrl)), reloads: 3 });
    const removed = await complete('twice');
    expect(removed.status).toBe(400);
    expect(removed.body.error.code).toBe('invalid_model');
    const { rows } = await db.query(
      `SELECT outcome, refusal_reason FROM inference_routing_log WHERE requested_model = 'twice' ORDER BY "timestamp"`,
    );
    expect(rows.map((r) => r.outcome)).toEqual(['completed', 'completed', 'refused']);
    expect(rows[2].refusal_reason).toMatch(/^invalid_model:/);
  }, 60_000);
});
