import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { errorOf as anthropicErrorOf, FakeAnthropic, textReply } from './support/fake-anthropic.js';
import { FakeAzureOpenAi } from './support/fake-azure-openai.js';
import { FakeOllama } from './support/fake-ollama.js';
import { completionOf, embeddingsOf, FakeOpenAi, streamOf } from './support/fake-openai.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

/*
 * The "done when" of issue 9: every provider type in one gateway.yaml, fakes standing in for the real
 * services; the official SDK gets the same shapes from each, and every call leaves exactly one row.
 */

const OPENAI_KEY = 'sk-test-openai-0123456789';
const COMPAT_KEY = 'compat-test-key';

interface Target {
  readonly label: string;
  readonly provider: string;
  readonly type: string;
  readonly model: string;
  /** The model to embed with, when the type embeds. */
  readonly embedModel?: string;
}

const TARGETS: Target[] = [
  { label: 'simulated', provider: 'local-sim', type: 'simulated', model: 'sim-small', embedModel: 'sim-embed' },
  { label: 'openai', provider: 'oai', type: 'openai', model: 'gpt-4o', embedModel: 'text-embedding-3-small' },
  { label: 'openai_compatible', provider: 'compat', type: 'openai_compatible', model: 'compat-chat', embedModel: 'compat-embed' },
  { label: 'azure_openai', provider: 'azure', type: 'azure_openai', model: 'gpt-4o-eu', embedModel: 'embed-eu' },
  { label: 'anthropic', provider: 'claude', type: 'anthropic', model: 'claude-sonnet-4-5' },
  { label: 'ollama', provider: 'ollama', type: 'ollama', model: 'llama3.2', embedModel: 'all-minilm' },
];

