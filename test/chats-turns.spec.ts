import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type ChatsClient, chatsClient, parseFrames } from './chats-client.js';
import { completionOf, errorOf, FakeOpenAi, sleep, streamOf } from './support/fake-openai.js';
import { eventually, gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

const PIECES = ['The', ' quick', ' brown', ' fox', '.'];
const CLOUD = 'cloud-a/cloud-a-model';

describe('chat turns', () => {
  let fake: FakeOpenAi;
  let app: TestApp;
  let owner: { id: string; key: string };
  let api: ChatsClient;

  const messageRow = async (id: string) => (await app.db.query('SELECT * FROM messages WHERE id = $1', [id])).rows;
  const chatMessages = async (chatId: string) =>
    (await app.db.query('SELECT * FROM messages WHERE chat_id = $1 ORDER BY created_at, id', [chatId])).rows;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    const yaml = gatewayYaml({
      anonymization: '{ enabled: true, apply_at_tiers: [4] }',
      upstreams: { 'cloud-a': fake.baseUrl },
      prices: '  "cloud-a/cloud-a-model": { input: 2.5, output: 10 }',
    });
    app = await startTestApp(yaml);
    owner = await app.createUser('member');
    api = chatsClient(app, owner.key);
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  beforeEach(() => {
    fake.behaviour = (body) =>
      body.stream ? streamOf(PIECES, { prompt: 11, completion: 5 }) : completionOf('Fine.', { prompt: 21, completion: 3 });
  });

  it('streams a turn whose receipt is readable the instant a client that hangs up on [DONE] reads it', async () => {
    const chat = await api.createChat();
    let doneSeen = false;
    const result = await api.streamTurn(
      chat.id,
      { content: 'Tell me about foxes', model: CLOUD },
      {
        headers: { 'X-Request-Id': 'turn-stream-done' },
        onFrame: (data) => {
          if (data !== '[DONE]') return undefined;
          doneSeen = true;
          return 'close';
        },
      },
    );
    // Read right after the socket was destroyed on [DONE]: no sleep, no retry.
    const receipts = await api.receipts(chat.id, '?event_kinds=inference');
    const stored = await chatMessages(chat.id);

    expect(doneSeen).toBe(true);
    expect(result.closedByClient).toBe(true);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toMatch(/^text\/event-stream/);
    const frames = parseFrames(result);
    const start = frames[0];
    expect(start).toEqual({
      type: 'start',
      chat_id: chat.id,
      message_id: expect.any(String),
      user_message_id: expect.any(String),
    });
    const assistantId = start.message_id;
    const deltas = frames.filter((f) => f.type === 'delta');
    expect(deltas.map((d) => d.content).join('')).toBe(PIECES.join(''));
    for (const delta of deltas) expect(delta.message_id).toBe(assistantId);
    const complete = frames.at(-2);
    expect(complete).toMatchObject({
      type: 'complete',
      message_id: assistantId,
      message: { id: assistantId, content: PIECES.join('') },
    });
    expect(frames.at(-1)).toBe('[DONE]');

    expect(receipts.status).toBe(200);
    expect(receipts.body).toHaveLength(1);
    const [event] = receipts.body;
    expect(event.kind).toBe('inference');
    expect(event.detail.message_id).toBe(assistantId);
    expect(typeof event.detail.tier).toBe('number');
    expect(event.detail.tier).toBe(4);
    expect(typeof event.detail.anonymization_applied).toBe('boolean');
    expect(event.detail).toMatchObject({
      provider: 'cloud-a',
      model: 'cloud-a-model',
      tokens_in: 11,
      tokens_out: 5,
      outcome: 'completed',
    });
    // The complete frame's receipt is the same inference event detail.
    expect(complete.receipt).toEqual(event.detail);

    // Database: the user message, then the assistant message under the pre-minted id, and one row.
    expect(stored.map((m) => [m.role, m.kind])).toEqual([
      ['user', 'user'],
      ['assistant', 'ai'],
    ]);
    expect(stored[0]).toMatchObject({ id: start.user_message_id, content: 'Tell me about foxes' });
    expect(stored[1]).toMatchObject({
      id: assistantId,
      content: PIECES.join(''),
      requested_model: CLOUD,
      routed_provider: 'cloud-a',
      routed_model: 'cloud-a-model',
      routed_inference_tier: 4,
      prompt_tokens: 11,
      completion_tokens: 5,
      cost_estimate: '0.000077500000',
      error_code: null,
    });
    const rows = await app.rows('chat_id = $1', [chat.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ message_id: assistantId, request_id: 'turn-stream-done', user_id: owner.id, stream: true });
    expect(rows[0].id).toBe(result.headers['x-completion-id']);
  });

  it('answers a non-streamed turn with the message, the user message and its receipt, all committed', async () => {
    const chat = await api.createChat();
    const res = await api.turn(chat.id, { content: 'Hello', model: CLOUD }, { 'X-Request-Id': 'turn-json' });
    const receipts = await api.receipts(chat.id, '?event_kinds=inference');

    expect(res.status).toBe(201);
    const { message, user_message, receipt } = res.body;
    expect(message).toMatchObject({
      chat_id: chat.id,
      role: 'assistant',
      kind: 'ai',
      content: 'Fine.',
      routed_provider: 'cloud-a',
      routed_inference_tier: 4,
      prompt_tokens: 21,
      completion_tokens: 3,
      error_code: null,
    });
    expect(message.cost_estimate).toBeCloseTo((21 * 2.5 + 3 * 10) / 1e6, 12);
    expect(user_message).toMatchObject({ chat_id: chat.id, role: 'user', kind: 'user', content: 'Hello' });
    expect(receipts.body).toHaveLength(1);
    expect(receipts.body[0].detail.message_id).toBe(message.id);
    expect(typeof receipts.body[0].detail.tier).toBe('number');
    expect(typeof receipts.body[0].detail.anonymization_applied).toBe('boolean');
    expect(receipt).toEqual(receipts.body[0].detail);
    expect(await messageRow(message.id)).toHaveLength(1);
    expect(res.headers.get('x-completion-id')).toBe(receipt.completion_id);
    const rows = await app.rows('chat_id = $1', [chat.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ message_id: message.id, stream: false, request_id: 'turn-json' });
  });

  for (const stream of [false, true]) {
    it(`refuses a turn (stream:${stream}) whose model is weaker than the chat's floor, storing the refusal`, async () => {
      const chat = await api.createChat({ minimum_inference_tier: 2 });
      const res = await api.call('POST', `/chats/${chat.id}/messages`, { content: 'secret', model: CLOUD, stream });
      const receipts = await api.receipts(chat.id);

      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.error).toMatchObject({ code: 'tier_below_minimum', details: { chat_id: chat.id, source: 'chat' } });
      const assistantId = res.body.error.details.message_id;
      const errors = receipts.body.filter((e: any) => e.kind === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].detail).toMatchObject({ refused: true, message_id: assistantId, tier: 4, anonymization_applied: false });
      expect(errors[0].detail.refusal_reason).toMatch(/^tier_below_minimum:required=2:resolved=4:source=chat/);
      expect(receipts.body.filter((e: any) => e.kind === 'inference')).toHaveLength(0);
      const [stored] = await messageRow(assistantId);
      expect(stored).toMatchObject({
        chat_id: chat.id,
        role: 'assistant',
        kind: 'refusal',
        error_code: 'tier_below_minimum',
        content: '',
      });
      expect(await chatMessages(chat.id)).toHaveLength(2);
      // The upstream was never called.
      expect(fake.requests.some((r) => JSON.stringify(r.body).includes('secret'))).toBe(false);
    });
  }

  it('stores a turn that fails mid-stream with its error code and the content that had arrived, before [DONE]', async () => {
    fake.behaviour =
      () =>
      async ({ sse, res }) => {
        sse.start();
        sse.role();
        sse.content('Half an');
        sse.content(' answer');
        await sleep(5);
        res.destroy();
      };
    const chat = await api.createChat();
    const result = await api.streamTurn(
      chat.id,
      { content: 'go', model: CLOUD },
      { onFrame: (data) => (data === '[DONE]' ? 'close' : undefined) },
    );
    const frames = parseFrames(result);
    const assistantId = frames[0].message_id;
    const [stored] = await messageRow(assistantId);
    const rows = await app.rows('chat_id = $1', [chat.id]);

    expect(frames.at(-1)).toBe('[DONE]');
    expect(frames.at(-2)).toEqual({
      type: 'error',
      message_id: assistantId,
      error: { code: 'provider_unavailable', message: expect.any(String) },
    });
    expect(frames.some((f) => f.type === 'complete')).toBe(false);
    expect(stored).toMatchObject({
      kind: 'ai',
      content: 'Half an answer',
      error_code: 'provider_unavailable',
      routed_provider: 'cloud-a',
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'failed', message_id: assistantId });
  });

  it('answers a failed non-streamed turn with the upstream error and still stores the assistant message', async () => {
    fake.behaviour = () => errorOf(500);
    const chat = await api.createChat();
    const res = await api.turn(chat.id, { content: 'go', model: CLOUD });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('provider_unavailable');
    const assistantId = res.body.error.details.message_id;
    const [stored] = await messageRow(assistantId);
    expect(stored).toMatchObject({
      role: 'assistant',
      content: '',
      error_code: 'provider_unavailable',
      routed_provider: 'cloud-a',
    });
    const receipts = await api.receipts(chat.id, '?event_kinds=inference');
    expect(receipts.body).toHaveLength(1);
    expect(receipts.body[0].detail).toMatchObject({ message_id: assistantId, outcome: 'failed', refused: false });
  });

  it('keeps the partial assistant message and the row when the client disconnects mid-turn', async () => {
    fake.behaviour = () => streamOf(['one', ' two', ' three', ' four', ' five', ' six'], { prompt: 3, completion: 6 }, 25);
    const chat = await api.createChat();
    const before = fake.requests.length;
    const result = await api.streamTurn(
      chat.id,
      { content: 'count', model: CLOUD },
      { onFrame: (_data, index) => (index >= 2 ? 'close' : undefined) },
    );
    const frames = parseFrames(result);
    const assistantId = frames[0].message_id;
    expect(frames).toHaveLength(3);
    // The client is gone: the message and the row are written detached from the response.
    await eventually(
      async () => (await messageRow(assistantId)).length > 0 && (await app.rows('chat_id = $1', [chat.id])).length > 0,
    );
    await eventually(async () => fake.requests[before]?.aborted === true);
    const [stored] = await messageRow(assistantId);
    expect(stored.error_code).toBe('client_closed');
    expect(stored.content.startsWith('one two')).toBe(true);
    expect(stored.content.length).toBeLessThan('one two three four five six'.length);
    expect(stored.routed_provider).toBe('cloud-a');
    const rows = await app.rows('chat_id = $1', [chat.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'client_closed', message_id: assistantId });
  });

  it('sends the chat history upstream and titles the chat from its first user message only', async () => {
    const chat = await api.createChat();
    expect(chat.title).toBe('New chat');
    await api.turn(chat.id, { content: '\n   Draft   a\tletter to\nthe landlord', model: CLOUD });
    const res = await api.turn(chat.id, {
      content: 'Make it shorter',
      model: CLOUD,
      anonymize: false,
      minimum_inference_tier: 5,
    });
    expect(res.status).toBe(201);
    const sent = fake.requests.at(-1)!.body;
    expect(sent.messages).toEqual([
      { role: 'user', content: '\n   Draft   a\tletter to\nthe landlord' },
      { role: 'assistant', content: 'Fine.' },
      { role: 'user', content: 'Make it shorter' },
    ]);
    // Tally's own fields never leave.
    for (const field of ['anonymize', 'chat_id', 'message_id', 'minimum_inference_tier', 'purpose'])
      expect(sent).not.toHaveProperty(field);
    const got = await api.get(`/chats/${chat.id}`);
    expect(got.body).toMatchObject({ title: 'Draft a letter to', message_count: 4 });
    const [row] = await app.rows('message_id = $1', [res.body.message.id]);
    expect(row).toMatchObject({
      chat_id: chat.id,
      anonymization_applied: false,
      anonymization_skip_reason: 'request_opt_out',
      purpose: 'chat',
    });

    const named = await api.createChat({ title: 'Lease' });
    await api.turn(named.id, { content: 'Something else', model: CLOUD });
    expect((await api.get(`/chats/${named.id}`)).body.title).toBe('Lease');
  });

  it("passes the chat's privileged flag to the anonymization gate", async () => {
    const chat = await api.createChat({ privileged: true });
    const res = await api.turn(chat.id, { content: 'privileged matter', model: CLOUD });
    const [row] = await app.rows('message_id = $1', [res.body.message.id]);
    expect(row).toMatchObject({ anonymization_applied: false, anonymization_skip_reason: 'privileged' });
    const open = await api.createChat();
    const other = await api.turn(open.id, { content: 'ordinary matter', model: CLOUD });
    const [openRow] = await app.rows('message_id = $1', [other.body.message.id]);
    expect(openRow.anonymization_skip_reason).not.toBe('privileged');
  });

  it('refuses turns on an archived chat with 404 and stores nothing', async () => {
    const chat = await api.createChat();
    expect((await api.del(`/chats/${chat.id}`)).status).toBe(204);
    const res = await api.turn(chat.id, { content: 'hello?', model: CLOUD });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(await chatMessages(chat.id)).toHaveLength(0);
    expect(await app.rows('chat_id = $1', [chat.id])).toHaveLength(0);
  });

  it('rejects unknown fields and bad values in a turn body with 400 and stores nothing', async () => {
    const chat = await api.createChat();
    for (const body of [{ content: 'x', temperature: 0.2 }, { content: '' }, { content: 'x', stream: 'yes' }, {}]) {
      const res = await api.call('POST', `/chats/${chat.id}/messages`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect(await chatMessages(chat.id)).toHaveLength(0);
  });

  it('answers 404 for a turn on another user’s chat and 400 for a malformed id', async () => {
    const other = chatsClient(app, (await app.createUser('member')).key);
    const chat = await api.createChat();
    const res = await other.turn(chat.id, { content: 'hi', model: CLOUD });
    expect(res.status).toBe(404);
    expect((await other.turn('not-a-uuid', { content: 'hi' })).status).toBe(400);
    expect(await chatMessages(chat.id)).toHaveLength(0);
  });

  it('runs a turn on the built-in simulated provider, streamed and not', async () => {
    const chat = await api.createChat();
    const json = await api.turn(chat.id, { content: 'ping', model: 'local-sim/sim-small' });
    expect(json.status).toBe(201);
    expect(json.body.message).toMatchObject({ routed_provider: 'local-sim', routed_inference_tier: 1, error_code: null });
    expect(json.body.message.completion_tokens).toBeGreaterThan(0);
    const streamed = await api.streamTurn(chat.id, { content: 'pong', model: 'local-sim/sim-small' });
    const frames = parseFrames(streamed);
    const complete = frames.find((f) => f.type === 'complete');
    expect(complete.message.content).toContain('You said: "pong"');
    expect(complete.message.completion_tokens).toBeGreaterThan(0);
    const [stored] = await messageRow(complete.message_id);
    expect(stored.content).toBe(complete.message.content);
  });
});
