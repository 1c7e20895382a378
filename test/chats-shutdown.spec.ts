import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chatsClient, parseFrames } from './chats-client.js';
import { FakeOpenAi, streamOf } from './support/fake-openai.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

const CLOUD = 'cloud-a/cloud-a-model';
const PIECES = Array.from({ length: 40 }, (_, i) => ` w${i}`);

/** Each test stops its own app: after `running.close()` returns, whatever was owed must be in the database. */
describe('chat turns across a shutdown', () => {
  let fake: FakeOpenAi;
  let app: TestApp;

  beforeEach(async () => {
    fake = await new FakeOpenAi().start();
    fake.behaviour = () => streamOf(PIECES, { prompt: 5, completion: 40 }, 40);
    app = await startTestApp(gatewayYaml({ upstreams: { 'cloud-a': fake.baseUrl } }), { SHUTDOWN_GRACE_MS: '300' });
  });

  afterEach(async () => {
    await app.db.end();
    await fake.stop();
  });

  const stored = async (chatId: string) => ({
    messages: (
      await app.db.query('SELECT role, content, error_code FROM messages WHERE chat_id = $1 ORDER BY created_at, id', [chatId])
    ).rows,
    rows: await app.rows('chat_id = $1', [chatId]),
  });

  it('awaits the detached save of a turn whose client left just before the server stopped', async () => {
    const api = chatsClient(app, (await app.createUser()).key);
    const chat = await api.createChat();
    const result = await api.streamTurn(
      chat.id,
      { content: 'go', model: CLOUD },
      { onFrame: (_d, index) => (index >= 3 ? 'close' : undefined) },
    );
    expect(parseFrames(result)).toHaveLength(4);
    await app.running.close();

    const { messages, rows } = await stored(chat.id);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1].content).toMatch(/^ w0 w1/);
    expect(['client_closed', 'service_unavailable', 'provider_unavailable']).toContain(messages[1].error_code);
    expect(rows).toHaveLength(1);
    expect(['client_closed', 'shutdown']).toContain(rows[0].outcome);
  });

  it('stores the partial answer of a stream cut at the grace deadline, with its row', async () => {
    const api = chatsClient(app, (await app.createUser()).key);
    const chat = await api.createChat();
    let closing: Promise<void> | undefined;
    const result = api.streamTurn(
      chat.id,
      { content: 'go', model: CLOUD },
      {
        onFrame: (_d, index) => {
          if (index === 2) closing = app.running.close();
          return undefined;
        },
      },
    );
    const frames = parseFrames(await result);
    await closing;

    const { messages, rows } = await stored(chat.id);
    expect(messages).toHaveLength(2);
    // The pipeline's shutdown error code (a 503).
    expect(['service_unavailable', 'provider_unavailable']).toContain(messages[1].error_code);
    expect(messages[1].content.length).toBeGreaterThan(0);
    expect(messages[1].content.length).toBeLessThan(PIECES.join('').length);
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome).toBe('shutdown');
    // Whatever the client managed to read is a prefix of what was stored.
    const read = frames
      .filter((f) => f.type === 'delta')
      .map((f) => f.content)
      .join('');
    expect(messages[1].content.startsWith(read)).toBe(true);
  });
});
