import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { placeholdersFor } from '../src/admin/dto/turn.dto.js';
import { ROUTING_LOG_COLUMNS } from '../src/routing-log/routing-log.row.js';
import { type ChatsClient, chatsClient } from './chats-client.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

const SIM = 'local-sim/sim-small';
const NAME = 'Margaret Thornbury';
const EMAIL = 'm.thornbury@example.com';

describe('placeholdersFor', () => {
  it('names every placeholder the counts imply, types in alphabetical order, numbered from 1', () => {
    expect(placeholdersFor({ PERSON: 2, EMAIL_ADDRESS: 1 })).toEqual(['EMAIL_ADDRESS_0001', 'PERSON_0001', 'PERSON_0002']);
    expect(placeholdersFor({})).toEqual([]);
    expect(placeholdersFor(null)).toEqual([]);
  });

  it('pads to four digits and grows past 9999', () => {
    const names = placeholdersFor({ URL: 10000 });
    expect(names).toHaveLength(10000);
    expect(names[8]).toBe('URL_0009');
    expect(names[9998]).toBe('URL_9999');
    expect(names[9999]).toBe('URL_10000');
  });

  it('ignores entries that are not an upper-case type with a positive integer count', () => {
    expect(placeholdersFor({ person: 1, PERSON: 1.5, URL: -1, IP_ADDRESS: '2', 'X<script>': 1, CASE_NUMBER: 1 })).toEqual([
      'CASE_NUMBER_0001',
    ]);
  });
});

