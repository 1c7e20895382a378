import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { countTokens } from '../src/inference/providers/simulated.provider.js';
import { FakeOllama, ollamaEmbedOf } from './support/fake-ollama.js';
import { embeddingsOf, errorOf, FakeOpenAi, fakeVector, sleep } from './support/fake-openai.js';
import { eventually, gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

type Json = Record<string, any>;

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);
const norm = (a: number[]) => Math.sqrt(a.reduce((sum, x) => sum + x * x, 0));

describe('POST /v1/embeddings', () => {
  let cloud: FakeOpenAi;
  let local: FakeOpenAi;
  let ollama: FakeOllama;
  let app: TestApp;
  let key: string;
  let client: OpenAI;

  beforeAll(async () => {
    cloud = await new FakeOpenAi().start();
    local = await new FakeOpenAi().start();
    ollama = await new FakeOllama().start();
    app = await startTestApp(
      gatewayYaml({
        upstreams: { 'cloud-embed': cloud.baseUrl, 'local-embed': local.baseUrl },
        extra: `  - name: claude
    type: anthropic
    base_url: http://127.0.0.1:1
    tier: 4
    models: [claude-sonnet-4-5]
  - name: ollama-local
    type: ollama
    base_url: ${ollama.baseUrl}
    tier: 1
    timeout_s: 2
    models: [all-minilm]
  - name: openai-off
    type: openai
    api_key_env: TALLY_TEST_NEVER_SET_KEY
    tier: 4
    models: [text-embedding-3-large]
aliases:
  embed:
    primary: { provider: cloud-embed, model: cloud-embed-model }
    fallback: [{ provider: local-embed, model: local-embed-model }]
  claude-first:
    primary: { provider: claude, model: claude-sonnet-4-5 }
    fallback: [{ provider: cloud-embed, model: cloud-embed-model }]
  claude-only: { primary: { provider: claude, model: claude-sonnet-4-5 } }
  off-only: { primary: { provider: openai-off, model: text-embedding-3-large } }
  ollama-first:
    primary: { provider: ollama-local, model: all-minilm }
    fallback: [{ provider: local-sim, model: sim-small }]`,
        prices: `  "cloud-embed/cloud-embed-model": { input: 0.02, output: 0 }`,
      }),
    );
    key = (await app.createUser()).key;
    client = new OpenAI({ apiKey: key, baseURL: `${app.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await app.close();
    await cloud.stop();
    await local.stop();
    await ollama.stop();
  });

  beforeEach(() => {
    cloud.behaviour = () => embeddingsOf(7);
    local.behaviour = () => embeddingsOf(3);
    ollama.behaviour = () => ollamaEmbedOf(8);
  });

  const rowsOf = (requestId: string) => app.rows('request_id = $1', [requestId]);

  const post = async (body: unknown, requestId: string, apiKey = key) => {
    const res = await fetch(`${app.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };

  describe('through the official openai SDK', () => {
    it('returns floats when asked, the upstream body intact plus the route, and one priced row', async () => {
      const { data, response } = await client.embeddings
        .create(
          { model: 'embed', input: ['first', 'second'], encoding_format: 'float', user: 'u-1' },
          { headers: { 'X-Request-Id': 'embed-float' } },
        )
        .withResponse();
      expect(data.object).toBe('list');
      expect(data.model).toBe('cloud-embed-model');
      expect(data.data).toEqual([
        { object: 'embedding', index: 0, embedding: fakeVector(0) },
        { object: 'embedding', index: 1, embedding: fakeVector(1) },
      ]);
      expect(data.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
      expect(data).toMatchObject({ routed_provider: 'cloud-embed', routed_inference_tier: 4, anonymization_applied: false });
      expect((data as unknown as Json).cost_estimate).toBe(0.00000014);
      expect(response.headers.get('x-routed-provider')).toBe('cloud-embed');
      expect(response.headers.get('x-routed-inference-tier')).toBe('4');
      expect(cloud.requests.at(-1)).toMatchObject({
        path: '/v1/embeddings',
        body: { model: 'cloud-embed-model', input: ['first', 'second'], encoding_format: 'float', user: 'u-1' },
      });

      const rows = await rowsOf('embed-float');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: response.headers.get('x-completion-id'),
        purpose: 'embedding',
        outcome: 'completed',
        requested_model: 'embed',
        routed_provider: 'cloud-embed',
        routed_model: 'cloud-embed-model',
        routed_inference_tier: 4,
        stream: false,
        tokens_in: 7,
        tokens_out: 0,
        chat_id: null,
        message_id: null,
        refused: false,
        anonymization_applied: false,
      });
      // 7 tokens × 0.02 USD per million, the input price only
      expect(rows[0].cost_usd).toBe('0.000000140000');
      expect(rows[0].latency_ms).toBeGreaterThanOrEqual(0);
      expect(rows[0].fallbacks).toEqual([]);
    });

    it('works unchanged with the SDK’s default: it asks for base64, gets it passed through, and decodes it', async () => {
      const result = await client.embeddings.create(
        { model: 'embed', input: 'only one' },
        { headers: { 'X-Request-Id': 'embed-b64' } },
      );
      expect(cloud.requests.at(-1)!.body).toEqual({ model: 'cloud-embed-model', input: 'only one', encoding_format: 'base64' });
      expect(result.data).toHaveLength(1);
      expect(Array.from(result.data[0].embedding)).toEqual(fakeVector(0));
      expect(await rowsOf('embed-b64')).toHaveLength(1);

      const raw = await post({ model: 'embed', input: 'only one', encoding_format: 'base64' }, 'embed-b64-raw');
      expect(typeof raw.body.data[0].embedding).toBe('string');
      const bytes = Buffer.from(raw.body.data[0].embedding, 'base64');
      expect(Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual(fakeVector(0));
    });

    it('answers base64 even from an OpenAI-compatible server that ignores encoding_format and sends floats', async () => {
      cloud.behaviour = () => embeddingsOf(2, { ignoreEncodingFormat: true });
      const result = await client.embeddings.create({ model: 'embed', input: ['a', 'b'] });
      expect(result.data.map((d) => Array.from(d.embedding))).toEqual([fakeVector(0), fakeVector(1)]);
    });

    it('passes token-array input and dimensions to an OpenAI-compatible upstream unchanged', async () => {
      const result = await client.embeddings.create({
        model: 'cloud-embed/cloud-embed-model',
        input: [
          [1, 2, 3],
          [4, 5],
        ],
        dimensions: 2,
        encoding_format: 'float',
      });
      expect(cloud.requests.at(-1)!.body).toMatchObject({
        input: [
          [1, 2, 3],
          [4, 5],
        ],
        dimensions: 2,
      });
      expect(result.data.map((d) => d.embedding)).toEqual([fakeVector(0, 2), fakeVector(1, 2)]);
    });
  });

  describe('fallback', () => {
    it('falls back on a 5xx, one row attributed to the candidate that answered', async () => {
      cloud.behaviour = () => errorOf(503, 'overloaded');
      const res = await post({ model: 'embed', input: 'x' }, 'embed-fallback');
      expect(res.status).toBe(200);
      expect(res.body.routed_provider).toBe('local-embed');
      expect(res.headers.get('x-routed-inference-tier')).toBe('1');
      const rows = await rowsOf('embed-fallback');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'completed', routed_provider: 'local-embed', tokens_in: 3, cost_usd: null });
      expect(rows[0].fallbacks).toEqual([
        {
          provider: 'cloud-embed',
          model: 'cloud-embed-model',
          tier: 4,
          reason: 'upstream_error:provider_unavailable:status=503:http',
        },
      ]);
    });

    it('does not fall back on a 4xx: 400 with the upstream message and one failed row', async () => {
      cloud.behaviour = () => errorOf(400, "This model's maximum context length is 8192 tokens", 'invalid_request_error');
      const before = local.requests.length;
      const res = await post({ model: 'embed', input: 'x' }, 'embed-400');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_request',
        message: "This model's maximum context length is 8192 tokens",
      });
      expect(local.requests.length).toBe(before);
      const rows = await rowsOf('embed-400');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'failed',
        purpose: 'embedding',
        routed_provider: 'cloud-embed',
        error_code: 'invalid_request',
        error_reason: 'upstream_error:invalid_request:status=400:http',
        tokens_in: null,
      });
      expect(res.headers.get('x-completion-id')).toBe(rows[0].id);
    });

    it('answers the last error when every candidate fails, attributed to the last one tried', async () => {
      cloud.behaviour = () => errorOf(500);
      local.behaviour = () => errorOf(502);
      const res = await post({ model: 'embed', input: 'x' }, 'embed-all-fail');
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('provider_unavailable');
      const rows = await rowsOf('embed-all-fail');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'failed',
        routed_provider: 'local-embed',
        error_reason: 'upstream_error:provider_unavailable:status=502:http',
      });
      expect(rows[0].fallbacks.map((f: Json) => f.provider)).toEqual(['cloud-embed']);
    });

    it('skips a provider type without embeddings and records it in fallbacks', async () => {
      const res = await post({ model: 'claude-first', input: 'x' }, 'embed-skip');
      expect(res.status).toBe(200);
      expect(res.body.routed_provider).toBe('cloud-embed');
      const rows = await rowsOf('embed-skip');
      expect(rows).toHaveLength(1);
      expect(rows[0].fallbacks).toEqual([
        { provider: 'claude', model: 'claude-sonnet-4-5', tier: 4, reason: 'embeddings_not_supported' },
      ]);
    });

    it('answers 501 not_implemented when no candidate can embed, with one failed row', async () => {
      const res = await post({ model: 'claude-only', input: 'x' }, 'embed-501');
      expect(res.status).toBe(501);
      expect(res.body.error).toMatchObject({ code: 'not_implemented', details: { requested_model: 'claude-only' } });
      const rows = await rowsOf('embed-501');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'failed',
        purpose: 'embedding',
        routed_provider: 'claude',
        error_code: 'not_implemented',
        refused: false,
      });
      expect(rows[0].fallbacks).toEqual([
        { provider: 'claude', model: 'claude-sonnet-4-5', tier: 4, reason: 'embeddings_not_supported' },
      ]);
    });

    it('answers 503 when the candidates could embed but none is switched on', async () => {
      const res = await post({ model: 'off-only', input: 'x' }, 'embed-503');
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('provider_unavailable');
      const [row] = await rowsOf('embed-503');
      expect(row).toMatchObject({ outcome: 'failed', error_code: 'provider_unavailable' });
      expect(row.fallbacks[0].reason).toBe('provider_disabled');
    });
  });

  describe('ollama (/api/embed)', () => {
    it('embeds text, encoding base64 itself for the SDK’s default (Ollama only answers floats)', async () => {
      const result = await client.embeddings.create(
        { model: 'ollama-local/all-minilm', input: ['a', 'b'], dimensions: 3 },
        { headers: { 'X-Request-Id': 'embed-ollama' } },
      );
      expect(ollama.requests.at(-1)).toMatchObject({
        path: '/api/embed',
        body: { model: 'all-minilm', input: ['a', 'b'], dimensions: 3 },
      });
      expect(ollama.requests.at(-1)!.body).not.toHaveProperty('encoding_format');
      expect(result.model).toBe('all-minilm');
      expect(result.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
      expect(result.data.map((d) => Array.from(d.embedding, (x) => Math.round(x * 1e6) / 1e6))).toEqual([
        [0.01, 0.011, 0.012],
        [0.02, 0.021, 0.022],
      ]);
      const [row] = await rowsOf('embed-ollama');
      expect(row).toMatchObject({ routed_provider: 'ollama-local', tokens_in: 8, tokens_out: 0, purpose: 'embedding' });
    });

    it('answers 400 invalid_model for a model Ollama does not have, without falling back', async () => {
      const res = await post({ model: 'ollama-local/nomic-embed-text', input: 'x' }, 'embed-ollama-404');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_model');
      expect(await rowsOf('embed-ollama-404')).toHaveLength(1);
    });

    it('skips Ollama for token arrays (it embeds text only) and uses the next candidate', async () => {
      const before = ollama.requests.length;
      const res = await post({ model: 'ollama-first', input: [101, 102, 103], encoding_format: 'float' }, 'embed-ollama-tokens');
      expect(res.status).toBe(200);
      expect(res.body.routed_provider).toBe('local-sim');
      expect(ollama.requests.length).toBe(before);
      const [row] = await rowsOf('embed-ollama-tokens');
      expect(row.fallbacks).toEqual([
        { provider: 'ollama-local', model: 'all-minilm', tier: 1, reason: 'upstream_error:not_implemented:unsupported' },
      ]);
      expect(row.tokens_in).toBe(3);
    });
  });

  describe('the simulated provider', () => {
    it('embeds deterministically: unit vectors, real o200k token counts, priced at the input price', async () => {
      const texts = ['the cat sat on the mat', 'the cat sat on a mat', 'quarterly revenue grew in the third fiscal period'];
      const first = await post({ model: 'local-sim/sim-small', input: texts, encoding_format: 'float' }, 'embed-sim');
      const again = await post({ model: 'local-sim/sim-small', input: texts, encoding_format: 'float' }, 'embed-sim-again');
      expect(first.status).toBe(200);
      const vectors = first.body.data.map((d: Json) => d.embedding as number[]);
      expect(again.body.data.map((d: Json) => d.embedding)).toEqual(vectors);
      expect(vectors.map((v: number[]) => v.length)).toEqual([256, 256, 256]);
      for (const v of vectors) expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-9);
      expect(cosine(vectors[0], vectors[1])).toBeGreaterThan(cosine(vectors[0], vectors[2]));
      const tokens = texts.reduce((n, t) => n + countTokens(t), 0);
      expect(first.body.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
      const [row] = await rowsOf('embed-sim');
      expect(row).toMatchObject({ routed_provider: 'local-sim', tokens_in: tokens, tokens_out: 0 });
      // local-sim/sim-small costs 0.05 USD per million input tokens
      expect(Number(row.cost_usd)).toBeCloseTo((tokens * 0.05) / 1e6, 12);
    });

    it('honours dimensions and base64', async () => {
      const result = await client.embeddings.create({ model: 'local-sim/sim-small', input: 'hello', dimensions: 64 });
      expect(result.data[0].embedding).toHaveLength(64);
      const floats = await post(
        { model: 'local-sim/sim-small', input: 'hello', dimensions: 64, encoding_format: 'float' },
        'sim-64',
      );
      expect(Array.from(result.data[0].embedding)).toEqual(floats.body.data[0].embedding.map((x: number) => Math.fround(x)));
    });
  });

  describe('routing and validation', () => {
    it('answers 400 invalid_model for an unknown model, with one refused embedding row', async () => {
      const res = await post({ model: 'no-such-embedder', input: 'x' }, 'embed-unknown');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_model');
      const rows = await rowsOf('embed-unknown');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'refused', refused: true, purpose: 'embedding', routed_provider: '<unresolved>' });
    });

    it('applies the tier floor: a weaker candidate is skipped, and refusal when none meets it', async () => {
      const before = cloud.requests.length;
      const skipped = await post({ model: 'embed', input: 'x', minimum_inference_tier: 2 }, 'embed-floor-skip');
      expect(skipped.status).toBe(200);
      expect(skipped.body.routed_provider).toBe('local-embed');
      expect(local.requests.at(-1)!.body).not.toHaveProperty('minimum_inference_tier');
      const [row] = await rowsOf('embed-floor-skip');
      expect(row.fallbacks).toEqual([
        { provider: 'cloud-embed', model: 'cloud-embed-model', tier: 4, reason: 'tier_below_minimum' },
      ]);

      const refused = await post(
        { model: 'cloud-embed/cloud-embed-model', input: 'x', minimum_inference_tier: 3 },
        'embed-floor-refuse',
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({
        code: 'tier_below_minimum',
        details: { required_tier: 3, resolved_tier: 4, source: 'request' },
      });
      expect(cloud.requests.length).toBe(before);
      const rows = await rowsOf('embed-floor-refuse');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'refused',
        refused: true,
        purpose: 'embedding',
        refusal_reason: 'tier_below_minimum:required=3:resolved=4:source=request',
      });
    });

    it('applies the API key’s floor', async () => {
      const issued = await fetch(`${app.url}/admin/users/${(await app.createUser()).id}/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ minimum_inference_tier: 1 }),
      });
      const floored = ((await issued.json()) as { key: string }).key;
      const res = await post({ model: 'cloud-embed/cloud-embed-model', input: 'x' }, 'embed-key-floor', floored);
      expect(res.status).toBe(403);
      expect(res.body.error.details.source).toBe('api_key');
    });

    it.each([
      ['a body that is not an object', '[1]'],
      ['no model', { input: 'x' }],
      ['no input', { model: 'embed' }],
      ['an empty string', { model: 'embed', input: '' }],
      ['an empty list', { model: 'embed', input: [] }],
      ['an empty string in a list', { model: 'embed', input: ['a', ''] }],
      ['a number', { model: 'embed', input: 42 }],
      ['mixed strings and tokens', { model: 'embed', input: ['a', 1] }],
      ['an empty token array', { model: 'embed', input: [[]] }],
      ['a negative token', { model: 'embed', input: [-1] }],
      ['too many inputs', { model: 'embed', input: Array.from({ length: 2049 }, () => 'x') }],
      ['an unknown encoding_format', { model: 'embed', input: 'x', encoding_format: 'hex' }],
      ['dimensions 0', { model: 'embed', input: 'x', dimensions: 0 }],
      ['fractional dimensions', { model: 'embed', input: 'x', dimensions: 1.5 }],
      ['a user that is not a string', { model: 'embed', input: 'x', user: 7 }],
      ['a floor out of range', { model: 'embed', input: 'x', minimum_inference_tier: 9 }],
    ])('answers 400 invalid_request for %s, with no row and no upstream call', async (name, body) => {
      const before = cloud.requests.length;
      const requestId = `embed-invalid-${name.replace(/\W+/g, '-')}`;
      const res = await post(body, requestId);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request', param: null });
      expect(cloud.requests.length).toBe(before);
      expect(await rowsOf(requestId)).toHaveLength(0);
    });

    it('records client_closed when the client leaves before the upstream answers', async () => {
      cloud.behaviour =
        () =>
        async ({ res, body }) => {
          await Promise.race([sleep(1500), new Promise((resolve) => res.on('close', resolve))]);
          if (!res.destroyed) embeddingsOf()({ res, body } as Parameters<ReturnType<typeof embeddingsOf>>[0]);
        };
      const before = cloud.requests.length;
      const abort = new AbortController();
      const pending = fetch(`${app.url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'embed-client-closed' },
        body: JSON.stringify({ model: 'embed', input: 'x' }),
        signal: abort.signal,
      }).catch(() => undefined);
      await eventually(async () => cloud.requests.length > before);
      abort.abort();
      await pending;
      await eventually(async () => (await rowsOf('embed-client-closed')).length === 1);
      const rows = await rowsOf('embed-client-closed');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'client_closed', routed_provider: 'cloud-embed', purpose: 'embedding' });
      await eventually(async () => cloud.requests.at(-1)!.closed);
      expect(cloud.requests.at(-1)!.aborted).toBe(true);
    });
  });
});
