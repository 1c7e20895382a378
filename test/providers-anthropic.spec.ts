import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import OpenAI, { APIError } from 'openai';
import {
  type Behaviour,
  errorOf,
  FAKE_ANTHROPIC_KEY,
  FakeAnthropic,
  type Reply,
  replyOf,
  streamFault,
  textReply,
} from './support/fake-anthropic.js';
import { completionOf, FakeOpenAi, streamOf } from './support/fake-openai.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const TIME_TOOL = {
  type: 'function' as const,
  function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } },
};

/** The last user message's text in an Anthropic request body. */
function lastUserText(body: Record<string, unknown>): string {
  const messages = body.messages as { role: string; content: string | { type: string; text?: string }[] }[];
  const last = [...messages].reverse().find((m) => m.role === 'user')!;
  return typeof last.content === 'string' ? last.content : last.content.map((b) => b.text ?? '').join('');
}

/** Answers with exactly what it was sent, streamed three characters at a time (placeholders split across deltas). */
const echo: Behaviour = (ctx) => {
  const text = lastUserText(ctx.body);
  const deltas = text.match(/[\s\S]{1,3}/g) ?? [];
  return replyOf({ content: [{ type: 'text', text, deltas }], usage: { input_tokens: 20, output_tokens: 10 } })(ctx);
};

