import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { FakeOllama, ollamaChatOf, ollamaErrorOf, ollamaStreamOf } from './support/fake-ollama.js';
import { completionOf, FakeOpenAi, streamOf } from './support/fake-openai.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

const TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the weather in a given city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

describe('ollama provider (native /api/chat, NDJSON) through the gateway', () => {
  let ollama: FakeOllama;
  let backup: FakeOpenAi;
  let app: TestApp;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    ollama = await new FakeOllama().start();
    backup = await new FakeOpenAi().start();
    app = await startTestApp(
      gatewayYaml({
        upstreams: { 'local-backup': backup.baseUrl },
        extra: `  - name: ollama-local
    type: ollama
    base_url: ${ollama.baseUrl}
    tier: 1
    timeout_s: 2
    models: [llama3.2, qwen3, all-minilm]
aliases:
  local-chat:
    primary: { provider: ollama-local, model: llama3.2 }
    fallback: [{ provider: local-backup, model: local-backup-model }]
  missing-model:
    primary: { provider: ollama-local, model: mistral }
    fallback: [{ provider: local-backup, model: local-backup-model }]`,
        prices: `  "ollama-local/llama3.2": { input: 0.10, output: 0.20 }`,
      }),
    );
    key = (await app.createUser()).key;
    client = new OpenAI({ apiKey: key, baseURL: `${app.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await app.close();
    await ollama.stop();
    await backup.stop();
  });

  beforeEach(() => {
    ollama.behaviour = (body, path) =>
      path === '/api/embed'
        ? ollamaChatOf('unexpected')
        : body.stream === false
          ? ollamaChatOf('Hello, world!')
          : ollamaStreamOf();
    backup.behaviour = (body) => (body.stream ? streamOf(['backup']) : completionOf('backup'));
  });

  const rowsOf = (requestId: string) => app.rows('request_id = $1', [requestId]);
  const lastOllamaRequest = () => ollama.requests.at(-1)!;

  it('answers a non-streamed completion, sending options mapped to Ollama and recording usage and cost', async () => {
    const { data, response } = await client.chat.completions
      .create(
        {
          model: 'ollama-local/llama3.2',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Say hello' },
          ],
          max_tokens: 50,
          temperature: 0.3,
          top_p: 0.8,
          stop: 'END',
        },
        { headers: { 'X-Request-Id': 'ollama-json' } },
      )
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello, world!' }, finish_reason: 'stop' });
    expect(data.usage).toEqual({ prompt_tokens: 26, completion_tokens: 9, total_tokens: 35 });
    expect(response.headers.get('x-routed-provider')).toBe('ollama-local');

    const sent = lastOllamaRequest();
    expect(sent.path).toBe('/api/chat');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'llama3.2',
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      options: { num_predict: 50, temperature: 0.3, top_p: 0.8, stop: ['END'] },
    });

    const rows = await rowsOf('ollama-json');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'completed',
      routed_provider: 'ollama-local',
      routed_model: 'llama3.2',
      routed_inference_tier: 1,
      tokens_in: 26,
      tokens_out: 9,
      stream: false,
    });
    // 26 × 0.10 + 9 × 0.20 = 4.4 USD per million
    expect(rows[0].cost_usd).toBe('0.000004400000');
    expect(rows[0].id).toBe(response.headers.get('x-completion-id'));
  });

  it('streams NDJSON split across reads (inside lines and UTF-8 characters) as OpenAI chunks, with usage', async () => {
    ollama.behaviour = () =>
      ollamaStreamOf({ pieces: ['héllo', ' ☃', ' 👋'], writeBytes: 5, usage: { prompt: 12, completion: 3 } });
    const { data, response } = await client.chat.completions
      .create(
        {
          model: 'ollama-local/llama3.2',
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'stream' }],
          max_completion_tokens: 20,
        },
        { headers: { 'X-Request-Id': 'ollama-stream' } },
      )
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    const finishes: string[] = [];
    for await (const chunk of data) {
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('héllo ☃ 👋');
    expect(finishes).toEqual(['stop']);
    expect(usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    expect(lastOllamaRequest().body).toMatchObject({ stream: true, options: { num_predict: 20 } });
    expect(lastOllamaRequest().headers.accept).toContain('application/x-ndjson');

    const rows = await rowsOf('ollama-stream');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'completed', stream: true, tokens_in: 12, tokens_out: 3 });
    expect(rows[0].id).toBe(response.headers.get('x-completion-id'));
  });

  it('does not forward thinking as content', async () => {
    ollama.behaviour = () => ollamaStreamOf({ thinking: ['Let me', ' think'], pieces: ['Answer'] });
    const stream = await client.chat.completions.create({
      model: 'ollama-local/qwen3',
      stream: true,
      messages: [{ role: 'user', content: 'think' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Answer');
  });

  describe('tool calls', () => {
    it('returns tool calls non-streamed (JSON-string arguments, ids) and sends the tool result back as Ollama expects', async () => {
      ollama.behaviour = () =>
        ollamaChatOf('', {
          toolCalls: [{ name: 'get_weather', arguments: { city: 'Tokyo' } }],
          usage: { prompt: 169, completion: 15 },
        });
      const first = await client.chat.completions.create(
        { model: 'ollama-local/llama3.2', messages: [{ role: 'user', content: 'Weather in Tokyo?' }], tools: TOOLS },
        { headers: { 'X-Request-Id': 'ollama-tools-json' } },
      );
      expect(first.choices[0].finish_reason).toBe('tool_calls');
      expect(first.choices[0].message.content).toBeNull();
      const [call] = first.choices[0].message.tool_calls ?? [];
      expect(call.type).toBe('function');
      expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
      if (call.type !== 'function') throw new Error('not a function call');
      expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Tokyo"}' });
      expect(lastOllamaRequest().body.tools).toEqual(TOOLS);

      ollama.behaviour = () => ollamaChatOf('It is 22°C in Tokyo.');
      const second = await client.chat.completions.create({
        model: 'ollama-local/llama3.2',
        tools: TOOLS,
        messages: [
          { role: 'user', content: 'Weather in Tokyo?' },
          first.choices[0].message,
          { role: 'tool', tool_call_id: call.id, content: '22°C' },
        ],
      });
      expect(second.choices[0].message.content).toBe('It is 22°C in Tokyo.');
      expect(lastOllamaRequest().body.messages).toEqual([
        { role: 'user', content: 'Weather in Tokyo?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: call.id, function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } }],
        },
        { role: 'tool', content: '22°C', tool_call_id: call.id, tool_name: 'get_weather' },
      ]);
      expect(await rowsOf('ollama-tools-json')).toHaveLength(1);
    });

    it('streams tool calls (the reference dropped them) with ordinal indexes and finish reason tool_calls', async () => {
      ollama.behaviour = () =>
        ollamaStreamOf({
          pieces: [],
          toolCalls: [
            { name: 'get_weather', arguments: { city: 'Tokyo' } },
            { name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_ollama_2' },
          ],
          usage: { prompt: 169, completion: 30 },
        });
      const stream = await client.chat.completions.create(
        {
          model: 'ollama-local/llama3.2',
          stream: true,
          tools: TOOLS,
          messages: [{ role: 'user', content: 'Weather in Tokyo and Paris?' }],
        },
        { headers: { 'X-Request-Id': 'ollama-tools-stream' } },
      );
      const calls: { id?: string; name?: string; arguments: string }[] = [];
      let finish: string | null = null;
      for await (const chunk of stream) {
        for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
          calls[delta.index] ??= { arguments: '' };
          if (delta.id) calls[delta.index].id = delta.id;
          if (delta.function?.name) calls[delta.index].name = delta.function.name;
          calls[delta.index].arguments += delta.function?.arguments ?? '';
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(finish).toBe('tool_calls');
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Tokyo"}' });
      expect(calls[0].id).toMatch(/^call_/);
      expect(calls[1]).toEqual({ id: 'call_ollama_2', name: 'get_weather', arguments: '{"city":"Paris"}' });
      const rows = await rowsOf('ollama-tools-stream');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'completed', tokens_in: 169, tokens_out: 30 });
    });
  });

  describe('errors', () => {
    it('answers 400 invalid_model for a model Ollama does not have (404), without falling back', async () => {
      const before = backup.requests.length;
      for (const stream of [false, true]) {
        const requestId = `ollama-404-${stream}`;
        const res = await postSse(
          app.url,
          key,
          { model: 'missing-model', stream, messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'X-Request-Id': requestId } },
        );
        expect(res.status).toBe(400);
        const body = JSON.parse(res.raw);
        expect(body.error).toMatchObject({
          code: 'invalid_model',
          message: "model 'mistral' not found",
          details: { provider: 'ollama-local', upstream_status: 404 },
        });
        const rows = await rowsOf(requestId);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          outcome: 'failed',
          routed_provider: 'ollama-local',
          routed_model: 'mistral',
          error_code: 'invalid_model',
          error_reason: 'upstream_error:invalid_model:status=404:http',
        });
        expect(rows[0].fallbacks).toEqual([]);
      }
      expect(backup.requests.length).toBe(before);
    });

    for (const stream of [false, true]) {
      it(`falls back on a 5xx to the next candidate, one row attributed to it (stream: ${stream})`, async () => {
        ollama.behaviour = () => ollamaErrorOf(503, 'server busy, please try again.  maximum pending requests exceeded');
        const requestId = `ollama-503-${stream}`;
        const res = await postSse(
          app.url,
          key,
          { model: 'local-chat', stream, messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'X-Request-Id': requestId } },
        );
        expect(res.status).toBe(200);
        expect(res.headers['x-routed-provider']).toBe('local-backup');
        const rows = await rowsOf(requestId);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ outcome: 'completed', routed_provider: 'local-backup' });
        expect(rows[0].fallbacks).toEqual([
          { provider: 'ollama-local', model: 'llama3.2', tier: 1, reason: 'upstream_error:provider_unavailable:status=503:http' },
        ]);
      });
    }

    it('falls back when Ollama is unreachable', async () => {
      ollama.behaviour =
        () =>
        ({ res }) => {
          res.socket?.destroy();
        };
      const completion = await client.chat.completions.create(
        { model: 'local-chat', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': 'ollama-network' } },
      );
      expect(completion.choices[0].message.content).toBe('backup');
      const [row] = await rowsOf('ollama-network');
      expect(row.fallbacks[0].reason).toBe('upstream_error:provider_unavailable:network');
    });

    it.each([401, 403])(
      'treats %i (a proxy rejecting our key) as an auth error: 502 unauthorized, no fallback',
      async (status) => {
        ollama.behaviour = () => ollamaErrorOf(status, 'unauthorized');
        const before = backup.requests.length;
        const requestId = `ollama-auth-${status}`;
        const error = await client.chat.completions
          .create({ model: 'local-chat', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'X-Request-Id': requestId } })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
        expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('unauthorized');
        expect(backup.requests.length).toBe(before);
        const rows = await rowsOf(requestId);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          outcome: 'failed',
          error_code: 'unauthorized',
          error_reason: `upstream_error:unauthorized:status=${status}:auth`,
        });
      },
    );

    it('answers 400 for another 4xx, without falling back', async () => {
      ollama.behaviour = () => ollamaErrorOf(400, 'invalid options');
      const before = backup.requests.length;
      const error = (await client.chat.completions
        .create(
          { model: 'local-chat', messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'X-Request-Id': 'ollama-400' } },
        )
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect([error.status, error.code, error.message]).toEqual([400, 'invalid_request', '400 invalid options']);
      expect(backup.requests.length).toBe(before);
      expect(await rowsOf('ollama-400')).toHaveLength(1);
    });

    it('fails a stream cut mid-way: error frame, [DONE], one failed row', async () => {
      ollama.behaviour = () => ollamaStreamOf({ pieces: ['par', 'tial', 'never'], cutAfter: 2 });
      const res = await postSse(
        app.url,
        key,
        { model: 'ollama-local/llama3.2', stream: true, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': 'ollama-cut' } },
      );
      expect(res.status).toBe(200);
      expect(res.frames.at(-1)).toBe('[DONE]');
      const error = JSON.parse(res.frames.at(-2)!);
      expect(error.error.code).toBe('provider_unavailable');
      const content = res.frames
        .slice(0, -2)
        .map((frame) => JSON.parse(frame).choices[0]?.delta?.content ?? '')
        .join('');
      expect(content).toBe('partial');
      const rows = await rowsOf('ollama-cut');
      expect(rows).toHaveLength(1);
      expect(rows[0].outcome).toBe('failed');
      expect(rows[0].error_reason).toMatch(/^upstream_error:provider_unavailable:(network|protocol)$/);
    });

    it('fails a stream on an error line in place of done (the SDK raises it)', async () => {
      ollama.behaviour = () => ollamaStreamOf({ pieces: ['a'], errorAtEnd: 'an error was encountered while running the model' });
      const stream = await client.chat.completions.create(
        { model: 'ollama-local/llama3.2', stream: true, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': 'ollama-error-line' } },
      );
      const read = async () => {
        for await (const _ of stream) {
          // drain until the error frame
        }
      };
      await expect(read()).rejects.toThrow('an error was encountered while running the model');
      const rows = await rowsOf('ollama-error-line');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'failed', error_code: 'provider_unavailable' });
    });
  });

  it('has the row committed when a client hangs up on [DONE]', async () => {
    const res = await postSse(
      app.url,
      key,
      { model: 'ollama-local/llama3.2', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'X-Request-Id': 'ollama-close-at-done' }, onFrame: (data) => (data === '[DONE]' ? 'close' : undefined) },
    );
    expect(res.closedByClient).toBe(true);
    const rows = await rowsOf('ollama-close-at-done');
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome).toBe('completed');
  });
});
