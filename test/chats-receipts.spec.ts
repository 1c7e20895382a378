import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChatsClient, chatsClient, parseFrames } from './chats-client.js';
import { FakeOpenAi, streamOf } from './support/fake-openai.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

const CLOUD = 'cloud-a/cloud-a-model';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MESSAGE_KEYS = ['message_id', 'message_kind', 'role', 'prompt_tokens', 'completion_tokens'];
const INFERENCE_KEYS = [
  'provider',
  'model',
  'tier',
  'tokens_in',
  'tokens_out',
  'latency_ms',
  'refused',
  'refusal_reason',
  'anonymization_applied',
  'message_id',
  'request_id',
  'outcome',
  'ttft_ms',
  'cost_usd',
  'anonymized_entities',
  'completion_id',
];
const AUDIT_KEYS = ['action', 'actor_user_id', 'details', 'audit_id'];
const KEYS: Record<string, string[]> = {
  message: MESSAGE_KEYS,
  inference: INFERENCE_KEYS,
  error: INFERENCE_KEYS,
  audit: AUDIT_KEYS,
};

/** Every event has exactly ts/kind/detail and every detail key of its kind. */
function expectWellFormed(events: any[]): void {
  for (const event of events) {
    expect(Object.keys(event)).toEqual(['ts', 'kind', 'detail']);
    expect(event.ts).toMatch(ISO);
    expect(Object.keys(event.detail)).toEqual(KEYS[event.kind]);
    if (event.kind === 'inference' || event.kind === 'error') {
      expect(typeof event.detail.tier).toBe('number');
      expect(typeof event.detail.anonymization_applied).toBe('boolean');
      expect(typeof event.detail.refused).toBe('boolean');
    }
  }
  const ts = events.map((e) => e.ts);
  expect(ts).toEqual([...ts].sort());
  expect(new Set(events.map((e) => JSON.stringify(e))).size).toBe(events.length);
}

