import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { completionOf, FakeOpenAi } from './support/fake-openai.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

/** PostgreSQL text cannot hold NUL; text with NUL must neither fail a request nor lose its receipt. */
describe('NUL characters in stored text', () => {
  let app: TestApp;
  let key: string;
  let fake: FakeOpenAi;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    app = await startTestApp(gatewayYaml({ upstreams: { 'local-up': fake.baseUrl } }));
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  it('rejects a model name with control characters as invalid_request, with no row', async () => {
    const res = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'nul-model' },
      body: JSON.stringify({ model: 'a\u0000b', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await app.rows('request_id = $1', ['nul-model'])).toHaveLength(0);
  });

  it('answers 400 for a chat turn or title holding NUL, and stores nothing', async () => {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const badTitle = await fetch(`${app.url}/chats`, { method: 'POST', headers, body: JSON.stringify({ title: 'a\u0000b' }) });
    expect(badTitle.status).toBe(400);
    const chat = (await (await fetch(`${app.url}/chats`, { method: 'POST', headers, body: '{}' })).json()) as { id: string };
    const res = await fetch(`${app.url}/chats/${chat.id}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ content: 'before\u0000after', model: 'local-sim/sim-small' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    const { rows } = await app.db.query('SELECT 1 FROM messages WHERE chat_id = $1', [chat.id]);
    expect(rows).toHaveLength(0);
  });

  it('stores an upstream answer holding NUL with U+FFFD, and its receipt, instead of losing either', async () => {
    fake.behaviour = () => completionOf('before\u0000after');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const chat = (await (await fetch(`${app.url}/chats`, { method: 'POST', headers, body: '{}' })).json()) as { id: string };
    const res = await fetch(`${app.url}/chats/${chat.id}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ content: 'echo this', model: 'local-up/local-up-model' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { message: { id: string } };
    const { rows } = await app.db.query(`SELECT content FROM messages WHERE id = $1`, [body.message.id]);
    expect(rows[0].content).toBe('before\ufffdafter');
    expect(await app.rows('message_id = $1', [body.message.id])).toHaveLength(1);
  });
});