describe('GET /admin/turns/:messageId', () => {
  let app: TestApp;
  let member: { id: string; key: string };
  let api: ChatsClient;
  let adminId: string;

  const asAdmin = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${app.adminKey}`, ...headers } });
  const inspect = async (messageId: string, headers: Record<string, string> = {}) => {
    const res = await asAdmin(`/admin/turns/${messageId}`, headers);
    expect(res.status).toBe(200);
    return (await res.json()) as any;
  };
  const inspections = async () =>
    (await app.db.query(`SELECT * FROM audit_log WHERE action = 'turn.inspected' ORDER BY "timestamp", id`)).rows;
  const turn = async (chatId: string, body: Record<string, unknown>) => {
    const res = await api.turn(chatId, { model: SIM, ...body });
    expect(res.status).toBe(201);
    return res.body as { message: { id: string }; user_message: { id: string } };
  };

  beforeAll(async () => {
    app = await startTestApp(
      gatewayYaml({
        // Anonymize at the simulated provider's tier, so turns through it are anonymized.
        anonymization: '{ enabled: true, apply_at_tiers: [1] }',
        upstreams: { 'cloud-x': 'http://127.0.0.1:1/v1' },
      }),
    );
    member = await app.createUser('member');
    api = chatsClient(app, member.key);
    adminId = (await app.db.query(`SELECT id FROM users WHERE role = 'admin'`)).rows[0].id;
  });

  afterAll(async () => {
    await app.close();
  });

  it('shows the prompting user message, the assistant message and its routing-log row in the admin row shape', async () => {
    const chatA = await api.createChat();
    const chatB = await api.createChat();
    const first = await turn(chatA.id, { content: 'First question about leases' });
    await turn(chatB.id, { content: 'A question in another chat' });
    const second = await turn(chatA.id, { content: 'Second question about deposits' });

    for (const t of [first, second]) {
      const view = await inspect(t.message.id);
      const stored = (
        await app.db.query('SELECT id, role, content FROM messages WHERE id = ANY($1) ORDER BY created_at', [
          [t.user_message.id, t.message.id],
        ])
      ).rows;
      expect(view.message_id).toBe(t.message.id);
      expect(view.chat_id).toBe(chatA.id);
      expect(view.messages.map((m: any) => ({ id: m.id, role: m.role, content: m.content }))).toEqual(stored);
      expect(view.messages[0].id).toBe(t.user_message.id);

      const rows = await app.rows('message_id = $1', [t.message.id]);
      expect(rows).toHaveLength(1);
      expect(view.routing_log).toHaveLength(1);
      expect(view.routing_log_truncated).toBe(false);
      const row = view.routing_log[0];
      expect(Object.keys(row).sort()).toEqual([...ROUTING_LOG_COLUMNS].sort());
      expect(row).toMatchObject({
        id: rows[0].id,
        request_id: rows[0].request_id,
        timestamp: rows[0].timestamp.toISOString(),
        chat_id: chatA.id,
        message_id: t.message.id,
        outcome: 'completed',
        routed_provider: 'local-sim',
        routed_inference_tier: 1,
        cost_usd: Number(rows[0].cost_usd),
      });
      expect(typeof row.cost_usd).toBe('number');
    }
  });

  it('gives the anonymization record with entity counts and derived placeholder names, never an original value', async () => {
    const chat = await api.createChat();
    const t = await turn(chat.id, { content: `Please write to ${NAME} at ${EMAIL} about the lease.` });
    const [row] = await app.rows('message_id = $1', [t.message.id]);
    expect(row.anonymization_applied).toBe(true);
    expect(row.anonymized_entities).toMatchObject({ EMAIL_ADDRESS: 1, PERSON: 1 });

    const view = await inspect(t.message.id);
    expect(view.anonymization).toEqual({
      completion_id: row.id,
      applied: true,
      skip_reason: null,
      entity_counts: row.anonymized_entities,
      placeholders_used: placeholdersFor(row.anonymized_entities),
    });
    expect(view.anonymization.placeholders_used).toEqual(expect.arrayContaining(['EMAIL_ADDRESS_0001', 'PERSON_0001']));
    const record = JSON.stringify([view.anonymization, view.routing_log]);
    for (const original of [NAME, 'Margaret', 'Thornbury', EMAIL]) expect(record).not.toContain(original);
    // The messages are the conversation as stored, originals included: that is why each read is audited.
    expect(view.messages[0].content).toContain(NAME);
  });

  it('gives the reason anonymization was skipped, with no counts and no placeholders', async () => {
    const optedOut = await turn((await api.createChat()).id, { content: `Call ${NAME}.`, anonymize: false });
    const privileged = await turn((await api.createChat({ privileged: true })).id, { content: `Call ${NAME}.` });
    for (const [t, reason] of [
      [optedOut, 'request_opt_out'],
      [privileged, 'privileged'],
    ] as const) {
      const view = await inspect(t.message.id);
      expect(view.anonymization).toMatchObject({
        applied: false,
        skip_reason: reason,
        entity_counts: null,
        placeholders_used: [],
      });
      expect(view.routing_log[0].anonymization_skip_reason).toBe(reason);
    }
  });

  it('shows a refused turn: its refusal message and the refused row', async () => {
    const chat = await api.createChat();
    const res = await api.turn(chat.id, {
      content: 'Too weak a tier',
      model: 'cloud-x/cloud-x-model',
      minimum_inference_tier: 1,
    });
    expect(res.status).toBe(403);
    const messageId = res.body.error.details.message_id as string;
    const view = await inspect(messageId);
    expect(view.messages.map((m: any) => [m.role, m.kind])).toEqual([
      ['user', 'user'],
      ['assistant', 'refusal'],
    ]);
    expect(view.messages[0].id).toBe(res.body.error.details.user_message_id);
    expect(view.routing_log).toHaveLength(1);
    expect(view.routing_log[0]).toMatchObject({ outcome: 'refused', refused: true, message_id: messageId });
  });

  it('shows a direct API completion that carried a message_id: its row, and no messages', async () => {
    const messageId = randomUUID();
    const chatId = randomUUID();
    const res = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: SIM,
        messages: [{ role: 'user', content: 'hello' }],
        chat_id: chatId,
        message_id: messageId,
      }),
    });
    expect(res.status).toBe(200);
    const view = await inspect(messageId);
    expect(view).toMatchObject({ message_id: messageId, chat_id: chatId, messages: [] });
    expect(view.routing_log.map((r: any) => r.id)).toEqual([res.headers.get('x-completion-id')]);
    expect(view.anonymization.completion_id).toBe(res.headers.get('x-completion-id'));
  });

  it('keeps the newest 100 rows of a message_id reused by a direct API caller, and says so', async () => {
    const messageId = randomUUID();
    await app.db.query(
      `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, message_id, routed_provider, routed_model,
                                          routed_inference_tier, stream, outcome, anonymization_applied, anonymized_entities)
       SELECT gen_random_uuid(), 'reuse-' || n, timestamptz '2026-01-01T00:00:00Z' + n * interval '1 second', $1, $2,
              'local-sim', 'sim-small', 1, false, 'completed', n = 101, CASE WHEN n = 101 THEN '{"URL": 2}'::jsonb END
         FROM generate_series(1, 101) AS n`,
      [member.id, messageId],
    );
    const view = await inspect(messageId);
    expect(view.routing_log_truncated).toBe(true);
    expect(view.routing_log.map((r: any) => r.request_id)).toEqual(Array.from({ length: 100 }, (_, i) => `reuse-${i + 2}`));
    expect(view.anonymization).toMatchObject({ applied: true, placeholders_used: ['URL_0001', 'URL_0002'] });
  });

  it('writes one turn.inspected audit row per read, attributed to the admin, with the request id', async () => {
    const chat = await api.createChat();
    const t = await turn(chat.id, { content: 'Audit me' });
    const before = (await inspections()).length;
    await inspect(t.message.id, { 'x-request-id': 'inspect-1' });
    await inspect(t.message.id, { 'x-request-id': 'inspect-2' });
    const rows = (await inspections()).slice(before);
    expect(rows).toHaveLength(2);
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({
        user_id: adminId,
        action: 'turn.inspected',
        resource_type: 'message',
        resource_id: t.message.id,
        details: { chat_id: chat.id, owner_id: member.id },
        request_id: `inspect-${i + 1}`,
      });
    }
  });

  it('refuses members (403) and callers without a key (401), and answers 400 / 404 without writing an audit row', async () => {
    const chat = await api.createChat();
    const t = await turn(chat.id, { content: 'Not for members' });
    const before = (await inspections()).length;

    const asMember = await fetch(`${app.url}/admin/turns/${t.message.id}`, {
      headers: { authorization: `Bearer ${member.key}` },
    });
    expect(asMember.status).toBe(403);
    expect(((await asMember.json()) as any).error.code).toBe('forbidden');
    expect((await fetch(`${app.url}/admin/turns/${t.message.id}`)).status).toBe(401);

    for (const [path, status, code] of [
      ['/admin/turns/not-a-uuid', 400, 'invalid_request'],
      ['/admin/turns/%ff', 400, 'invalid_request'],
      [`/admin/turns/${t.message.id.toUpperCase()}x`, 400, 'invalid_request'],
      [`/admin/turns/${t.message.id}?verbose=1`, 400, 'invalid_request'],
      [`/admin/turns/${randomUUID()}`, 404, 'not_found'],
      // A user message is not a turn: turns are keyed by the assistant message id.
      [`/admin/turns/${t.user_message.id}`, 404, 'not_found'],
    ] as const) {
      const res = await asAdmin(path);
      expect(res.status).toBe(status);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe(code);
    }
    expect(await inspections()).toHaveLength(before);
  });
});
