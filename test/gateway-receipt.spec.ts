import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { completionOf, FakeOpenAi, streamOf } from './support/fake-openai.js';
import { eventually, gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

const PIECES = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.'];

describe('the receipt invariant', () => {
  let fake: FakeOpenAi;
  let app: TestApp;
  let member: { id: string; key: string };

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    app = await startTestApp(
      gatewayYaml({
        upstreams: { 'cloud-a': fake.baseUrl },
        prices: '  "cloud-a/cloud-a-model": { input: 2.5, output: 10.125 }',
      }),
    );
    member = await app.createUser('member');
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  beforeEach(() => {
    fake.behaviour = (body) =>
      body.stream ? streamOf(PIECES, { prompt: 11, completion: 5 }) : completionOf('fine', { prompt: 1234, completion: 567 });
  });

  it('has the row committed when [DONE] is read, for a client that hangs up on [DONE]', async () => {
    let doneSeen = false;
    const result = await postSse(
      app.url,
      member.key,
      { model: 'cloud-a/cloud-a-model', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      {
        headers: { 'X-Request-Id': 'req_caller_supplied' },
        onFrame: (data) => {
          if (data !== '[DONE]') return undefined;
          doneSeen = true;
          return 'close';
        },
      },
    );
    // Queried the instant [DONE] was read and the socket destroyed: no sleep, no retry.
    const rowsAtDone = await app.rows('request_id = $1', ['req_caller_supplied']);
    expect(doneSeen).toBe(true);
    expect(result.closedByClient).toBe(true);
    expect(result.headers['x-request-id']).toBe('req_caller_supplied');
    expect(rowsAtDone).toHaveLength(1);
    const row = rowsAtDone[0];
    expect(row).toMatchObject({
      outcome: 'completed',
      stream: true,
      tokens_in: 11,
      tokens_out: 5,
      routed_inference_tier: 4,
      routed_provider: 'cloud-a',
      routed_model: 'cloud-a-model',
      requested_model: 'cloud-a/cloud-a-model',
      user_id: member.id,
      request_id: 'req_caller_supplied',
      refused: false,
    });
    expect(row.id).toBe(result.headers['x-completion-id']);
    expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    expect(row.ttft_ms).toBeGreaterThanOrEqual(0);
    // The client saw the whole answer before [DONE], every chunk stamped with the route.
    const chunks = result.frames.slice(0, -1).map((f) => JSON.parse(f));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(PIECES.join(''));
    for (const chunk of chunks) expect(chunk).toMatchObject({ routed_provider: 'cloud-a', routed_inference_tier: 4 });
    // include_usage was asked upstream but not by the client: stripped.
    expect(fake.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
  });

  it('forwards usage when the client asks for it, with data-only framing ending in [DONE]', async () => {
    const result = await postSse(app.url, member.key, {
      model: 'cloud-a/cloud-a-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    const usageChunk = result.frames.map((f) => (f === '[DONE]' ? null : JSON.parse(f))).find((c) => c?.usage);
    expect(usageChunk.usage).toEqual({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
    expect(result.frames.at(-1)).toBe('[DONE]');
    expect(result.raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(result.raw).not.toContain('event:');
    expect(await app.rows('id = $1', [result.headers['x-completion-id']])).toHaveLength(1);
  });

  describe('through the official openai SDK', () => {
    let client: OpenAI;
    beforeAll(() => {
      client = new OpenAI({ apiKey: member.key, baseURL: `${app.url}/v1`, maxRetries: 0 });
    });

    it('streams, and the row exists as soon as the SDK iterator ends', async () => {
      const stream = await client.chat.completions.create({
        model: 'cloud-a/cloud-a-model',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hello' }],
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(PIECES.join(''));
      expect(usage?.completion_tokens).toBe(5);
      const { data, response } = await client.chat.completions
        .create(
          { model: 'cloud-a/cloud-a-model', stream: true, messages: [{ role: 'user', content: 'again' }] },
          { headers: { 'X-Request-Id': 'sdk-stream-2' } },
        )
        .withResponse();
      for await (const _ of data) {
        // drain
      }
      const rows = await app.rows('request_id = $1', ['sdk-stream-2']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'completed',
        tokens_in: 11,
        tokens_out: 5,
        user_id: member.id,
      });
      expect(rows[0].id).toBe(response.headers.get('x-completion-id'));
    });

    it('completes non-streaming with the route stamped, and the row exists when the SDK returns', async () => {
      const { data, response } = await client.chat.completions
        .create(
          { model: 'cloud-a/cloud-a-model', messages: [{ role: 'user', content: 'hello' }] },
          { headers: { 'X-Request-Id': 'sdk-json' } },
        )
        .withResponse();
      expect(data.choices[0].message.content).toBe('fine');
      expect(data).toMatchObject({
        routed_provider: 'cloud-a',
        routed_inference_tier: 4,
        anonymization_applied: false,
      });
      expect(response.headers.get('x-routed-provider')).toBe('cloud-a');
      expect(response.headers.get('x-routed-inference-tier')).toBe('4');
      const rows = await app.rows('request_id = $1', ['sdk-json']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'completed',
        stream: false,
        tokens_in: 1234,
        tokens_out: 567,
      });
    });
  });

  it('prices a non-streamed completion to the last decimal', async () => {
    const res = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${member.key}`,
        'content-type': 'application/json',
        'x-request-id': 'priced',
      },
      body: JSON.stringify({ model: 'cloud-a/cloud-a-model', messages: [{ role: 'user', content: 'x' }] }),
    });
    const body = (await res.json()) as { cost_estimate: number };
    // 1234 × 2.5 + 567 × 10.125 = 3085 + 5740.875 = 8825.875 USD per million → 0.008825875
    const [row] = await app.rows('request_id = $1', ['priced']);
    expect(row.cost_usd).toBe('0.008825875000');
    expect(body.cost_estimate).toBe(0.008825875);
  });

  it('stores cost null, not 0, for a model without a price', async () => {
    await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${member.key}`,
        'content-type': 'application/json',
        'x-request-id': 'unpriced',
      },
      body: JSON.stringify({ model: 'local-sim/sim-large', messages: [{ role: 'user', content: 'x' }] }),
    });
    const [row] = await app.rows('request_id = $1', ['unpriced']);
    expect(row.cost_usd).toBeNull();
    expect(row.tokens_out).toBeGreaterThan(0);
  });

  describe('a client aborting mid-stream', () => {
    const cuts = { 'before any chunk': 0, 'after 1 chunk': 1, 'after half': 6, 'after all but one': 11 };
    for (const [label, after] of Object.entries(cuts)) {
      it(`leaves exactly one client_closed row ${label}, and the upstream sees the abort`, async () => {
        fake.behaviour = () => streamOf(PIECES, { prompt: 3, completion: 10 }, 40, 500);
        const requestId = `abort-${after}`;
        const before = fake.requests.length;
        // Frames: role + 10 pieces + finish = 12 chunks before [DONE].
        const result = await postSse(
          app.url,
          member.key,
          { model: 'cloud-a/cloud-a-model', stream: true, messages: [{ role: 'user', content: 'hi' }] },
          {
            headers: { 'X-Request-Id': requestId },
            closeOnHeaders: after === 0,
            onFrame: (_data, index) => (index + 1 >= after ? 'close' : undefined),
          },
        );
        expect(result.status).toBe(200);
        expect(result.frames).toHaveLength(after);
        expect(result.frames).not.toContain('[DONE]');
        await eventually(async () => (await app.rows('request_id = $1', [requestId])).length > 0);
        await eventually(async () => fake.requests[before]?.aborted === true);
        const rows = await app.rows('request_id = $1', [requestId]);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          outcome: 'client_closed',
          routed_provider: 'cloud-a',
          user_id: member.id,
        });
      });
    }

    it('leaves one client_closed row for an abort at every chunk index of a 20-chunk stream', async () => {
      const pieces = Array.from({ length: 18 }, (_, i) => `p${i} `);
      // A long pause before the finish chunk: the last cut is a disconnect, not a race with the end.
      fake.behaviour = () => streamOf(pieces, { prompt: 3, completion: 18 }, 25, 500);
      // role + 18 content + finish = 20 chunks; the client hangs up after reading `cut` of them.
      const runs = Array.from({ length: 20 }, (_, cut) =>
        postSse(
          app.url,
          member.key,
          { model: 'cloud-a/cloud-a-model', stream: true, messages: [{ role: 'user', content: 'hi' }] },
          {
            headers: { 'X-Request-Id': `every-${cut}` },
            closeOnHeaders: cut === 0,
            onFrame: (_data, index) => (index + 1 >= cut ? 'close' : undefined),
          },
        ),
      );
      const results = await Promise.all(runs);
      for (const [cut, result] of results.entries()) expect(result.frames).toHaveLength(cut);
      await eventually(async () => (await app.rows("request_id LIKE 'every-%'")).length >= 20);
      const rows = await app.rows("request_id LIKE 'every-%'");
      expect(rows).toHaveLength(20);
      expect(new Set(rows.map((r) => r.request_id)).size).toBe(20);
      expect(rows.every((r) => r.outcome === 'client_closed')).toBe(true);
    });

    it('also records client_closed when the client leaves before the upstream answered at all', async () => {
      const late = streamOf(['late']);
      fake.behaviour = () => async (ctx) => {
        await new Promise((r) => setTimeout(r, 300));
        if (!ctx.res.destroyed) await late(ctx);
      };
      const controller = new AbortController();
      const pending = fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          authorization: `Bearer ${member.key}`,
          'content-type': 'application/json',
          'x-request-id': 'abort-early',
        },
        body: JSON.stringify({
          model: 'cloud-a/cloud-a-model',
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 60));
      controller.abort();
      await pending;
      await eventually(async () => (await app.rows('request_id = $1', ['abort-early'])).length > 0);
      const rows = await app.rows('request_id = $1', ['abort-early']);
      expect(rows).toHaveLength(1);
      expect(rows[0].outcome).toBe('client_closed');
    });
  });

  it('keeps rows = requests with no duplicates over 100 concurrent streams with random client behaviour', async () => {
    fake.behaviour = () => streamOf(PIECES, { prompt: 7, completion: 10 }, 2);
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ids: string[] = [];
    const runs = Array.from({ length: 100 }, (_, i) => {
      const requestId = `load-${i}`;
      ids.push(requestId);
      const mode = random();
      const cutAt = Math.floor(random() * 12);
      return postSse(
        app.url,
        member.key,
        {
          model: i % 5 === 0 ? 'local-sim/sim-small' : 'cloud-a/cloud-a-model',
          stream: true,
          messages: [{ role: 'user', content: `n${i}` }],
        },
        {
          headers: { 'X-Request-Id': requestId },
          onFrame: (data, index) => {
            if (mode < 0.33) return undefined; // read everything
            if (mode < 0.66) return data === '[DONE]' ? 'close' : undefined; // close at [DONE]
            return index >= cutAt ? 'close' : undefined; // abort mid-way
          },
        },
      );
    });
    const results = await Promise.all(runs);
    expect(results.every((r) => r.status === 200)).toBe(true);
    await eventually(async () => {
      const { rows } = await app.db.query(`SELECT count(*)::int AS n FROM inference_routing_log WHERE request_id LIKE 'load-%'`);
      return rows[0].n >= 100;
    });
    const { rows } = await app.db.query(
      `SELECT request_id, count(*)::int AS n FROM inference_routing_log WHERE request_id LIKE 'load-%' GROUP BY request_id`,
    );
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // Every stream the client read to the end carried [DONE], and its row says completed.
    for (const [i, result] of results.entries()) {
      if (result.frames.at(-1) === '[DONE]') {
        const [row] = await app.rows('request_id = $1', [ids[i]]);
        expect(row.outcome).toBe('completed');
      }
    }
  });
});
