import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

interface Seed {
  user: 'ann' | 'bob';
  provider: string;
  model: string;
  tier: number;
  ts: string;
  outcome: 'completed' | 'failed' | 'refused' | 'client_closed' | 'shutdown';
  tokensIn: number | null;
  tokensOut: number | null;
  cost: string | null;
}

/** Rows written straight into the table, so every sum below is known exactly. */
const SEEDS: Seed[] = [
  {
    user: 'ann',
    provider: 'local-sim',
    model: 'sim-small',
    tier: 1,
    ts: '2026-03-01T09:00:00Z',
    outcome: 'completed',
    tokensIn: 10,
    tokensOut: 5,
    cost: '0.000001500000',
  },
  {
    user: 'ann',
    provider: 'local-sim',
    model: 'sim-small',
    tier: 1,
    ts: '2026-03-01T23:59:59.999Z',
    outcome: 'completed',
    tokensIn: 20,
    tokensOut: 7,
    cost: '0.000002100000',
  },
  {
    user: 'bob',
    provider: 'local-sim',
    model: 'sim-large',
    tier: 1,
    ts: '2026-03-02T00:00:00Z',
    outcome: 'client_closed',
    tokensIn: 30,
    tokensOut: null,
    cost: null,
  },
  {
    user: 'bob',
    provider: 'cloud-x',
    model: 'cloud-x-model',
    tier: 4,
    ts: '2026-03-02T10:00:00Z',
    outcome: 'refused',
    tokensIn: null,
    tokensOut: null,
    cost: null,
  },
  {
    user: 'ann',
    provider: 'cloud-x',
    model: 'cloud-x-model',
    tier: 4,
    ts: '2026-03-03T10:00:00Z',
    outcome: 'failed',
    tokensIn: 40,
    tokensOut: null,
    cost: null,
  },
  {
    user: 'bob',
    provider: 'other',
    model: 'sim-small',
    tier: 2,
    ts: '2026-03-03T11:00:00Z',
    outcome: 'completed',
    tokensIn: 1,
    tokensOut: 2,
    cost: '0.100000000001',
  },
];

const outcomes = (o: Partial<Record<Seed['outcome'], number>>) => ({
  completed: 0,
  failed: 0,
  refused: 0,
  client_closed: 0,
  shutdown: 0,
  ...o,
});