describe('all provider types in one gateway.yaml', () => {
  let openai: FakeOpenAi;
  let compat: FakeOpenAi;
  let stall: FakeOpenAi;
  let azure: FakeAzureOpenAi;
  let anthropic: FakeAnthropic;
  let ollama: FakeOllama;
  let app: TestApp;
  let client: OpenAI;
  let seq = 0;

  beforeAll(async () => {
    [openai, compat, stall, azure, anthropic, ollama] = await Promise.all([
      new FakeOpenAi().start(),
      new FakeOpenAi().start(),
      new FakeOpenAi().start(),
      new FakeAzureOpenAi().start(),
      new FakeAnthropic().start(),
      new FakeOllama().start(),
    ]);
    compat.liveModels = ['compat-chat', 'compat-embed', 'compat-extra'];
    // A provider whose model list never comes: GET /v1/models must still answer, without it.
    stall.modelsBehaviour = () => new Promise<void>(() => undefined);
    app = await startTestApp(
      gatewayYaml({
        extra: `  - name: oai
    type: openai
    base_url: ${openai.baseUrl}
    api_key_env: TEST_ALL_OPENAI_KEY
    tier: 4
    timeout_s: 2
    models: [gpt-4o, text-embedding-3-small]
  - name: compat
    type: openai_compatible
    base_url: ${compat.baseUrl}
    api_key_env: TEST_ALL_COMPAT_KEY
    tier: 2
    timeout_s: 2
    models: [compat-chat, compat-embed]
  - name: azure
    type: azure_openai
    base_url: ${azure.baseUrl}
    api_key_env: TEST_ALL_AZURE_KEY
    api_version: "2024-10-21"
    tier: 3
    timeout_s: 2
    models: [gpt-4o-eu, embed-eu]
  - name: claude
    type: anthropic
    base_url: ${anthropic.baseUrl}
    api_key_env: TEST_ALL_ANTHROPIC_KEY
    tier: 4
    timeout_s: 2
    models: [claude-sonnet-4-5]
  - name: ollama
    type: ollama
    base_url: ${ollama.baseUrl}
    tier: 1
    timeout_s: 2
    models: [llama3.2, all-minilm]
  - name: stalled
    type: openai_compatible
    base_url: ${stall.baseUrl}
    tier: 2
    timeout_s: 0.3
    models: [stalled-model]
  - name: refused
    type: openai_compatible
    base_url: http://127.0.0.1:9/v1
    tier: 2
    timeout_s: 2
    models: [refused-model]
aliases:
  resilient:
    primary: { provider: claude, model: claude-sonnet-4-5 }
    fallback: [{ provider: compat, model: compat-chat }]`,
      }),
      {
        TEST_ALL_OPENAI_KEY: OPENAI_KEY,
        TEST_ALL_COMPAT_KEY: COMPAT_KEY,
        TEST_ALL_AZURE_KEY: azure.apiKey,
        TEST_ALL_ANTHROPIC_KEY: anthropic.apiKey,
      },
    );
    client = new OpenAI({ apiKey: (await app.createUser()).key, baseURL: `${app.url}/v1`, maxRetries: 0 });
    compat.behaviour = (body, path) =>
      path.includes('/embeddings')
        ? embeddingsOf()
        : body.stream
          ? streamOf(['Hello', ' from', ' compat'])
          : completionOf('Hello from compat');
  });

  afterAll(async () => {
    await app.close();
    await Promise.all([openai, compat, stall, azure, anthropic, ollama].map((fake) => fake.stop()));
  });

  const requestId = (label: string) => `all-${label}-${++seq}`;
  const withId = (id: string) => ({ headers: { 'X-Request-Id': id } });
  const rowsOf = (id: string) => app.rows('request_id = $1', [id]);

  describe.each(TARGETS)('$label', ({ provider, model, embedModel }) => {
    it('answers a non-streamed completion in OpenAI’s shape, with one completed row', async () => {
      const id = requestId(provider);
      const { data, response } = await client.chat.completions
        .create({ model: `${provider}/${model}`, messages: [{ role: 'user', content: 'Say hello' }] }, withId(id))
        .withResponse();
      expect(response.headers.get('x-routed-provider')).toBe(provider);
      expect(data).toMatchObject({ object: 'chat.completion', routed_provider: provider });
      expect(typeof data.id).toBe('string');
      expect(typeof data.created).toBe('number');
      expect(typeof data.model).toBe('string');
      expect(data.choices).toHaveLength(1);
      expect(data.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant' } });
      expect(data.choices[0].message.content).toMatch(/\S/);
      const usage = data.usage!;
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

      const rows = await rowsOf(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'completed',
        routed_provider: provider,
        routed_model: model,
        stream: false,
        purpose: 'chat',
        tokens_in: usage.prompt_tokens,
        tokens_out: usage.completion_tokens,
        fallbacks: [],
      });
      expect(rows[0].id).toBe(response.headers.get('x-completion-id'));
    });

    it('streams OpenAI chunks: one id, text deltas, one finish reason, a usage-only last chunk; one row', async () => {
      const id = requestId(provider);
      const stream = await client.chat.completions.create(
        {
          model: `${provider}/${model}`,
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'Say hello' }],
        },
        withId(id),
      );
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(new Set(chunks.map((c) => c.object))).toEqual(new Set(['chat.completion.chunk']));
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      expect(chunks.every((c) => (c as unknown as { routed_provider: string }).routed_provider === provider)).toBe(true);
      const text = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).join('');
      expect(text).toMatch(/\S/);
      const finishes = chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason).filter(Boolean));
      expect(finishes).toEqual(['stop']);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);

      const rows = await rowsOf(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'completed',
        routed_provider: provider,
        stream: true,
        tokens_in: last.usage!.prompt_tokens,
        tokens_out: last.usage!.completion_tokens,
      });
    });

    if (embedModel) {
      it('embeds through the SDK (base64 by default, decoded by it), with one embedding row', async () => {
        const id = requestId(`${provider}-embed`);
        const answer = await client.embeddings.create({ model: `${provider}/${embedModel}`, input: ['one', 'two'] }, withId(id));
        expect(answer.object).toBe('list');
        expect(answer.data.map((d) => d.index)).toEqual([0, 1]);
        for (const entry of answer.data) {
          expect(entry.object).toBe('embedding');
          expect(entry.embedding.length).toBeGreaterThan(0);
          expect(entry.embedding.every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
        }
        const rows = await rowsOf(id);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          outcome: 'completed',
          purpose: 'embedding',
          routed_provider: provider,
          routed_model: embedModel,
          tokens_in: answer.usage.prompt_tokens,
          tokens_out: 0,
        });
      });
    }
  });

  it('sends each upstream its own credentials', () => {
    expect(openai.requests.some((r) => r.headers.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true);
    expect(compat.requests.some((r) => r.headers.authorization === `Bearer ${COMPAT_KEY}`)).toBe(true);
    expect(azure.requests.every((r) => r.headers['api-key'] === azure.apiKey)).toBe(true);
    expect(anthropic.requests.every((r) => r.headers['x-api-key'] === anthropic.apiKey)).toBe(true);
  });

  it('falls back from Anthropic (529) to the OpenAI-compatible provider: one row, attributed to the one that answered', async () => {
    anthropic.behaviour = () => anthropicErrorOf('overloaded_error', 'Overloaded');
    try {
      const id = requestId('fallback');
      const answer = await client.chat.completions.create(
        { model: 'resilient', messages: [{ role: 'user', content: 'Say hello' }] },
        withId(id),
      );
      expect(answer.choices[0].message.content).toBe('Hello from compat');
      expect((answer as unknown as { routed_provider: string }).routed_provider).toBe('compat');
      const rows = await rowsOf(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'completed', routed_provider: 'compat', routed_model: 'compat-chat' });
      expect(rows[0].fallbacks).toEqual([
        {
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          tier: 4,
          reason: 'upstream_error:provider_unavailable:status=529:http',
        },
      ]);
    } finally {
      anthropic.behaviour = () => textReply('Hello, world!');
    }
  });

  describe('GET /v1/models', () => {
    type Entry = { id: string; owned_by: string; provider_type?: string; live?: boolean; routed_inference_tier: number };
    const list = async () => {
      const res = await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${client.apiKey}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: Entry[] }).data;
    };
    const modelGets = (fake: FakeOpenAi | FakeAnthropic | FakeOllama, path: string) =>
      fake.requests.filter((r) => r.path.startsWith(path) && Object.keys(r.body).length === 0).length;

    it('lists the live models of every provider that can list them, after the configured ones and without repeats', async () => {
      const entries = await list();
      const ids = entries.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      const live = entries.filter((e) => e.live).map((e) => e.id);
      expect(live.sort()).toEqual(
        [
          'oai/gpt-4o-mini',
          'compat/compat-extra',
          'claude/claude-opus-4-7',
          'claude/claude-haiku-4-5',
          'ollama/qwen3:latest',
        ].sort(),
      );
      // Configured models are listed once, as configured (Ollama's `llama3.2:latest` is `llama3.2`).
      expect(ids).toEqual(
        expect.arrayContaining(['oai/gpt-4o', 'claude/claude-sonnet-4-5', 'ollama/llama3.2', 'azure/gpt-4o-eu']),
      );
      expect(ids).not.toContain('ollama/llama3.2:latest');
      expect(entries.find((e) => e.id === 'claude/claude-opus-4-7')).toEqual({
        id: 'claude/claude-opus-4-7',
        object: 'model',
        created: 0,
        owned_by: 'claude',
        routed_inference_tier: 4,
        provider_type: 'anthropic',
        live: true,
      });
      expect(entries.find((e) => e.id === 'resilient')).toMatchObject({ resolves_to: 'claude/claude-sonnet-4-5' });
      // A stalled and a refused provider contribute their configured models only.
      expect(ids).toEqual(expect.arrayContaining(['stalled/stalled-model', 'refused/refused-model']));
      expect(ids.filter((id) => id.startsWith('stalled/') || id.startsWith('refused/'))).toHaveLength(2);
      expect(stall.requests.some((r) => r.path === '/v1/models')).toBe(true);
    });

    it('sends each upstream its real listing request', () => {
      expect(anthropic.requests.find((r) => r.path.startsWith('/v1/models'))).toMatchObject({
        path: '/v1/models?limit=1000',
        headers: expect.objectContaining({ 'x-api-key': anthropic.apiKey, 'anthropic-version': '2023-06-01' }),
      });
      expect(openai.requests.find((r) => r.path === '/v1/models')?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
      expect(ollama.requests.some((r) => r.path === '/api/tags')).toBe(true);
      // Azure lists no deployments on its data plane: nothing is asked of it.
      expect(azure.requests.some((r) => !r.path.includes('/openai/deployments/'))).toBe(false);
    });

    it('answers from the cache the second time', async () => {
      const before = [
        modelGets(openai, '/v1/models'),
        modelGets(anthropic, '/v1/models'),
        modelGets(ollama, '/api/tags'),
        modelGets(stall, '/v1/models'),
      ];
      const again = await list();
      expect(again.filter((e) => e.live)).toHaveLength(5);
      expect([
        modelGets(openai, '/v1/models'),
        modelGets(anthropic, '/v1/models'),
        modelGets(ollama, '/api/tags'),
        modelGets(stall, '/v1/models'),
      ]).toEqual(before);
    });

    it('routes to a live model that is not configured', async () => {
      const id = requestId('live');
      const answer = await client.chat.completions.create(
        { model: 'claude/claude-opus-4-7', messages: [{ role: 'user', content: 'Say hello' }] },
        withId(id),
      );
      expect(answer.choices[0].message.content).toBe('Hello, world!');
      expect(anthropic.requests.at(-1)!.body.model).toBe('claude-opus-4-7');
      expect(await rowsOf(id)).toMatchObject([
        { outcome: 'completed', routed_provider: 'claude', routed_model: 'claude-opus-4-7' },
      ]);
    });
  });
});