describe('receipts', () => {
  let fake: FakeOpenAi;
  let app: TestApp;
  let owner: { id: string; key: string };
  let api: ChatsClient;
  let admin: ChatsClient;
  let adminId: string;
  let stranger: ChatsClient;

  /** A chat with one streamed turn and one refused turn. */
  let chat: any;
  let turn: { userId: string; assistantId: string; refusedId: string };

  const auditRows = async (chatId: string) =>
    (
      await app.db.query(`SELECT * FROM audit_log WHERE resource_type = 'chat' AND resource_id = $1 ORDER BY "timestamp", id`, [
        chatId,
      ])
    ).rows;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    fake.behaviour = () => streamOf(['Hello', ' there'], { prompt: 9, completion: 2 });
    app = await startTestApp(gatewayYaml({ upstreams: { 'cloud-a': fake.baseUrl } }));
    owner = await app.createUser('member');
    const adminUser = await app.createUser('admin');
    adminId = adminUser.id;
    api = chatsClient(app, owner.key);
    admin = chatsClient(app, adminUser.key);
    stranger = chatsClient(app, (await app.createUser('member')).key);

    chat = await api.createChat({ minimum_inference_tier: 4 });
    const streamed = parseFrames(await api.streamTurn(chat.id, { content: 'hi', model: CLOUD }));
    const refused = await api.turn(chat.id, { content: 'again', model: CLOUD, minimum_inference_tier: 2 });
    expect(refused.status).toBe(403);
    turn = {
      userId: streamed[0].user_message_id,
      assistantId: streamed[0].message_id,
      refusedId: refused.body.error.details.message_id,
    };
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  describe('GET /chats/:id/receipts', () => {
    it('orders one turn as user message, inference, assistant message, with every detail key of each kind', async () => {
      const res = await api.receipts(chat.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const events = res.body;
      expectWellFormed(events);
      expect(events.map((e: any) => e.kind)).toEqual(['message', 'inference', 'message', 'message', 'error', 'message']);
      const [user, inference, assistant, , error] = events;
      expect(user.detail).toEqual({
        message_id: turn.userId,
        message_kind: 'user',
        role: 'user',
        prompt_tokens: null,
        completion_tokens: null,
      });
      expect(inference.detail).toMatchObject({
        provider: 'cloud-a',
        model: 'cloud-a-model',
        tier: 4,
        tokens_in: 9,
        tokens_out: 2,
        refused: false,
        refusal_reason: null,
        anonymization_applied: false,
        message_id: turn.assistantId,
        outcome: 'completed',
        cost_usd: null,
        anonymized_entities: null,
      });
      expect(assistant.detail).toEqual({
        message_id: turn.assistantId,
        message_kind: 'ai',
        role: 'assistant',
        prompt_tokens: 9,
        completion_tokens: 2,
      });
      expect(error.detail).toMatchObject({
        refused: true,
        outcome: 'refused',
        message_id: turn.refusedId,
        tokens_in: null,
        latency_ms: expect.any(Number),
      });
      expect(error.detail.refusal_reason).toMatch(/^tier_below_minimum:required=2:resolved=4:source=request/);
      // Message content is never in receipts.
      expect(JSON.stringify(events)).not.toContain('Hello there');
    });

    it('rebuilds from the source tables on every call and breaks timestamp ties in turn order', async () => {
      const c = await api.createChat();
      const ts = new Date(Date.now() - 60_000);
      // The assistant's id sorts before the user's, so only the role can put the user message first.
      const [u, a, completion] = [`f${randomUUID().slice(1)}`, `0${randomUUID().slice(1)}`, randomUUID()];
      // Inserted in reverse of the expected order, all at the same millisecond.
      await app.db.query(
        `INSERT INTO messages (id, chat_id, role, kind, content, created_at) VALUES ($1, $2, 'assistant', 'ai', 'a', $3)`,
        [a, c.id, ts],
      );
      await app.db.query(
        `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, chat_id, message_id, routed_provider,
           routed_model, routed_inference_tier, stream, outcome) VALUES ($1, 'seeded', $2, $3, $4, $5, 'p', 'm', 3, true, 'completed')`,
        [completion, ts, owner.id, c.id, a],
      );
      await app.db.query(
        `INSERT INTO audit_log (id, "timestamp", user_id, action, resource_type, resource_id, details)
         VALUES ($1, $2, $3, 'test.seeded', 'chat', $4, '{"n":1}')`,
        [randomUUID(), ts, owner.id, c.id],
      );
      expect((await api.receipts(c.id)).body.map((e: any) => e.kind)).toEqual(['inference', 'message', 'audit']);
      await app.db.query(
        `INSERT INTO messages (id, chat_id, role, kind, content, created_at) VALUES ($1, $2, 'user', 'user', 'u', $3)`,
        [u, c.id, ts],
      );
      const events = (await api.receipts(c.id)).body;
      expectWellFormed(events);
      expect(events.map((e: any) => [e.kind, e.detail.message_id ?? e.detail.action])).toEqual([
        ['message', u],
        ['inference', a],
        ['message', a],
        ['audit', 'test.seeded'],
      ]);
      expect(events[1].detail).toMatchObject({
        tier: 3,
        anonymization_applied: false,
        completion_id: completion,
        request_id: 'seeded',
      });
      expect(events[3].detail).toEqual({
        action: 'test.seeded',
        actor_user_id: owner.id,
        details: { n: 1 },
        audit_id: expect.any(String),
      });
    });

    it('never renders two rows as byte-identical events', async () => {
      const c = await api.createChat();
      const ts = new Date();
      const message = randomUUID();
      for (let i = 0; i < 2; i++) {
        await app.db.query(
          `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, chat_id, message_id, routed_provider,
             routed_model, routed_inference_tier, stream, outcome) VALUES ($1, 'same', $2, $3, $4, $5, 'p', 'm', 2, false, 'completed')`,
          [randomUUID(), ts, owner.id, c.id, message],
        );
      }
      const events = (await api.receipts(c.id)).body;
      expect(events).toHaveLength(2);
      expectWellFormed(events);
    });

    describe('event_kinds', () => {
      let all: any[];
      beforeAll(async () => {
        all = (await api.receipts(chat.id)).body;
        // An audit event on the chat: an admin's read.
        await admin.receipts(chat.id);
        all = (await api.receipts(chat.id)).body;
        expect(new Set(all.map((e) => e.kind))).toEqual(new Set(['message', 'inference', 'error', 'audit']));
      });

      const cases: [string, string, string[] | 'all'][] = [
        ['message,audit', '?event_kinds=message,audit', ['message', 'audit']],
        [
          '" message , inference " (trimmed)',
          `?event_kinds=${encodeURIComponent(' message , inference ')}`,
          ['message', 'inference'],
        ],
        ['foo (unknown only)', '?event_kinds=foo', []],
        ['Message (case-sensitive)', '?event_kinds=Message', []],
        ['"," (nothing valid)', '?event_kinds=,', []],
        ['empty', '?event_kinds=', 'all'],
        ['absent', '', 'all'],
        ['error', '?event_kinds=error', ['error']],
        ['inference,foo (unknown ignored)', '?event_kinds=inference,foo', ['inference']],
        ['repeated (last wins)', '?event_kinds=message&event_kinds=audit', ['audit']],
      ];
      for (const [label, query, kinds] of cases) {
        it(`filters ${label}`, async () => {
          const res = await api.receipts(chat.id, query);
          expect(res.status).toBe(200);
          const expected = kinds === 'all' ? all : all.filter((e) => kinds.includes(e.kind));
          expect(res.body).toEqual(expected);
          if (kinds !== 'all' && kinds.length > 0) expect(new Set(res.body.map((e: any) => e.kind))).toEqual(new Set(kinds));
        });
      }

      it('rejects unknown query parameters', async () => {
        const res = await api.receipts(chat.id, '?kinds=message');
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
      });
    });

    describe('access', () => {
      it('lets the owner read without writing an audit row', async () => {
        const c = await api.createChat();
        expect((await api.receipts(c.id)).status).toBe(200);
        expect(await auditRows(c.id)).toHaveLength(0);
      });

      it('answers another member with the very body a missing chat gets, and writes nothing', async () => {
        const c = await api.createChat();
        const other = await stranger.receipts(c.id);
        const missing = await stranger.receipts(randomUUID());
        expect(other.status).toBe(404);
        expect(missing.status).toBe(404);
        expect(other.text).toBe(missing.text);
        expect(other.body.error.code).toBe('not_found');
        // Also for the owner asking about a chat that does not exist.
        expect((await api.receipts(randomUUID())).text).toBe(missing.text);
        expect(await auditRows(c.id)).toHaveLength(0);
      });

      it("lets an admin read another user's receipts and records that read as an audit row", async () => {
        const c = await api.createChat();
        await api.turn(c.id, { content: 'x', model: 'local-sim/sim-small' });
        const res = await admin.get(`/chats/${c.id}/receipts`, { 'X-Request-Id': 'admin-read-1' });
        expect(res.status).toBe(200);
        const rows = await auditRows(c.id);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          user_id: adminId,
          action: 'chat.receipts_read',
          resource_type: 'chat',
          resource_id: c.id,
          request_id: 'admin-read-1',
          details: { owner_id: owner.id },
        });
        // The read is on the receipt it returned, and on the owner's view.
        const audit = res.body.filter((e: any) => e.kind === 'audit');
        expect(audit).toHaveLength(1);
        expect(audit[0].detail).toMatchObject({ action: 'chat.receipts_read', actor_user_id: adminId });
        expect((await api.receipts(c.id, '?event_kinds=audit')).body).toEqual(audit);
        // An admin reading their own chat is not audited.
        const own = await admin.createChat();
        await admin.receipts(own.id);
        expect(await auditRows(own.id)).toHaveLength(0);
      });

      it('answers 401 without a key and 400 for a malformed id', async () => {
        const anonymous = chatsClient(app, '');
        const noKey = await anonymous.receipts(chat.id);
        expect(noKey.status).toBe(401);
        expect(noKey.body.error.code).toBe('unauthorized');
        const malformed = await api.receipts('not-a-uuid');
        expect(malformed.status).toBe(400);
        expect(malformed.body.error.code).toBe('invalid_request');
        expect((await api.receipts('12345678-1234-1234-1234-1234567890ab%27')).status).toBe(400);
      });

      it('keeps receipts readable after the chat is archived, with the archive on them', async () => {
        const c = await api.createChat();
        await api.turn(c.id, { content: 'x', model: 'local-sim/sim-small' });
        expect((await api.del(`/chats/${c.id}`)).status).toBe(204);
        const res = await api.receipts(c.id);
        expect(res.status).toBe(200);
        expect(res.body.map((e: any) => e.kind)).toEqual(['message', 'inference', 'message', 'audit']);
        expect(res.body[3].detail).toMatchObject({ action: 'chat.archived', actor_user_id: owner.id });
      });
    });
  });

  describe('GET /chats/:id/receipts/export.jsonl', () => {
    const exportOf = (client: ChatsClient, chatId: string, query = '') =>
      client.get(`/chats/${chatId}/receipts/export.jsonl${query}`);
    const lines = (text: string) => text.split('\n').filter((line) => line !== '');

    it('streams the same events as the JSON answer, one object per line, with the two headers', async () => {
      const res = await exportOf(api, chat.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/jsonl');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="chat-${chat.id}-receipts.jsonl"`);
      expect(res.text.endsWith('\n')).toBe(true);
      const events = lines(res.text).map((line) => JSON.parse(line));
      expectWellFormed(events);
      expect(events).toEqual((await api.receipts(chat.id)).body);
    });

    it('applies the same event_kinds filter', async () => {
      for (const [query, kinds] of [
        ['?event_kinds=message', ['message']],
        [`?event_kinds=${encodeURIComponent(' inference ,error')}`, ['inference', 'error']],
        ['?event_kinds=foo', []],
        ['?event_kinds=Message', []],
      ] as const) {
        const res = await exportOf(api, chat.id, query);
        expect(res.status).toBe(200);
        const events = lines(res.text).map((line) => JSON.parse(line));
        expect(events).toEqual((await api.receipts(chat.id, query)).body);
        for (const event of events) expect(kinds).toContain(event.kind);
        if (kinds.length === 0) expect(res.text).toBe('');
      }
    });

    it('answers an empty chat with an empty 200 body', async () => {
      const c = await api.createChat();
      const res = await exportOf(api, c.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/jsonl');
      expect(res.text).toBe('');
    });

    it('follows the same access rules', async () => {
      const c = await api.createChat();
      const other = await exportOf(stranger, c.id);
      expect(other.status).toBe(404);
      expect(other.text).toBe((await exportOf(stranger, randomUUID())).text);
      expect(other.headers.get('content-disposition')).toBeNull();
      expect((await exportOf(chatsClient(app, ''), c.id)).status).toBe(401);
      expect((await exportOf(api, 'nope')).status).toBe(400);
      expect(await auditRows(c.id)).toHaveLength(0);
      const byAdmin = await exportOf(admin, c.id);
      expect(byAdmin.status).toBe(200);
      const rows = await auditRows(c.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: adminId, action: 'chat.receipts_exported' });
      expect(lines(byAdmin.text).map((l) => JSON.parse(l).detail.action)).toEqual(['chat.receipts_exported']);
    });

    it('walks a chat larger than one page without gaps or repeats, ties included', async () => {
      const c = await api.createChat();
      // 2,600 messages and 1,300 rows, three to a millisecond, so keyset pages cut through ties.
      const base = Date.now() - 3_600_000;
      await app.db.query(
        `INSERT INTO messages (id, chat_id, role, kind, content, created_at)
         SELECT gen_random_uuid(), $1, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
                CASE WHEN g % 2 = 0 THEN 'user' ELSE 'ai' END, 'x', to_timestamp(($2::bigint + g / 3) / 1000.0)
           FROM generate_series(0, 2599) g`,
        [c.id, base],
      );
      await app.db.query(
        `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, chat_id, routed_provider, routed_model,
           routed_inference_tier, stream, outcome)
         SELECT gen_random_uuid(), 'bulk', to_timestamp(($2::bigint + g * 2 / 3) / 1000.0), $3, $1, 'p', 'm', 1, true, 'completed'
           FROM generate_series(0, 1299) g`,
        [c.id, base, owner.id],
      );
      const res = await exportOf(api, c.id);
      const events = lines(res.text).map((line) => JSON.parse(line));
      expect(events).toHaveLength(3900);
      expectWellFormed(events);
      const json = (await api.receipts(c.id)).body;
      expect(events).toEqual(json);
      const ids = events.map((e) => e.detail.message_id ?? e.detail.completion_id);
      expect(new Set(ids).size).toBe(3900);
      // Within one millisecond: prompts, then completions, then answers.
      const rank = (e: any) => (e.kind === 'inference' ? 1 : e.detail.role === 'assistant' ? 2 : 0);
      for (let i = 1; i < events.length; i++) {
        if (events[i].ts === events[i - 1].ts) expect(rank(events[i])).toBeGreaterThanOrEqual(rank(events[i - 1]));
      }
    });
  });
});