describe('the anthropic provider through the gateway', () => {
  let fake: FakeAnthropic;
  let backup: FakeOpenAi;
  let app: TestApp;
  let key: string;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await new FakeAnthropic().start();
    backup = await new FakeOpenAi().start();
    app = await startTestApp(
      gatewayYaml({
        upstreams: { 'local-b': backup.baseUrl },
        anonymization: '{ enabled: true, apply_at_tiers: [3] }',
        extra: `  - name: anthropic-prod
    type: anthropic
    base_url: ${fake.baseUrl}
    api_key_env: TEST_ANTHROPIC_API_KEY
    tier: 4
    timeout_s: 2
    models: [claude-opus-4-7, claude-sonnet-4-5]
  - name: anthropic-eu
    type: anthropic
    base_url: ${fake.baseUrl}
    api_key_env: TEST_ANTHROPIC_API_KEY
    tier: 3
    timeout_s: 2
    models: [claude-eu]
aliases:
  smart: { primary: { provider: anthropic-prod, model: claude-opus-4-7 } }
  resilient:
    primary: { provider: anthropic-prod, model: claude-sonnet-4-5 }
    fallback: [{ provider: local-b, model: local-b-model }]`,
        prices: `  "anthropic-prod/claude-opus-4-7": { input: 15, output: 75 }
  "anthropic-prod/claude-sonnet-4-5": { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }`,
      }),
      { TEST_ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY },
    );
    key = (await app.createUser()).key;
    client = new OpenAI({ apiKey: key, baseURL: `${app.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
    await backup.stop();
  });

  beforeEach(() => {
    fake.apiKey = FAKE_ANTHROPIC_KEY;
    fake.behaviour = () => textReply('Hello, world!');
    backup.behaviour = (body) => (body.stream ? streamOf(['from', ' backup']) : completionOf('from backup'));
  });

  const rows = (requestId: string) => app.rows('request_id = $1', [requestId]);
  const as = (requestId: string) => ({ headers: { 'X-Request-Id': requestId } });
  const sent = () => fake.requests.at(-1)!;

  describe("the reference's worked example (smart → anthropic-prod/claude-opus-4-7)", () => {
    it('non-streaming: the exact upstream request, the stamped answer, and the row', async () => {
      fake.behaviour = () =>
        replyOf({
          id: 'msg_worked',
          content: [{ type: 'text', text: 'Hello!' }],
          usage: { input_tokens: 1000, output_tokens: 500 },
        });
      const chatId = '0b9f1c1e-6a55-4c1d-9b0e-3f8f0c6f5a01';
      const messageId = '5d2a9f0e-2c3b-4e7a-8f1d-7a6b5c4d3e02';
      const { data, response } = await client.chat.completions
        .create(
          { model: 'smart', messages: [{ role: 'user', content: 'hi' }], chat_id: chatId, message_id: messageId } as never,
          as('req_abc'),
        )
        .withResponse();

      expect(sent().path).toBe('/v1/messages');
      expect(sent().headers).toMatchObject({
        'x-api-key': FAKE_ANTHROPIC_KEY,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      });
      expect(sent().headers.authorization).toBeUndefined();
      expect(sent().body).toEqual({
        model: 'claude-opus-4-7',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 4096,
        stream: false,
      });

      expect(response.headers.get('x-routed-provider')).toBe('anthropic-prod');
      expect(response.headers.get('x-routed-inference-tier')).toBe('4');
      expect(data).toMatchObject({
        id: 'msg_worked',
        object: 'chat.completion',
        model: 'claude-opus-4-7',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
        routed_provider: 'anthropic-prod',
        routed_inference_tier: 4,
        cost_estimate: 0.0525,
        anonymization_applied: false,
      });

      const found = await rows('req_abc');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        requested_model: 'smart',
        routed_provider: 'anthropic-prod',
        routed_model: 'claude-opus-4-7',
        routed_inference_tier: 4,
        outcome: 'completed',
        tokens_in: 1000,
        tokens_out: 500,
        cost_usd: '0.052500000000',
        chat_id: chatId,
        message_id: messageId,
        purpose: 'chat',
        refused: false,
        stream: false,
      });
      expect(found[0].latency_ms).toBeGreaterThanOrEqual(0);
    });

    it('streaming: role chunk, text, final chunk with finish_reason, usage chunk, [DONE] after the row', async () => {
      fake.behaviour = () =>
        replyOf({
          id: 'msg_x',
          content: [{ type: 'text', text: 'hi', deltas: ['hi'] }],
          usage: { input_tokens: 3, output_tokens: 1 },
        });
      const res = await postSse(
        app.url,
        key,
        { model: 'smart', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Request-Id': 'worked-stream' } },
      );
      expect(sent().body).toEqual({
        model: 'claude-opus-4-7',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 4096,
        stream: true,
      });
      expect(res.status).toBe(200);
      expect(res.frames.at(-1)).toBe('[DONE]');
      const chunks = res.frames.slice(0, -1).map((f) => JSON.parse(f));
      const stamp = {
        id: 'msg_x',
        object: 'chat.completion.chunk',
        model: 'claude-opus-4-7',
        routed_provider: 'anthropic-prod',
        routed_inference_tier: 4,
      };
      expect(chunks).toEqual([
        {
          ...stamp,
          created: expect.any(Number),
          choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
        },
        { ...stamp, created: expect.any(Number), choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] },
        { ...stamp, created: expect.any(Number), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
        {
          ...stamp,
          created: expect.any(Number),
          choices: [],
          usage: {
            prompt_tokens: 3,
            completion_tokens: 1,
            total_tokens: 4,
            prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
          },
        },
      ]);
      expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
      const found = await rows('worked-stream');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        outcome: 'completed',
        stream: true,
        tokens_in: 3,
        tokens_out: 1,
        cost_usd: '0.000120000000',
      });
    });
  });

  describe('text', () => {
    it('non-streaming through the openai SDK', async () => {
      const answer = await client.chat.completions.create(
        {
          model: 'anthropic-prod/claude-sonnet-4-5',
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: 'Greet me.' },
          ],
          max_tokens: 64,
          temperature: 0.2,
          top_p: 0.9,
          stop: ['\n\n'],
        },
        as('text-json'),
      );
      expect(answer.choices[0].message.content).toBe('Hello, world!');
      expect(sent().body).toEqual({
        model: 'claude-sonnet-4-5',
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'Greet me.' }],
        max_tokens: 64,
        stream: false,
        temperature: 0.2,
        top_p: 0.9,
        stop_sequences: ['\n\n'],
      });
      const found = await rows('text-json');
      expect(found).toHaveLength(1);
      // 12 in × 3 + 5 out × 15 per million
      expect(found[0]).toMatchObject({ outcome: 'completed', tokens_in: 12, tokens_out: 5, cost_usd: '0.000111000000' });
    });

    it('streaming through the openai SDK', async () => {
      fake.behaviour = () =>
        replyOf({
          content: [{ type: 'text', text: 'The quick brown fox.', deltas: ['The', ' quick', ' brown', ' fox', '.'] }],
          usage: { input_tokens: 8, output_tokens: 6 },
        });
      const stream = await client.chat.completions.create(
        {
          model: 'anthropic-prod/claude-sonnet-4-5',
          stream: true,
          max_completion_tokens: 99,
          messages: [{ role: 'user', content: 'Say it.' }],
        },
        as('text-stream'),
      );
      const pieces: string[] = [];
      let finish: string | null = null;
      for await (const chunk of stream) {
        pieces.push(chunk.choices[0]?.delta?.content ?? '');
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(pieces.join('')).toBe('The quick brown fox.');
      expect(finish).toBe('stop');
      expect(sent().body).toMatchObject({ stream: true, max_tokens: 99 });
      expect(sent().body).not.toHaveProperty('stream_options');
      const found = await rows('text-stream');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ outcome: 'completed', stream: true, tokens_in: 8, tokens_out: 6 });
      expect(found[0].ttft_ms).toBeGreaterThanOrEqual(0);
    });

    it('leaves thinking out of the answer, streamed and not', async () => {
      const reply: Reply = {
        content: [
          { type: 'thinking', thinking: 'SECRET REASONING about the answer', signature: 'EqQBCgIYAhIM1gbcDa9G' },
          { type: 'text', text: 'Forty-two.' },
        ],
      };
      fake.behaviour = () => replyOf(reply);
      const json = await client.chat.completions.create({
        model: 'anthropic-prod/claude-sonnet-4-5',
        messages: [{ role: 'user', content: '?' }],
      });
      expect(json.choices[0].message.content).toBe('Forty-two.');
      const res = await postSse(app.url, key, {
        model: 'anthropic-prod/claude-sonnet-4-5',
        stream: true,
        messages: [{ role: 'user', content: '?' }],
      });
      expect(res.raw).not.toContain('SECRET');
      expect(res.raw).not.toContain('EqQBCgIYAhIM1gbcDa9G');
      const text = res.frames
        .slice(0, -1)
        .map((f) => JSON.parse(f).choices[0]?.delta?.content ?? '')
        .join('');
      expect(text).toBe('Forty-two.');
    });
  });

  describe('tool calls', () => {
    const question = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Weather in Paris?' },
    ];

    it('non-streaming: tools and tool_choice go out translated, tool_use comes back as tool_calls, the result goes back as tool_result', async () => {
      fake.behaviour = () =>
        replyOf({
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
          ],
          usage: { input_tokens: 50, output_tokens: 20 },
        });
      const first = await client.chat.completions.create(
        { model: 'resilient', messages: question, tools: [WEATHER_TOOL], tool_choice: 'auto', parallel_tool_calls: false },
        as('tools-json-1'),
      );
      expect(sent().body).toEqual({
        model: 'claude-sonnet-4-5',
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        max_tokens: 4096,
        stream: false,
        tools: [
          {
            name: 'get_weather',
            description: 'Current weather for a city',
            input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      });
      const choice = first.choices[0];
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBe('Let me check.');
      expect(choice.message.tool_calls).toEqual([
        { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ]);

      fake.behaviour = () => textReply('18°C and sunny.');
      const second = await client.chat.completions.create(
        {
          model: 'resilient',
          tools: [WEATHER_TOOL],
          tool_choice: { type: 'function', function: { name: 'get_weather' } },
          messages: [...question, choice.message, { role: 'tool', tool_call_id: 'toolu_01A', content: '18°C, sunny' }],
        },
        as('tools-json-2'),
      );
      expect(second.choices[0].message.content).toBe('18°C and sunny.');
      expect(sent().body.messages).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '18°C, sunny' }] },
      ]);
      expect(sent().body.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
      for (const id of ['tools-json-1', 'tools-json-2']) {
        const found = await rows(id);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ outcome: 'completed', routed_provider: 'anthropic-prod' });
      }
    });

    it('streaming: opening chunks and argument deltas with ordinal indexes; the SDK assembles them; both results go back in one user message', async () => {
      fake.behaviour = () =>
        replyOf({
          content: [
            { type: 'text', text: 'Checking both.' },
            {
              type: 'tool_use',
              id: 'toolu_A',
              name: 'get_weather',
              input: { city: 'Paris' },
              json: ['', '{"city": ', '"Paris"}'],
            },
            {
              type: 'tool_use',
              id: 'toolu_B',
              name: 'get_time',
              input: { tz: 'Europe/Paris' },
              json: ['{"tz": "Europe', '/Paris"}'],
            },
          ],
          usage: { input_tokens: 60, output_tokens: 30 },
        });
      const body = {
        model: 'resilient',
        stream: true,
        messages: question,
        tools: [WEATHER_TOOL, TIME_TOOL],
        tool_choice: 'required',
      };
      const raw = await postSse(app.url, key, body, { headers: { 'X-Request-Id': 'tools-stream-raw' } });
      expect(sent().body).toMatchObject({ stream: true, tool_choice: { type: 'any' } });
      const toolDeltas = raw.frames.slice(0, -1).flatMap((f) => JSON.parse(f).choices[0]?.delta?.tool_calls ?? []);
      expect(toolDeltas).toEqual([
        { index: 0, id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '' } },
        { index: 0, function: { arguments: '{"city": ' } },
        { index: 0, function: { arguments: '"Paris"}' } },
        { index: 1, id: 'toolu_B', type: 'function', function: { name: 'get_time', arguments: '' } },
        { index: 1, function: { arguments: '{"tz": "Europe' } },
        { index: 1, function: { arguments: '/Paris"}' } },
      ]);

      const stream = client.chat.completions.stream(
        { model: 'resilient', messages: question, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: 'required' },
        as('tools-stream-sdk'),
      );
      const final = await stream.finalChatCompletion();
      const message = final.choices[0].message;
      expect(final.choices[0].finish_reason).toBe('tool_calls');
      expect(message.content).toBe('Checking both.');
      expect(message.tool_calls).toEqual([
        { id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
        { id: 'toolu_B', type: 'function', function: { name: 'get_time', arguments: '{"tz": "Europe/Paris"}' } },
      ]);

      fake.behaviour = () => textReply('Sunny, and it is noon.');
      const next = await client.chat.completions.create(
        {
          model: 'resilient',
          stream: true,
          tools: [WEATHER_TOOL, TIME_TOOL],
          messages: [
            ...question,
            { role: 'assistant', content: message.content, tool_calls: message.tool_calls },
            { role: 'tool', tool_call_id: 'toolu_A', content: 'sunny' },
            { role: 'tool', tool_call_id: 'toolu_B', content: '12:00' },
          ],
        },
        as('tools-stream-2'),
      );
      let text = '';
      for await (const chunk of next) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe('Sunny, and it is noon.');
      expect(sent().body.messages).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_B', name: 'get_time', input: { tz: 'Europe/Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_A', content: 'sunny' },
            { type: 'tool_result', tool_use_id: 'toolu_B', content: '12:00' },
          ],
        },
      ]);
      for (const id of ['tools-stream-raw', 'tools-stream-sdk', 'tools-stream-2']) {
        const found = await rows(id);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ outcome: 'completed', routed_provider: 'anthropic-prod', stream: true });
      }
      expect((await rows('tools-stream-raw'))[0]).toMatchObject({ tokens_in: 60, tokens_out: 30 });
    });
  });

  it('sends image parts as image blocks: a data URL inline, an https URL by reference', async () => {
    await client.chat.completions.create({
      model: 'anthropic-prod/claude-sonnet-4-5',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
          ],
        },
      ],
    });
    expect(sent().body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('answers 501 for a part Anthropic cannot take, with one failed row and no upstream call', async () => {
    const before = fake.requests.length;
    const error = await client.chat.completions
      .create(
        {
          model: 'anthropic-prod/claude-sonnet-4-5',
          messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }] }],
        },
        as('untranslatable'),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(501);
    expect((error as APIError).error).toMatchObject({
      code: 'not_implemented',
      message: expect.stringContaining("'input_audio'"),
    });
    expect(fake.requests.length).toBe(before);
    const found = await rows('untranslatable');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ outcome: 'failed', error_code: 'not_implemented', routed_provider: 'anthropic-prod' });
  });

  describe('prompt-cache usage', () => {
    const cached = { input_tokens: 10, cache_creation_input_tokens: 2000, cache_read_input_tokens: 30000, output_tokens: 50 };

    it('counts cached tokens in tokens_in and prices them at cache_read / cache_write (non-streaming)', async () => {
      fake.behaviour = () => textReply('cached answer', cached);
      const answer = await client.chat.completions.create(
        {
          model: 'anthropic-prod/claude-sonnet-4-5',
          messages: [
            {
              role: 'system',
              content: [{ type: 'text', text: 'A long manual…', cache_control: { type: 'ephemeral' } }] as never,
            },
            { role: 'user', content: 'Question?' },
          ],
        },
        as('cache-json'),
      );
      // The client's cache_control reaches Anthropic, so prompt caching can actually be used.
      expect(sent().body.system).toEqual([{ type: 'text', text: 'A long manual…', cache_control: { type: 'ephemeral' } }]);
      expect(answer.usage).toEqual({
        prompt_tokens: 32_010,
        completion_tokens: 50,
        total_tokens: 32_060,
        prompt_tokens_details: { cached_tokens: 30_000, cache_write_tokens: 2000 },
      });
      // (10 × 3 + 30000 × 0.3 + 2000 × 3.75 + 50 × 15) / 1e6
      expect((answer as unknown as { cost_estimate: number }).cost_estimate).toBe(0.01728);
      const found = await rows('cache-json');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ tokens_in: 32_010, tokens_out: 50, cost_usd: '0.017280000000' });
    });

    it('the same, streamed', async () => {
      fake.behaviour = () => textReply('cached answer', cached);
      const stream = await client.chat.completions.create(
        {
          model: 'anthropic-prod/claude-sonnet-4-5',
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'Question?' }],
        },
        as('cache-stream'),
      );
      let usage: unknown;
      for await (const chunk of stream) usage = chunk.usage ?? usage;
      expect(usage).toMatchObject({
        prompt_tokens: 32_010,
        prompt_tokens_details: { cached_tokens: 30_000, cache_write_tokens: 2000 },
      });
      const found = await rows('cache-stream');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ tokens_in: 32_010, tokens_out: 50, cost_usd: '0.017280000000' });
    });

    it('prices cached tokens at the input price when the model has no cache prices', async () => {
      fake.behaviour = () => textReply('cached answer', cached);
      await client.chat.completions.create(
        { model: 'smart', messages: [{ role: 'user', content: 'Question?' }] },
        as('cache-noprice'),
      );
      // (32010 × 15 + 50 × 75) / 1e6
      expect((await rows('cache-noprice'))[0]).toMatchObject({ tokens_in: 32_010, cost_usd: '0.483900000000' });
    });
  });

  describe('failures mid-stream', () => {
    const reply: Reply = {
      content: [{ type: 'text', text: 'Hello there friend', deltas: ['Hello', ' there', ' friend'] }],
      usage: { input_tokens: 25, output_tokens: 9 },
    };

    it('an overloaded_error event fails the completion: error frame, [DONE], one failed row with the tokens seen', async () => {
      // message_start, content_block_start, ping, "Hello", " there", then the error event.
      fake.behaviour = () => streamFault(reply, 5, { error: { type: 'overloaded_error', message: 'Overloaded' } });
      const before = backup.requests.length;
      const res = await postSse(
        app.url,
        key,
        { model: 'resilient', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Request-Id': 'overloaded-mid' } },
      );
      expect(res.status).toBe(200);
      expect(res.frames.at(-1)).toBe('[DONE]');
      const chunks = res.frames.slice(0, -2).map((f) => JSON.parse(f));
      expect(chunks.map((c) => c.choices[0]?.delta?.content).join('')).toBe('Hello there');
      expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);
      const { error } = JSON.parse(res.frames.at(-2)!);
      expect(error).toMatchObject({ code: 'provider_unavailable', message: 'Overloaded' });
      expect(error.details).toEqual({
        provider: 'anthropic-prod',
        upstream_status: 529,
        upstream_error_type: 'overloaded_error',
      });
      expect(backup.requests.length).toBe(before); // too late to fall back: the client has the first bytes
      const found = await rows('overloaded-mid');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        outcome: 'failed',
        routed_provider: 'anthropic-prod',
        routed_model: 'claude-sonnet-4-5',
        error_code: 'provider_unavailable',
        error_reason: 'upstream_error:provider_unavailable:status=529:http',
        tokens_in: 25,
        tokens_out: 1,
        cost_usd: '0.000090000000',
        fallbacks: [],
      });
    });

    it('the openai SDK sees the failure as an error, not as a finished answer', async () => {
      fake.behaviour = () => streamFault(reply, 5, { error: { type: 'overloaded_error', message: 'Overloaded' } });
      const stream = await client.chat.completions.create(
        { model: 'anthropic-prod/claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        as('overloaded-sdk'),
      );
      let text = '';
      const failure = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })().catch((e: unknown) => e);
      expect(text).toBe('Hello there');
      expect(failure).toBeInstanceOf(APIError);
      expect((failure as APIError).message).toContain('Overloaded');
      expect(await rows('overloaded-sdk')).toHaveLength(1);
    });

    it('a connection cut mid-answer fails the completion with the tokens seen', async () => {
      fake.behaviour = () => streamFault(reply, 4, 'cut');
      const res = await postSse(
        app.url,
        key,
        { model: 'resilient', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Request-Id': 'cut-mid' } },
      );
      expect(res.frames.at(-1)).toBe('[DONE]');
      expect(JSON.parse(res.frames.at(-2)!).error.code).toBe('provider_unavailable');
      const found = await rows('cut-mid');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        outcome: 'failed',
        error_reason: 'upstream_error:provider_unavailable:network',
        tokens_in: 25,
        tokens_out: 1,
      });
    });

    it('a stream that ends without message_stop or a stop reason failed', async () => {
      fake.behaviour = () => (ctx) => {
        ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        ctx.res.end(
          'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}}}\n\n' +
            'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}\n\n',
        );
      };
      const res = await postSse(
        app.url,
        key,
        { model: 'anthropic-prod/claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Request-Id': 'ended-early' } },
      );
      expect(JSON.parse(res.frames.at(-2)!).error.code).toBe('provider_unavailable');
      expect((await rows('ended-early'))[0]).toMatchObject({
        outcome: 'failed',
        error_reason: 'upstream_error:provider_unavailable:protocol',
        tokens_in: 7,
      });
    });
  });

  describe('errors before the first byte', () => {
    for (const stream of [false, true]) {
      it(`falls back from 529 overloaded to the OpenAI-compatible candidate, one row attributed to it (stream: ${stream})`, async () => {
        fake.behaviour = () => errorOf('overloaded_error', 'Overloaded');
        const requestId = `fb-529-${stream}`;
        const body = { model: 'resilient', stream, messages: [{ role: 'user', content: 'x' }] };
        if (stream) {
          const res = await postSse(app.url, key, body, { headers: { 'X-Request-Id': requestId } });
          expect(res.headers['x-routed-provider']).toBe('local-b');
          expect(res.frames.at(-1)).toBe('[DONE]');
        } else {
          const answer = await client.chat.completions.create(body as never, as(requestId));
          expect((answer as unknown as OpenAI.ChatCompletion).choices[0].message.content).toBe('from backup');
        }
        const found = await rows(requestId);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ outcome: 'completed', routed_provider: 'local-b', routed_inference_tier: 1 });
        expect(found[0].fallbacks).toEqual([
          {
            provider: 'anthropic-prod',
            model: 'claude-sonnet-4-5',
            tier: 4,
            reason: 'upstream_error:provider_unavailable:status=529:http',
          },
        ]);
      });
    }

    it.each<[string, Behaviour, string]>([
      ['500 api_error', errorOf('api_error', 'Internal server error'), 'upstream_error:provider_unavailable:status=500:http'],
      ['429 rate_limit_error', errorOf('rate_limit_error', 'Slow down'), 'upstream_error:rate_limit_exceeded:status=429:http'],
      [
        'an overloaded_error event before message_start',
        streamFault({ content: [] }, 0, { error: { type: 'overloaded_error', message: 'Overloaded' } }),
        'upstream_error:provider_unavailable:status=529:http',
      ],
    ])('falls back on %s (streamed)', async (label, behaviour, reason) => {
      fake.behaviour = () => behaviour;
      const requestId = `fb-${label.replace(/\W+/g, '-')}`;
      const res = await postSse(
        app.url,
        key,
        { model: 'resilient', stream: true, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': requestId } },
      );
      expect(res.headers['x-routed-provider']).toBe('local-b');
      const found = await rows(requestId);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ outcome: 'completed', routed_provider: 'local-b' });
      expect(found[0].fallbacks.map((f: { reason: string }) => f.reason)).toEqual([reason]);
    });

    it.each<[string, string]>([
      ['401', 'authentication_error'],
      ['403', 'permission_error'],
    ])(
      'does not fall back on %s: 502 unauthorized (our key, not the caller), message from the error field, never the key',
      async (status, type) => {
        fake.behaviour = () => errorOf(type, 'invalid x-api-key');
        const before = backup.requests.length;
        const requestId = `no-fb-${status}`;
        const error = await client.chat.completions
          .create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] }, as(requestId))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(APIError);
        expect((error as APIError).status).toBe(502);
        expect((error as APIError).error).toMatchObject({
          code: 'unauthorized',
          message: 'invalid x-api-key',
          details: { provider: 'anthropic-prod', upstream_status: Number(status), upstream_error_type: type },
        });
        expect((error as APIError).error).toHaveProperty('details', {
          provider: 'anthropic-prod',
          upstream_status: Number(status),
          upstream_error_type: type,
        });
        expect(JSON.stringify((error as APIError).error)).not.toContain(FAKE_ANTHROPIC_KEY);
        expect(backup.requests.length).toBe(before);
        const found = await rows(requestId);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({
          outcome: 'failed',
          routed_provider: 'anthropic-prod',
          error_code: 'unauthorized',
          error_reason: `upstream_error:unauthorized:status=${status}:auth`,
          fallbacks: [],
        });
      },
    );

    it('a wrong key is refused by the fake itself (it checks x-api-key) and reported the same way', async () => {
      fake.apiKey = 'sk-ant-some-other-key';
      const res = await postSse(
        app.url,
        key,
        { model: 'anthropic-prod/claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': 'wrong-key' } },
      );
      expect(res.status).toBe(502);
      expect(JSON.parse(res.raw).error).toMatchObject({ code: 'unauthorized', details: { upstream_status: 401 } });
      expect((await rows('wrong-key'))[0]).toMatchObject({ outcome: 'failed', error_code: 'unauthorized' });
    });

    it('does not fall back on 400 invalid_request_error: 400 with the message from the error field', async () => {
      fake.behaviour = () => errorOf('invalid_request_error', 'messages.0.content: text content blocks must be non-empty');
      const before = backup.requests.length;
      const error = await client.chat.completions
        .create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] }, as('no-fb-400'))
        .catch((e: unknown) => e);
      expect((error as APIError).status).toBe(400);
      expect((error as APIError).error).toMatchObject({
        code: 'invalid_request',
        message: 'messages.0.content: text content blocks must be non-empty',
        details: { upstream_status: 400, upstream_error_type: 'invalid_request_error' },
      });
      expect(backup.requests.length).toBe(before);
      expect((await rows('no-fb-400'))[0]).toMatchObject({ outcome: 'failed', error_code: 'invalid_request' });
    });
  });

  it('has the row committed when a client hangs up on [DONE]', async () => {
    const res = await postSse(
      app.url,
      key,
      { model: 'smart', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'X-Request-Id': 'close-at-done' }, onFrame: (data) => (data === '[DONE]' ? 'close' : undefined) },
    );
    const found = await rows('close-at-done'); // no wait, no retry
    expect(res.closedByClient).toBe(true);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ outcome: 'completed', tokens_in: 12, tokens_out: 5 });
  });

  describe('anonymization round trip through the adapter (anthropic-eu is tier 3)', () => {
    const prompt = 'Write to alice.martin@example.com about the invoice.';

    it('non-streaming: Anthropic sees a placeholder, the client gets the original back', async () => {
      fake.behaviour = () => echo;
      const answer = await client.chat.completions.create(
        { model: 'anthropic-eu/claude-eu', messages: [{ role: 'user', content: prompt }] },
        as('anon-json'),
      );
      expect(JSON.stringify(sent().body)).not.toContain('alice.martin@example.com');
      expect(lastUserText(sent().body)).toMatch(/EMAIL_ADDRESS_\d{4}/);
      expect(answer.choices[0].message.content).toBe(prompt);
      const found = await rows('anon-json');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        anonymization_applied: true,
        anonymized_entities: { EMAIL_ADDRESS: 1 },
        routed_inference_tier: 3,
      });
    });

    it('streaming: placeholders split across deltas are re-identified', async () => {
      fake.behaviour = () => echo;
      const stream = await client.chat.completions.create(
        { model: 'anthropic-eu/claude-eu', stream: true, messages: [{ role: 'user', content: prompt }] },
        as('anon-stream'),
      );
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(JSON.stringify(sent().body)).not.toContain('alice.martin@example.com');
      expect(text).toBe(prompt);
      const found = await rows('anon-stream');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ outcome: 'completed', anonymization_applied: true });
    });
  });
});
