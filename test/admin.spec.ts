import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

describe('admin API', () => {
  let app: TestApp;
  let member: { id: string; key: string };
  const admin = () => ({ authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml({ upstreams: { 'cloud-x': 'http://127.0.0.1:1/v1' } }));
    member = await app.createUser('member');
  });

  afterAll(async () => {
    await app.close();
  });

  it('creates a user and shows its key exactly once', async () => {
    const res = await fetch(`${app.url}/admin/users`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ email: 'Ann@Example.com', role: 'member' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      user: { id: string; email: string; role: string };
      api_key: { key: string };
    };
    expect(body.user).toMatchObject({ email: 'Ann@Example.com', role: 'member' });
    expect(body.api_key.key).toMatch(/^tly_/);
    const list = (await (await fetch(`${app.url}/admin/users?limit=100`, { headers: admin() })).json()) as {
      items: Record<string, unknown>[];
    };
    expect(JSON.stringify(list)).not.toContain(body.api_key.key);
    const dup = await fetch(`${app.url}/admin/users`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ email: 'ann@example.com' }),
    });
    expect(dup.status).toBe(409);
  });

  it('rejects unknown fields and bad values outside /v1', async () => {
    for (const body of [
      { email: 'x@example.com', role: 'root' },
      { email: 'not-an-email' },
      { email: 'y@example.com', extra: 1 },
    ]) {
      const res = await fetch(`${app.url}/admin/users`, {
        method: 'POST',
        headers: admin(),
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
  });

  it('forbids members (403) and unauthenticated callers (401)', async () => {
    const asMember = await fetch(`${app.url}/admin/routing-log`, {
      headers: { authorization: `Bearer ${member.key}` },
    });
    expect(asMember.status).toBe(403);
    expect(((await asMember.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await fetch(`${app.url}/admin/routing-log`)).status).toBe(401);
  });

  it('lists routing-log rows newest first, filtered, with cursor pagination and no gaps', async () => {
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${member.key}`,
          'content-type': 'application/json',
          'x-request-id': `page-${i}`,
        },
        body: JSON.stringify({
          model: 'local-sim/sim-small',
          messages: [{ role: 'user', content: `n${i}` }],
        }),
      });
      expect(res.status).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `user_id=${member.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await fetch(`${app.url}/admin/routing-log?${query}`, { headers: admin() })).json()) as {
        items: { request_id: string; timestamp: string; user_id: string; cost_usd: number | null }[];
        next_cursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(3);
      for (const item of page.items) expect(item.user_id).toBe(member.id);
      seen.push(...page.items.map((i) => i.request_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `page-${6 - i}`));

    const one = (await (await fetch(`${app.url}/admin/routing-log?request_id=page-3`, { headers: admin() })).json()) as {
      items: Record<string, unknown>[];
    };
    expect(one.items).toHaveLength(1);
    expect(Object.keys(one.items[0]).sort()).toEqual(
      [
        'id',
        'request_id',
        'timestamp',
        'user_id',
        'chat_id',
        'message_id',
        'requested_model',
        'routed_provider',
        'routed_model',
        'routed_inference_tier',
        'stream',
        'outcome',
        'tokens_in',
        'tokens_out',
        'cost_usd',
        'latency_ms',
        'ttft_ms',
        'refused',
        'refusal_reason',
        'error_code',
        'error_reason',
        'anonymization_applied',
        'anonymized_entities',
        'anonymization_skip_reason',
        'fallbacks',
        'purpose',
        'api_key_id',
      ].sort(),
    );
    expect(one.items[0]).toMatchObject({
      outcome: 'completed',
      routed_provider: 'local-sim',
      cost_usd: expect.any(Number),
    });
  });

  it('answers 400 for malformed filters and cursors', async () => {
    for (const query of ['chat_id=nope', 'limit=0', 'limit=101', 'cursor=garbage', 'outcome=weird', 'tier=9', 'unknown=1']) {
      const res = await fetch(`${app.url}/admin/routing-log?${query}`, { headers: admin() });
      expect(res.status).toBe(400);
    }
  });

  it('issues a key with a tier floor that applies to its requests', async () => {
    const res = await fetch(`${app.url}/admin/users/${member.id}/api-keys`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ minimum_inference_tier: 1 }),
    });
    expect(res.status).toBe(201);
    const { key } = (await res.json()) as { key: string };
    const ok = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(ok.status).toBe(200);
    const refused = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cloud-x/cloud-x-model', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { details: { source: string } } }).error.details.source).toBe('api_key');
    const missingUser = await fetch(`${app.url}/admin/users/00000000-0000-4000-8000-000000000000/api-keys`, {
      method: 'POST',
      headers: admin(),
      body: '{}',
    });
    expect(missingUser.status).toBe(404);
  });

  it('serves health, readiness and metrics without a key', async () => {
    expect(await (await fetch(`${app.url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('tally_completions_total{outcome="completed",provider="local-sim",persisted="committed"}');
    expect(metrics).toContain('tally_durable_write_seconds_count{table="inference_routing_log"}');
    expect(metrics).toContain('tally_spool_depth 0');
  });
});
