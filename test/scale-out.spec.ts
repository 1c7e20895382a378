import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { chatsClient } from './chats-client.js';
import { type ServiceProcess, spawnService } from './support/service-process.js';
import { ADMIN_KEY, postSse, type TestApp } from './support/test-app.js';

const YAML = `providers:
  - { name: local-sim, type: simulated, tier: 1, models: [sim-small], options: { ttft_ms: 2, chunk_ms: 3 } }
aliases:
  smart: { primary: { provider: local-sim, model: sim-small } }
prices:
  "local-sim/sim-small": { input: 1000, output: 1000 }
anonymization: { enabled: false }
limits: { rate_per_key: { requests_per_minute: 1000000, burst: 100000 }, sync_ms: 100 }
`;

async function admin<T = any>(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function createMember(url: string): Promise<{ id: string; key: string; keyId: string }> {
  const res = await admin(url, 'POST', '/admin/users', { email: `m${Date.now()}${Math.random()}@example.com` });
  return { id: res.body.user.id, key: res.body.api_key.key, keyId: res.body.api_key.id };
}

const complete = (url: string, key: string, body: Record<string, unknown>, requestId: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });

/**
 * Two service processes on one PostgreSQL (a cluster of this test's own), started at the same
 * instant on an empty database: the replicas share the schema, the routing log and the limits.
 */