describe('GET /admin/usage', () => {
  let app: TestApp;
  let users: Record<Seed['user'], { id: string; key: string }>;

  const usage = async (query = '') => {
    const res = await fetch(`${app.url}/admin/usage${query}`, { headers: { authorization: `Bearer ${app.adminKey}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml());
    users = { ann: await app.createUser(), bob: await app.createUser() };
    for (const s of SEEDS) {
      await app.db.query(
        `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, routed_provider, routed_model,
                                            routed_inference_tier, stream, outcome, tokens_in, tokens_out, cost_usd, refused)
         VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8, $9, $10, $11, $8 = 'refused')`,
        [
          randomUUID(),
          `seed-${s.ts}`,
          s.ts,
          users[s.user].id,
          s.provider,
          s.model,
          s.tier,
          s.outcome,
          s.tokensIn,
          s.tokensOut,
          s.cost,
        ],
      );
    }
  });

  afterAll(async () => {
    await app.close();
  });

  it('groups by provider by default, with exact sums, outcome counts and totals', async () => {
    const { status, body } = await usage();
    expect(status).toBe(200);
    expect(body).toEqual({
      group_by: 'provider',
      since: null,
      until: null,
      items: [
        {
          key: 'cloud-x',
          provider: 'cloud-x',
          completions: 2,
          tokens_in: 40,
          tokens_out: 0,
          cost_usd: null,
          outcomes: outcomes({ refused: 1, failed: 1 }),
        },
        {
          key: 'local-sim',
          provider: 'local-sim',
          completions: 3,
          tokens_in: 60,
          tokens_out: 12,
          cost_usd: 0.0000036,
          outcomes: outcomes({ completed: 2, client_closed: 1 }),
        },
        {
          key: 'other',
          provider: 'other',
          completions: 1,
          tokens_in: 1,
          tokens_out: 2,
          cost_usd: 0.100000000001,
          outcomes: outcomes({ completed: 1 }),
        },
      ],
      totals: {
        completions: 6,
        tokens_in: 101,
        tokens_out: 14,
        // The exact decimal sum 0.100003600001, not a float sum of the groups.
        cost_usd: 0.100003600001,
        outcomes: outcomes({ completed: 3, failed: 1, refused: 1, client_closed: 1 }),
      },
    });
  });

  it('groups by model within its provider, by tier, and by user with the email', async () => {
    const byModel = (await usage('?group_by=model')).body;
    expect(byModel.items.map((i: any) => [i.key, i.provider, i.model, i.completions])).toEqual([
      ['cloud-x/cloud-x-model', 'cloud-x', 'cloud-x-model', 2],
      ['local-sim/sim-large', 'local-sim', 'sim-large', 1],
      ['local-sim/sim-small', 'local-sim', 'sim-small', 2],
      // Same model name, another provider: its own group.
      ['other/sim-small', 'other', 'sim-small', 1],
    ]);

    const byTier = (await usage('?group_by=tier')).body;
    expect(byTier.items.map((i: any) => [i.key, i.tier, i.completions, i.tokens_in])).toEqual([
      ['1', 1, 3, 60],
      ['2', 2, 1, 1],
      ['4', 4, 2, 40],
    ]);

    const byUser = (await usage('?group_by=user')).body;
    const emails = Object.fromEntries(
      (await app.db.query('SELECT id, email FROM users')).rows.map((r: { id: string; email: string }) => [r.id, r.email]),
    );
    const expected = [
      { user: users.ann.id, completions: 3, tokens_in: 70, tokens_out: 12, cost_usd: 0.0000036 },
      { user: users.bob.id, completions: 3, tokens_in: 31, tokens_out: 2, cost_usd: 0.100000000001 },
    ].sort((a, b) => a.user.localeCompare(b.user));
    expect(byUser.items).toEqual(
      expected.map(({ user, ...sums }) => ({
        key: user,
        user_id: user,
        email: emails[user],
        ...sums,
        outcomes: expect.any(Object),
      })),
    );
  });

  it('groups by UTC day and filters by since (inclusive) and until (exclusive)', async () => {
    const byDay = (await usage('?group_by=day')).body;
    expect(byDay.items.map((i: any) => [i.day, i.completions])).toEqual([
      ['2026-03-01', 2],
      ['2026-03-02', 2],
      ['2026-03-03', 2],
    ]);

    const window = (await usage('?group_by=day&since=2026-03-01T23:59:59.999Z&until=2026-03-03T11:00:00Z')).body;
    expect(window.since).toBe('2026-03-01T23:59:59.999Z');
    expect(window.until).toBe('2026-03-03T11:00:00.000Z');
    expect(window.items.map((i: any) => [i.day, i.completions])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-02', 2],
      ['2026-03-03', 1],
    ]);
    expect(window.totals.completions).toBe(4);

    // An offset is accepted and normalised to UTC.
    const offset = (await usage('?since=2026-03-03T12:00:00%2B01:00')).body;
    expect(offset.since).toBe('2026-03-03T11:00:00.000Z');
    expect(offset.items.map((i: any) => i.key)).toEqual(['other']);
  });

  it('answers an empty window with no groups and zero totals', async () => {
    const { status, body } = await usage('?group_by=user&since=2030-01-01T00:00:00Z');
    expect(status).toBe(200);
    expect(body.items).toEqual([]);
    expect(body.totals).toEqual({ completions: 0, tokens_in: 0, tokens_out: 0, cost_usd: null, outcomes: outcomes({}) });
  });

  it('counts completions that went through the gateway', async () => {
    const before = (await usage('?group_by=model')).body;
    const res = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${users.ann.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'count me' }] }),
    });
    expect(res.status).toBe(200);
    const [row] = await app.rows('id = $1', [res.headers.get('x-completion-id')]);
    const after = (await usage('?group_by=model')).body;
    const small = (report: any) => report.items.find((i: any) => i.key === 'local-sim/sim-small');
    expect(small(after).completions).toBe(small(before).completions + 1);
    expect(small(after).tokens_in).toBe(small(before).tokens_in + row.tokens_in);
    expect(small(after).outcomes.completed).toBe(small(before).outcomes.completed + 1);
  });

  it('answers 400 for unknown parameters and bad values', async () => {
    for (const query of [
      '?group_by=week',
      '?group_by=',
      '?group_by=user&group_by=day',
      '?since=yesterday',
      '?until=2026-03-01',
      '?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z',
      '?provider=local-sim',
      '?limit=10',
      '?group_by[]=user',
      '?group_by=%ff',
      '?since=2026-13-01T00:00:00Z',
    ]) {
      const { status, body } = await usage(query);
      expect([query, status]).toEqual([query, 400]);
      expect(body.error.code).toBe('invalid_request');
    }
  });

  it('refuses members (403) and callers without a key (401)', async () => {
    const asMember = await fetch(`${app.url}/admin/usage`, { headers: { authorization: `Bearer ${users.ann.key}` } });
    expect(asMember.status).toBe(403);
    expect(((await asMember.json()) as any).error.code).toBe('forbidden');
    expect((await fetch(`${app.url}/admin/usage`)).status).toBe(401);
  });
});
