import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chatsClient } from './chats-client.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

/** Every routing-log row names the API key that made the call; the admin API filters and groups by it. */
describe('api_key_id on the routing log', () => {
  let app: TestApp;
  let user: { id: string; key: string };
  let second: { id: string; key: string };
  let firstKeyId: string;

  const adminGet = async (path: string) => {
    const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${app.adminKey}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const complete = (key: string, requestId: string, extra: Record<string, unknown> = {}) =>
    fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'hello' }], ...extra }),
    });

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml());
    user = await app.createUser();
    const issued = await fetch(`${app.url}/admin/users/${user.id}/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await issued.json()) as { id: string; key: string };
    second = { id: body.id, key: body.key };
    firstKeyId = (await app.db.query('SELECT id FROM api_keys WHERE user_id = $1 AND id <> $2', [user.id, second.id])).rows[0].id;

    await (await complete(user.key, 'k1-json')).arrayBuffer();
    await postSse(
      app.url,
      user.key,
      { model: 'local-sim/sim-small', stream: true, messages: [{ role: 'user', content: 'x' }] },
      {
        headers: { 'X-Request-Id': 'k1-stream' },
      },
    );
    await (await complete(user.key, 'k1-refused', { model: 'no-such-model' })).arrayBuffer();
    await (await complete(second.key, 'k2-json')).arrayBuffer();
    const chat = await chatsClient(app, second.key).createChat();
    await chatsClient(app, second.key).turn(
      chat.id,
      { content: 'a turn', model: 'local-sim/sim-small' },
      { 'X-Request-Id': 'k2-turn' },
    );
    // A row from before the column existed.
    await app.db.query(
      `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, routed_provider, routed_model, routed_inference_tier, stream, outcome)
       VALUES ($1, 'legacy', now(), $2, 'local-sim', 'sim-small', 1, false, 'completed')`,
      [randomUUID(), user.id],
    );
  });

  afterAll(async () => {
    await app.close();
  });

  it('records the key of every completion, refusals and chat turns included (the id, never the key)', async () => {
    const rows = await app.rows("request_id <> 'legacy' AND user_id = $1", [user.id]);
    const byRequest = Object.fromEntries(rows.map((r) => [r.request_id, r.api_key_id]));
    expect(byRequest).toEqual({
      'k1-json': firstKeyId,
      'k1-stream': firstKeyId,
      'k1-refused': firstKeyId,
      'k2-json': second.id,
      'k2-turn': second.id,
    });
    expect((await app.rows("request_id = 'legacy'"))[0].api_key_id).toBeNull();
    const text = JSON.stringify(rows);
    expect(text).not.toContain(user.key);
    expect(text).not.toContain(second.key);
  });

  it('GET /admin/routing-log filters by api_key_id and shows it on each row', async () => {
    const first = await adminGet(`/admin/routing-log?api_key_id=${firstKeyId}`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((r: any) => r.request_id).sort()).toEqual(['k1-json', 'k1-refused', 'k1-stream']);
    expect(first.body.items.every((r: any) => r.api_key_id === firstKeyId)).toBe(true);
    const other = await adminGet(`/admin/routing-log?api_key_id=${second.id}`);
    expect(other.body.items.map((r: any) => r.request_id).sort()).toEqual(['k2-json', 'k2-turn']);
    expect((await adminGet('/admin/routing-log?api_key_id=nope')).status).toBe(400);
  });

  it('GET /admin/usage?group_by=api_key sums per key, with the pre-column rows under "none"', async () => {
    const res = await adminGet('/admin/usage?group_by=api_key');
    expect(res.status).toBe(200);
    expect(res.body.group_by).toBe('api_key');
    const byKey = Object.fromEntries(res.body.items.map((g: any) => [g.key, g]));
    expect(byKey[firstKeyId]).toMatchObject({ api_key_id: firstKeyId, user_id: user.id, completions: 3 });
    expect(byKey[firstKeyId].outcomes.refused).toBe(1);
    expect(byKey[firstKeyId].key_prefix).toBe(user.key.slice(0, 8));
    expect(byKey[second.id]).toMatchObject({ api_key_id: second.id, completions: 2 });
    expect(byKey.none).toMatchObject({ api_key_id: null, completions: 1 });
    const { rows } = await app.db.query(
      'SELECT api_key_id::text AS k, count(*)::int AS n, sum(cost_usd)::float8 AS cost FROM inference_routing_log GROUP BY 1',
    );
    for (const row of rows) {
      const group = byKey[row.k ?? 'none'];
      expect(group.completions).toBe(row.n);
      if (row.cost !== null) expect(group.cost_usd).toBeCloseTo(row.cost, 9);
    }
    expect(res.body.totals.completions).toBe(rows.reduce((n: number, r: { n: number }) => n + r.n, 0));
  });

  it('PATCH /admin/api-keys/:id and /admin/users/:id set and clear limits, stored on the rows, with spend so far', async () => {
    const patch = (path: string, body: unknown) =>
      fetch(`${app.url}${path}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const set = await patch(`/admin/api-keys/${firstKeyId}`, { budget_usd_per_day: 1.5, requests_per_minute: 30 });
    expect(set.status).toBe(200);
    const key = (await set.json()) as any;
    expect(key).toMatchObject({
      id: firstKeyId,
      user_id: user.id,
      limits: { budget_usd_per_day: 1.5, budget_usd_per_month: null, requests_per_minute: 30 },
    });
    const cost = (
      await app.db.query('SELECT coalesce(sum(cost_usd), 0)::float8 AS c FROM inference_routing_log WHERE api_key_id = $1', [
        firstKeyId,
      ])
    ).rows[0].c;
    expect(key.spend.day_usd).toBeCloseTo(cost, 9);
    expect(key.spend.month_usd).toBeCloseTo(cost, 9);
    const cleared = (await (await patch(`/admin/api-keys/${firstKeyId}`, { budget_usd_per_day: null })).json()) as any;
    expect(cleared.limits).toEqual({ budget_usd_per_day: null, budget_usd_per_month: null, requests_per_minute: 30 });
    expect(
      (await app.db.query('SELECT budget_usd_per_day, requests_per_minute FROM api_keys WHERE id = $1', [firstKeyId])).rows[0],
    ).toEqual({
      budget_usd_per_day: null,
      requests_per_minute: 30,
    });
    const userSet = (await (await patch(`/admin/users/${user.id}`, { budget_usd_per_month: 10 })).json()) as any;
    expect(userSet).toMatchObject({ id: user.id, limits: { budget_usd_per_month: 10 } });
    expect((await app.db.query('SELECT budget_usd_per_month::float8 AS m FROM users WHERE id = $1', [user.id])).rows[0].m).toBe(
      10,
    );
    expect((await patch(`/admin/api-keys/${randomUUID()}`, {})).status).toBe(404);
    expect((await patch(`/admin/users/${user.id}`, { budget_usd_per_day: -1 })).status).toBe(400);
    expect((await patch(`/admin/users/${user.id}`, { budget: 1 })).status).toBe(400);
  });

  it('a key over its budget is refused with 429 budget_exceeded and a refused row, before any upstream call', async () => {
    const patch = await fetch(`${app.url}/admin/api-keys/${second.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ budget_usd_per_month: 0 }),
    });
    expect(patch.status).toBe(200);
    const res = await complete(second.key, 'k2-over');
    expect(res.status).toBe(429);
    expect(((await res.json()) as any).error).toMatchObject({
      code: 'budget_exceeded',
      details: { limit_usd: 0, period: 'month', scope: 'api_key' },
    });
    const [row] = await app.rows("request_id = 'k2-over'");
    expect(row).toMatchObject({
      outcome: 'refused',
      refused: true,
      refusal_reason: 'budget_exceeded:scope=api_key:period=month:limit_usd=0',
      routed_provider: '<unresolved>',
      tokens_in: null,
      api_key_id: second.id,
    });
  });
});