describe('two replicas on one PostgreSQL', () => {
  let dir: string;
  let database: EmbeddedDatabase;
  let db: pg.Pool;
  let replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tally-scale-'));
    writeFileSync(join(dir, 'gateway.yaml'), YAML);
    database = await startEmbeddedPostgres(join(dir, 'pg-owner'), 'tally');
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    db.on('error', () => undefined);
    const env = (n: number) => ({
      DATABASE_URL: database.url,
      DATA_DIR: join(dir, `data-${n}`),
      GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
      ADMIN_API_KEY: ADMIN_KEY,
    });
    // The same instant, an empty database: both race for the migrations.
    replicas = await Promise.all([spawnService(env(0)), spawnService(env(1))]);
  }, 90_000);

  afterAll(async () => {
    for (const replica of replicas) replica.proc.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.exited));
    await db.end();
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('both come up on an empty database and the migrations ran once', async () => {
    for (const replica of replicas) expect((await fetch(`${replica.url}/ready`)).status).toBe(200);
    const { rows } = await db.query('SELECT name, count(*)::int AS n FROM migrations GROUP BY name');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    for (const replica of replicas) expect(replica.output()).not.toMatch(/already exists|failed to start/);
  });

  it('mixed traffic across both: one row per completion, no duplicates, identical receipts from either', async () => {
    const member = await createMember(replicas[0].url);
    const chat = await chatsClient({ url: replicas[0].url } as TestApp, member.key).createChat({ title: 'scale' });
    const clients = replicas.map((r) => chatsClient({ url: r.url } as TestApp, member.key));
    const work: Promise<unknown>[] = [];
    let expected = 0;
    for (let i = 0; i < 24; i++) {
      const replica = replicas[i % 2];
      const requestId = `mix-${i}`;
      expected++;
      switch (i % 4) {
        case 0:
          work.push(complete(replica.url, member.key, {}, requestId).then((r) => r.arrayBuffer()));
          break;
        case 1:
          // Closes on [DONE]: the row must already be there.
          work.push(
            postSse(
              replica.url,
              member.key,
              { model: 'local-sim/sim-small', stream: true, messages: [{ role: 'user', content: `s${i}` }] },
              {
                headers: { 'X-Request-Id': requestId },
                onFrame: (d) => (d === '[DONE]' ? 'close' : undefined),
              },
            ),
          );
          break;
        case 2:
          // Aborts after the first chunk: a client_closed row.
          work.push(
            postSse(
              replica.url,
              member.key,
              { model: 'local-sim/sim-small', stream: true, messages: [{ role: 'user', content: `a${i}` }] },
              {
                headers: { 'X-Request-Id': requestId },
                onFrame: (_d, index) => (index === 0 ? 'close' : undefined),
              },
            ),
          );
          break;
        default:
          // Chat turns, streamed and not, on alternating replicas.
          work.push(
            i % 8 === 3
              ? clients[i % 2].turn(chat.id, { content: `turn ${i}`, model: 'smart' }, { 'X-Request-Id': requestId })
              : clients[i % 2].streamTurn(
                  chat.id,
                  { content: `turn ${i}`, model: 'smart' },
                  { headers: { 'X-Request-Id': requestId } },
                ),
          );
      }
    }
    await Promise.all(work);
    const deadline = Date.now() + 10_000;
    let rows: { request_id: string; n: number }[] = [];
    while (Date.now() < deadline) {
      rows = (
        await db.query(
          `SELECT request_id, count(*)::int AS n FROM inference_routing_log WHERE request_id LIKE 'mix-%' GROUP BY 1`,
        )
      ).rows;
      if (rows.length >= expected) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toHaveLength(expected);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const { rows: dup } = await db.query('SELECT id FROM inference_routing_log GROUP BY id HAVING count(*) > 1');
    expect(dup).toEqual([]);
    const turns = (await db.query('SELECT count(*)::int AS n FROM inference_routing_log WHERE chat_id = $1', [chat.id])).rows[0]
      .n;
    expect(turns).toBe(6);

    const [a, b] = await Promise.all(clients.map((c) => c.receipts(chat.id)));
    expect(a.status).toBe(200);
    expect(a.body.filter((e: { kind: string }) => e.kind === 'inference')).toHaveLength(6);
    expect(a.text).toBe(b.text);
  });

  /** Waits until every replica's /ready shows the shared picture with both replicas. */
  async function bothShared(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const states = await Promise.all(replicas.map(async (r) => (await (await fetch(`${r.url}/ready`)).json()) as any));
      if (states.every((s) => s.limits.mode === 'shared' && s.limits.replicas === 2)) return;
      if (Date.now() > deadline) throw new Error(`limits not shared: ${JSON.stringify(states)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('a key limited to N requests per minute, hammered through both, is admitted at most N + ceil(N/2)', async () => {
    const limit = 20;
    const member = await createMember(replicas[0].url);
    expect(
      (await admin(replicas[0].url, 'PATCH', `/admin/api-keys/${member.keyId}`, { requests_per_minute: limit })).status,
    ).toBe(200);
    await bothShared();
    // One fixed UTC minute for the whole hammer: start early in a minute.
    const second = new Date().getUTCSeconds();
    if (second > 40) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
    await new Promise((r) => setTimeout(r, 2100)); // the other replica's auth cache sees the new limit
    const statuses: number[] = [];
    await Promise.all(
      replicas.map(async (replica, r) => {
        for (let i = 0; i < 40; i++) {
          const res = await complete(replica.url, member.key, {}, `rpm-${r}-${i}`);
          await res.arrayBuffer();
          statuses.push(res.status);
        }
      }),
    );
    const admitted = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // The documented bound for 2 replicas: N + (2 - 1) x ceil(N / 2). Per-replica limits would admit 2N.
    expect(admitted).toBeLessThanOrEqual(limit + Math.ceil(limit / 2));
    expect(admitted).toBeGreaterThanOrEqual(Math.ceil(limit / 2));
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM inference_routing_log WHERE api_key_id = $1`, [member.keyId]);
    expect(rows[0].n).toBe(admitted); // a rate-limited request is not a completion
  }, 90_000);

  /** Completions through the given (replica, key) pairs in turn until every pair has been refused for its budget. */
  async function spendUntilRefusedEverywhere(pairs: { url: string; key: string }[], prefix: string, scope: string) {
    const refused = new Set<number>();
    const refusals: string[] = [];
    for (let i = 0; i < 60 && refused.size < pairs.length; i++) {
      const p = i % pairs.length;
      const requestId = `${prefix}-${i}`;
      const res = await complete(pairs[p].url, pairs[p].key, {}, requestId);
      const body = (await res.json()) as any;
      if (res.status === 429) {
        expect(body.error).toMatchObject({ code: 'budget_exceeded', details: { limit_usd: 0.05, period: 'day', scope } });
        refused.add(p);
        refusals.push(requestId);
      } else {
        expect(res.status).toBe(200);
        if (refused.size > 0) await new Promise((r) => setTimeout(r, 150)); // let the spend reach the other replica
      }
    }
    expect(refused.size).toBe(pairs.length);
    return refusals;
  }

  it('a key with a daily budget is refused on both replicas once its rows cost that much, each refusal a refused row', async () => {
    const member = await createMember(replicas[0].url);
    const patched = await admin(replicas[1].url, 'PATCH', `/admin/api-keys/${member.keyId}`, { budget_usd_per_day: 0.05 });
    expect(patched.body.limits.budget_usd_per_day).toBe(0.05);
    await new Promise((r) => setTimeout(r, 2100)); // the auth cache of the other replica
    const pairs = replicas.map((r) => ({ url: r.url, key: member.key }));
    const refusals = await spendUntilRefusedEverywhere(pairs, 'kbudget', 'api_key');
    const { rows } = await db.query(
      `SELECT request_id, outcome, refused, refusal_reason, cost_usd::float8 AS cost FROM inference_routing_log WHERE api_key_id = $1 ORDER BY "timestamp"`,
      [member.keyId],
    );
    const refusedRows = rows.filter((r) => r.refused);
    expect(refusedRows.map((r) => r.request_id).sort()).toEqual([...refusals].sort());
    for (const row of refusedRows) {
      expect(row).toMatchObject({
        outcome: 'refused',
        refusal_reason: 'budget_exceeded:scope=api_key:period=day:limit_usd=0.05',
      });
    }
    const completed = rows.filter((r) => !r.refused);
    const spent = completed.reduce((sum, r) => sum + r.cost, 0);
    expect(spent).toBeGreaterThanOrEqual(0.05);
    // Nothing was refused before the rows' costs reached the budget.
    const firstRefusal = rows.findIndex((r) => r.refused);
    expect(completed.slice(0, firstRefusal).reduce((sum, r) => sum + r.cost, 0)).toBeGreaterThanOrEqual(0.05);
    const spend = await admin(replicas[0].url, 'PATCH', `/admin/api-keys/${member.keyId}`, {});
    expect(spend.body.spend.day_usd).toBeCloseTo(spent, 9);
  }, 60_000);

  it('a user budget holds across two of its keys on two replicas', async () => {
    const member = await createMember(replicas[0].url);
    const issued = await admin(replicas[0].url, 'POST', `/admin/users/${member.id}/api-keys`, {});
    expect((await admin(replicas[0].url, 'PATCH', `/admin/users/${member.id}`, { budget_usd_per_day: 0.05 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    const pairs = [
      { url: replicas[0].url, key: member.key },
      { url: replicas[1].url, key: issued.body.key as string },
    ];
    const refusals = await spendUntilRefusedEverywhere(pairs, 'ubudget', 'user');
    const { rows } = await db.query(
      `SELECT request_id, api_key_id, refused, refusal_reason, cost_usd::float8 AS cost FROM inference_routing_log WHERE user_id = $1 ORDER BY "timestamp"`,
      [member.id],
    );
    expect(new Set(rows.map((r) => r.api_key_id)).size).toBe(2);
    expect(
      rows
        .filter((r) => r.refused)
        .map((r) => r.request_id)
        .sort(),
    ).toEqual([...refusals].sort());
    expect(
      rows.filter((r) => r.refused).every((r) => r.refusal_reason === 'budget_exceeded:scope=user:period=day:limit_usd=0.05'),
    ).toBe(true);
    const firstRefusal = rows.findIndex((r) => r.refused);
    expect(rows.slice(0, firstRefusal).reduce((sum, r) => sum + r.cost, 0)).toBeGreaterThanOrEqual(0.05);
  }, 60_000);
});
