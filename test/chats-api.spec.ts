import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChatsRepository } from '../src/chats/chats.repository.js';
import { userMessageRow } from '../src/chats/message.row.js';
import { type ChatsClient, chatsClient } from './chats-client.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SIM = 'local-sim/sim-small';

describe('chats API', () => {
  let app: TestApp;
  let owner: { id: string; key: string };
  let api: ChatsClient;
  let stranger: ChatsClient;
  let admin: ChatsClient;

  const chatRow = async (id: string) => (await app.db.query('SELECT * FROM chats WHERE id = $1', [id])).rows[0];

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml());
    owner = await app.createUser('member');
    api = chatsClient(app, owner.key);
    stranger = chatsClient(app, (await app.createUser('member')).key);
    admin = chatsClient(app, app.adminKey);
  });

  afterAll(async () => {
    await app.close();
  });

  describe('POST /chats', () => {
    it('creates a chat owned by the caller, with defaults', async () => {
      const res = await api.post('/chats', {});
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'archived_at',
          'created_at',
          'id',
          'message_count',
          'minimum_inference_tier',
          'owner_id',
          'privileged',
          'title',
          'updated_at',
        ].sort(),
      );
      expect(res.body).toMatchObject({
        owner_id: owner.id,
        title: 'New chat',
        minimum_inference_tier: null,
        privileged: false,
        archived_at: null,
        message_count: 0,
      });
      expect(res.body.created_at).toMatch(ISO);
      expect(res.body.updated_at).toMatch(ISO);
      const row = await chatRow(res.body.id);
      expect(row).toMatchObject({ owner_id: owner.id, title: 'New chat', privileged: false, archived_at: null });
    });

    it('stores a title, a tier floor and the privileged flag', async () => {
      const res = await api.post('/chats', { title: '  Lease review ', minimum_inference_tier: 3, privileged: true });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ title: 'Lease review', minimum_inference_tier: 3, privileged: true });
      expect(await chatRow(res.body.id)).toMatchObject({ title: 'Lease review', minimum_inference_tier: 3, privileged: true });
    });

    it('rejects unknown fields and bad values with 400, creating nothing', async () => {
      const before = (await app.db.query('SELECT count(*)::int AS n FROM chats')).rows[0].n;
      for (const body of [
        { title: 'x', project_id: randomUUID() },
        { minimum_inference_tier: 6 },
        { minimum_inference_tier: 1.5 },
        { title: '' },
        { title: 'x'.repeat(201) },
        { privileged: 'yes' },
      ]) {
        const res = await api.post('/chats', body);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request' });
      }
      const bad = await api.call('POST', '/chats', undefined, { 'content-type': 'application/json' });
      expect(bad.status).toBe(201); // an empty body is an empty object
      expect((await app.db.query('SELECT count(*)::int AS n FROM chats')).rows[0].n).toBe(before + 1);
      expect((await chatsClient(app, '').post('/chats', {})).status).toBe(401);
    });
  });

  describe('GET /chats', () => {
    it('lists only the caller’s unarchived chats, newest first, across pages without gaps or repeats', async () => {
      const user = chatsClient(app, (await app.createUser('member')).key);
      const created: string[] = [];
      for (let i = 0; i < 7; i++) created.push((await user.createChat({ title: `chat ${i}` })).id);
      await stranger.createChat({ title: 'not yours' });
      expect((await user.del(`/chats/${created[3]}`)).status).toBe(204);
      const expected = created.filter((_, i) => i !== 3).reverse();

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: any = await user.get(`/chats?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((c: any) => c.id));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(expected);
      expect(pages).toBe(3);
    });

    it('validates limit, cursor and unknown parameters', async () => {
      for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?cursor=bm9wZQ', '?sort=asc']) {
        const res = await api.get(`/chats${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
      }
      expect((await api.get('/chats?limit=100')).status).toBe(200);
    });
  });

  describe('GET /chats/:id and DELETE /chats/:id', () => {
    it('answers the owner; another member, an admin and a missing id get one identical 404', async () => {
      const chat = await api.createChat();
      const mine = await api.get(`/chats/${chat.id}`);
      expect(mine.status).toBe(200);
      expect(mine.body).toEqual(chat);
      const missing = await stranger.get(`/chats/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        error: { code: 'not_found', message: 'Chat not found.', type: 'not_found', param: null, details: {} },
      });
      for (const other of [stranger, admin]) {
        const res = await other.get(`/chats/${chat.id}`);
        expect(res.status).toBe(404);
        expect(res.text).toBe(missing.text);
        expect((await other.get(`/chats/${chat.id}/messages`)).text).toBe(missing.text);
        expect((await other.del(`/chats/${chat.id}`)).text).toBe(missing.text);
      }
      expect((await chatRow(chat.id)).archived_at).toBeNull();
    });

    it('answers 400 for malformed ids on every chat route', async () => {
      for (const [method, path] of [
        ['GET', '/chats/123'],
        ['DELETE', '/chats/123'],
        ['GET', '/chats/123/messages'],
        ['POST', '/chats/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz/messages'],
        ['GET', '/chats/123/receipts'],
        ['GET', '/chats/123/receipts/export.jsonl'],
      ]) {
        const res = await api.call(method, path, method === 'POST' ? { content: 'x' } : undefined);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(res.body.error.code).toBe('invalid_request');
      }
    });

    it('archives once (204, idempotent), hides the chat from the list and keeps it readable', async () => {
      const chat = await api.createChat();
      expect((await api.del(`/chats/${chat.id}`)).status).toBe(204);
      const archivedAt = (await chatRow(chat.id)).archived_at;
      expect(archivedAt).toBeInstanceOf(Date);
      expect((await api.del(`/chats/${chat.id}`)).status).toBe(204);
      expect((await chatRow(chat.id)).archived_at).toEqual(archivedAt);
      const got = await api.get(`/chats/${chat.id}`);
      expect(got.body.archived_at).toBe(archivedAt.toISOString());
      const list = await api.get('/chats?limit=100');
      expect(list.body.items.map((c: any) => c.id)).not.toContain(chat.id);
      const audit = await app.db.query(
        `SELECT action, user_id FROM audit_log WHERE resource_type = 'chat' AND resource_id = $1`,
        [chat.id],
      );
      expect(audit.rows).toEqual([{ action: 'chat.archived', user_id: owner.id }]);
    });
  });

  it('does not store a user message on a chat archived after the turn passed its first check', async () => {
    // The turn re-checks under the chat row's lock when it commits the user message.
    const chat = await api.createChat();
    await api.del(`/chats/${chat.id}`);
    const repository = app.running.app.get(ChatsRepository);
    const message = userMessageRow(randomUUID(), chat.id, 'late', new Date());
    expect(await repository.addUserMessage(message, 'late')).toBe(false);
    expect((await app.db.query('SELECT count(*)::int AS n FROM messages WHERE chat_id = $1', [chat.id])).rows[0].n).toBe(0);
    const open = await api.createChat();
    expect(await repository.addUserMessage({ ...message, id: randomUUID(), chat_id: open.id }, 'Titled')).toBe(true);
    expect(await chatRow(open.id)).toMatchObject({ title: 'Titled' });
  });

  describe('GET /chats/:id/messages', () => {
    it('pages oldest first with no gaps and no repeats while new turns are added', async () => {
      const chat = await api.createChat();
      for (let i = 0; i < 5; i++) expect((await api.turn(chat.id, { content: `before ${i}`, model: SIM })).status).toBe(201);
      const seen: any[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: any = await api.get(`/chats/${chat.id}/messages?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...res.body.items);
        cursor = res.body.next_cursor;
        pages++;
        // A new turn (two messages) lands between page reads, for the first three pages.
        if (pages <= 3) expect((await api.turn(chat.id, { content: `during ${pages}`, model: SIM })).status).toBe(201);
      } while (cursor && pages < 50);

      const stored = (await app.db.query('SELECT id FROM messages WHERE chat_id = $1 ORDER BY created_at, id', [chat.id])).rows;
      expect(stored).toHaveLength(16);
      expect(pages).toBe(6);
      // Every message, including those added mid-way, exactly once and in order.
      expect(seen.map((m) => m.id)).toEqual(stored.map((r) => r.id));
      expect(seen.map((m) => m.role)).toEqual(seen.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
      expect(seen.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
        'before 0',
        'before 1',
        'before 2',
        'before 3',
        'before 4',
        'during 1',
        'during 2',
        'during 3',
      ]);
      const [user, assistant] = seen;
      expect(Object.keys(assistant).sort()).toEqual(
        [
          'chat_id',
          'completion_tokens',
          'content',
          'cost_estimate',
          'created_at',
          'error_code',
          'id',
          'kind',
          'prompt_tokens',
          'requested_model',
          'role',
          'routed_inference_tier',
          'routed_model',
          'routed_provider',
        ].sort(),
      );
      expect(user).toMatchObject({ role: 'user', kind: 'user', routed_provider: null, prompt_tokens: null });
      expect(assistant).toMatchObject({ role: 'assistant', kind: 'ai', routed_provider: 'local-sim', routed_inference_tier: 1 });
      expect(typeof assistant.cost_estimate).toBe('number');
      expect((await api.get(`/chats/${chat.id}`)).body.message_count).toBe(16);
    });

    it('lists the messages of an archived chat to its owner', async () => {
      const chat = await api.createChat();
      await api.turn(chat.id, { content: 'keep me', model: SIM });
      await api.del(`/chats/${chat.id}`);
      const res = await api.get(`/chats/${chat.id}/messages`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((m: any) => m.role)).toEqual(['user', 'assistant']);
      expect(res.body.next_cursor).toBeNull();
    });
  });
});
