import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeOpenAi, sleep } from './support/fake-openai.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

const CHUNKS = 6000;
const PIECE = 'x'.repeat(8 * 1024);

/** A slow client slows the upstream read: Tally does not buffer a stream its client is not reading. */
describe('backpressure on a stream', () => {
  let fake: FakeOpenAi;
  let app: TestApp;
  let key: string;
  /** Bytes the upstream has handed to its socket so far (it waits for `drain` as a server should). */
  let sent = 0;
  let total = 0;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    fake.behaviour =
      () =>
      async ({ sse, res }) => {
        sse.start();
        sse.role();
        for (let i = 0; i < CHUNKS; i++) {
          const frame = `data: ${JSON.stringify({ id: sse.id, object: 'chat.completion.chunk', created: 1, model: sse.model, choices: [{ index: 0, delta: { content: PIECE }, finish_reason: null }] })}\n\n`;
          sent += frame.length;
          if (!res.write(frame)) {
            await new Promise((resolve) => {
              res.once('drain', resolve);
              res.once('close', resolve);
            });
          }
          if (res.destroyed) return;
        }
        sse.finish();
        sse.usage(3, CHUNKS);
        sse.done();
      };
    app = await startTestApp(gatewayYaml({ upstreams: { 'local-up': fake.baseUrl } }));
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  it('stops reading the upstream while the client reads nothing, then delivers the whole stream', async () => {
    sent = 0;
    const payload = JSON.stringify({
      model: 'local-up/local-up-model',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const { sentWhilePaused, body, headers } = await new Promise<{
      sentWhilePaused: number;
      body: string;
      headers: Record<string, unknown>;
    }>((resolve, reject) => {
      const req = request(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      });
      req.on('error', reject);
      req.on('response', async (res) => {
        res.pause();
        await sleep(2000);
        const sentWhilePaused = sent;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          body += text;
        });
        res.on('end', () => resolve({ sentWhilePaused, body, headers: res.headers }));
        res.resume();
      });
      req.end(payload);
    });
    total = sent;
    // Socket buffers on loopback hold a few MB (8 of 50 MB measured); without backpressure the upstream sends it all.
    expect(sentWhilePaused).toBeLessThan(total / 3);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(body.split('"content":"x').length - 1).toBe(CHUNKS);
    const [row] = await app.rows('id = $1', [headers['x-completion-id']]);
    expect(row).toMatchObject({ outcome: 'completed', tokens_out: CHUNKS });
  }, 60_000);
});
