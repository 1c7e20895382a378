import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { completionOf, errorOf, FakeOpenAi, sleep, streamOf } from './support/fake-openai.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

async function post(app: TestApp, key: string, body: unknown, requestId: string) {
  const res = await fetch(`${app.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-request-id': requestId,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

describe('routing: floors, unknown models, fallback', () => {
  let primary: FakeOpenAi;
  let backup: FakeOpenAi;
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    primary = await new FakeOpenAi().start();
    backup = await new FakeOpenAi().start();
    app = await startTestApp(
      gatewayYaml({
        upstreams: {
          'cloud-a': primary.baseUrl,
          'local-b': backup.baseUrl,
          'cloud-dead': 'http://127.0.0.1:1/v1',
        },
        extra: `aliases:
  resilient:
    primary: { provider: cloud-a, model: cloud-a-model }
    fallback: [{ provider: local-b, model: local-b-model }]
  lonely: { primary: { provider: cloud-a, model: cloud-a-model } }
  deadfirst:
    primary: { provider: cloud-dead, model: cloud-dead-model }
    fallback: [{ provider: local-b, model: local-b-model }]`,
      }),
    );
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await primary.stop();
    await backup.stop();
  });

  beforeEach(() => {
    primary.behaviour = (body) => (body.stream ? streamOf(['primary']) : completionOf('primary'));
    backup.behaviour = (body) => (body.stream ? streamOf(['backup']) : completionOf('backup'));
  });

  describe('tier floor', () => {
    it('refuses a non-streaming request with 403 and one refused row, never calling the upstream', async () => {
      const before = primary.requests.length;
      const res = await post(
        app,
        key,
        {
          model: 'cloud-a/cloud-a-model',
          minimum_inference_tier: 3,
          messages: [{ role: 'user', content: 'x' }],
        },
        'floor-json',
      );
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({
        code: 'tier_below_minimum',
        details: { required_tier: 3, resolved_tier: 4, source: 'request' },
      });
      expect(primary.requests.length).toBe(before);
      const rows = await app.rows('request_id = $1', ['floor-json']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'refused',
        refused: true,
        routed_provider: 'cloud-a',
        routed_inference_tier: 4,
      });
      expect(rows[0].refusal_reason).toBe('tier_below_minimum:required=3:resolved=4:source=request');
    });

    it('answers 403 JSON (not SSE) for stream:true', async () => {
      const before = primary.requests.length;
      const res = await postSse(
        app.url,
        key,
        {
          model: 'cloud-a/cloud-a-model',
          stream: true,
          minimum_inference_tier: 2,
          messages: [{ role: 'user', content: 'x' }],
        },
        { headers: { 'X-Request-Id': 'floor-sse' } },
      );
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.raw).error.code).toBe('tier_below_minimum');
      expect(primary.requests.length).toBe(before);
      const rows = await app.rows('request_id = $1', ['floor-sse']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'refused', refused: true, stream: true });
    });

    it('skips a fallback weaker than the floor and uses the one that meets it', async () => {
      const before = primary.requests.length;
      const res = await post(
        app,
        key,
        { model: 'resilient', minimum_inference_tier: 1, messages: [{ role: 'user', content: 'x' }] },
        'floor-skip',
      );
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content).toBe('backup');
      expect(primary.requests.length).toBe(before);
      const [row] = await app.rows('request_id = $1', ['floor-skip']);
      expect(row).toMatchObject({
        outcome: 'completed',
        routed_provider: 'local-b',
        routed_inference_tier: 1,
      });
      expect(row.fallbacks).toEqual([{ provider: 'cloud-a', model: 'cloud-a-model', tier: 4, reason: 'tier_below_minimum' }]);
    });

    it('lets a request through when the routed tier equals the floor', async () => {
      const res = await post(
        app,
        key,
        {
          model: 'cloud-a/cloud-a-model',
          minimum_inference_tier: 4,
          messages: [{ role: 'user', content: 'x' }],
        },
        'floor-equal',
      );
      expect(res.status).toBe(200);
      expect((await app.rows('request_id = $1', ['floor-equal']))[0].refused).toBe(false);
    });
  });

  it('answers 400 invalid_model for an unknown model, with one refused row', async () => {
    const res = await post(app, key, { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, 'unknown-model');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_model',
      details: { requested_model: 'no-such-model' },
    });
    const rows = await app.rows('request_id = $1', ['unknown-model']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'refused',
      refused: true,
      routed_provider: '<unresolved>',
      routed_inference_tier: 1,
    });
    expect(rows[0].refusal_reason).toMatch(/^invalid_model:/);
  });

  describe('upstream failure before the first byte', () => {
    for (const stream of [false, true]) {
      it(`falls back on 500 and attributes the one row to the fallback (stream: ${stream})`, async () => {
        primary.behaviour = () => errorOf(500);
        const before = { primary: primary.requests.length, backup: backup.requests.length };
        const requestId = `fallback-${stream}`;
        const body = { model: 'resilient', stream, messages: [{ role: 'user', content: 'x' }] };
        if (stream) {
          const res = await postSse(app.url, key, body, { headers: { 'X-Request-Id': requestId } });
          expect(res.status).toBe(200);
          expect(res.headers['x-routed-provider']).toBe('local-b');
          expect(res.frames.at(-1)).toBe('[DONE]');
        } else {
          const res = await post(app, key, body, requestId);
          expect(res.status).toBe(200);
          expect(res.body.choices[0].message.content).toBe('backup');
          expect(res.body.routed_provider).toBe('local-b');
        }
        expect(primary.requests.length).toBe(before.primary + 1);
        expect(backup.requests.length).toBe(before.backup + 1);
        const rows = await app.rows('request_id = $1', [requestId]);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          outcome: 'completed',
          routed_provider: 'local-b',
          routed_inference_tier: 1,
        });
        expect(rows[0].fallbacks).toEqual([
          {
            provider: 'cloud-a',
            model: 'cloud-a-model',
            tier: 4,
            reason: 'upstream_error:provider_unavailable:status=500:http',
          },
        ]);
      });
    }

    it('falls back on 429 and on a refused connection', async () => {
      primary.behaviour = () => errorOf(429, 'slow down', 'rate_limit_error');
      expect(
        (await post(app, key, { model: 'resilient', messages: [{ role: 'user', content: 'x' }] }, 'fb-429')).body.routed_provider,
      ).toBe('local-b');
      const refused = await post(app, key, { model: 'deadfirst', messages: [{ role: 'user', content: 'x' }] }, 'fb-refused');
      expect(refused.body.routed_provider).toBe('local-b');
      const [row] = await app.rows('request_id = $1', ['fb-refused']);
      expect(row.fallbacks[0]).toMatchObject({
        provider: 'cloud-dead',
        reason: 'upstream_error:provider_unavailable:network',
      });
    });

    it('does not fall back on 400 from the upstream', async () => {
      primary.behaviour = () => errorOf(400, 'bad field', 'invalid_request_error');
      const before = backup.requests.length;
      const res = await post(app, key, { model: 'resilient', messages: [{ role: 'user', content: 'x' }] }, 'fb-400');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(backup.requests.length).toBe(before);
      const rows = await app.rows('request_id = $1', ['fb-400']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'failed',
        routed_provider: 'cloud-a',
        error_code: 'invalid_request',
      });
    });

    it('answers 502 JSON with one failed row when there is no fallback (non-stream)', async () => {
      primary.behaviour = () => errorOf(503, 'overloaded');
      const res = await post(app, key, { model: 'lonely', messages: [{ role: 'user', content: 'x' }] }, 'nofb-json');
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({
        code: 'provider_unavailable',
        details: { provider: 'cloud-a', upstream_status: 503 },
      });
      const rows = await app.rows('request_id = $1', ['nofb-json']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'failed',
        routed_provider: 'cloud-a',
        error_code: 'provider_unavailable',
      });
      expect(rows[0].error_reason).toContain('status=503');
    });

    it('answers a real status (not an SSE body) when a stream fails before its first byte', async () => {
      primary.behaviour = () => errorOf(500);
      const res = await postSse(
        app.url,
        key,
        { model: 'lonely', stream: true, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': 'nofb-sse' } },
      );
      expect(res.status).toBe(502);
      expect(JSON.parse(res.raw).error.code).toBe('provider_unavailable');
      expect(await app.rows('request_id = $1', ['nofb-sse'])).toHaveLength(1);
    });
  });

  it('ends a stream that fails after it started with an error frame, [DONE] and one failed row', async () => {
    primary.behaviour =
      () =>
      async ({ sse, res }) => {
        sse.start();
        sse.role();
        sse.content('partial');
        await sleep(10);
        res.destroy(); // connection reset mid-stream
      };
    const res = await postSse(
      app.url,
      key,
      { model: 'lonely', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'X-Request-Id': 'midstream' } },
    );
    expect(res.status).toBe(200);
    expect(res.frames.at(-1)).toBe('[DONE]');
    const errorFrame = JSON.parse(res.frames.at(-2)!);
    expect(errorFrame.error).toMatchObject({
      code: 'provider_unavailable',
      details: { provider: 'cloud-a' },
    });
    expect(res.raw).not.toContain('event:');
    const rows = await app.rows('request_id = $1', ['midstream']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'failed', routed_provider: 'cloud-a' });
  });

  it('reuses pooled upstream connections for completed streams and JSON answers', async () => {
    await postSse(app.url, key, { model: 'lonely', stream: true, messages: [{ role: 'user', content: 'warm' }] });
    const before = primary.connections;
    for (let i = 0; i < 5; i++) {
      const res = await postSse(app.url, key, {
        model: 'lonely',
        stream: i % 2 === 0,
        messages: [{ role: 'user', content: `r${i}` }],
      });
      expect(res.status).toBe(200);
    }
    expect(primary.connections - before).toBeLessThanOrEqual(1);
  });

  it('lists aliases and provider models on /v1/models', async () => {
    const res = await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as {
      object: string;
      data: { id: string; routed_inference_tier: number; resolves_to?: string }[];
    };
    expect(body.object).toBe('list');
    const ids = body.data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['resilient', 'lonely', 'local-sim/sim-small', 'cloud-a/cloud-a-model', 'local-b/local-b-model']),
    );
    expect(body.data.find((m) => m.id === 'resilient')).toMatchObject({
      routed_inference_tier: 4,
      resolves_to: 'cloud-a/cloud-a-model',
    });
  });
});
