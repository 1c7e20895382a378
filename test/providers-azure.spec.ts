import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { ConfigError, loadConfig } from '../src/config/app-config.js';
import {
  azureCompletionOf,
  azureEmbeddingsOf,
  azureErrorOf,
  azureStreamOf,
  FakeAzureOpenAi,
} from './support/fake-azure-openai.js';
import { completionOf, FakeOpenAi, fakeVector, streamOf } from './support/fake-openai.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

const CHAT_PATH = '/openai/deployments/gpt-4o-eu/chat/completions?api-version=2024-10-21';

describe('azure_openai configuration', () => {
  const load = (entry: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-azure-config-'));
    const path = join(dir, 'gateway.yaml');
    writeFileSync(path, `providers:\n${entry}`);
    return () => loadConfig({ GATEWAY_CONFIG: path, AZURE_OPENAI_API_KEY: 'k' });
  };

  it('refuses an azure_openai entry without api_version, naming the key', () => {
    const start = load(`  - name: azure-eu
    type: azure_openai
    base_url: https://my-resource.openai.azure.com
    api_key_env: AZURE_OPENAI_API_KEY
    models: [gpt-4o-eu]
`);
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/gateway\.yaml: providers\.azure-eu\.api_version: required for type azure_openai$/);
  });

  it('refuses api_version on another type, and takes an unquoted date as the version string', () => {
    expect(
      load(`  - { name: o, type: openai_compatible, base_url: "http://127.0.0.1:9/v1", api_version: 2024-10-21, models: [m] }\n`),
    ).toThrow(/providers\.o\.api_version: only for type azure_openai/);
    const config = load(`  - name: azure-eu
    type: azure_openai
    base_url: https://my-resource.openai.azure.com/
    api_key_env: AZURE_OPENAI_API_KEY
    api_version: 2024-10-21
    models: [gpt-4o-eu]
`)();
    expect(config.providers[0]).toMatchObject({
      apiVersion: '2024-10-21',
      baseUrl: 'https://my-resource.openai.azure.com',
      enabled: true,
    });
  });
});

describe('azure_openai provider through the gateway', () => {
  let azure: FakeAzureOpenAi;
  let backup: FakeOpenAi;
  let app: TestApp;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    azure = await new FakeAzureOpenAi().start();
    backup = await new FakeOpenAi().start();
    const entry = (name: string, keyEnv: string) => `  - name: ${name}
    type: azure_openai
    base_url: ${azure.baseUrl}
    api_key_env: ${keyEnv}
    api_version: "2024-10-21"
    tier: 3
    timeout_s: 2
    models: [gpt-4o-eu, embed-eu]`;
    app = await startTestApp(
      gatewayYaml({
        upstreams: { 'local-backup': backup.baseUrl },
        extra: `${entry('azure-eu', 'TEST_AZURE_KEY')}
${entry('azure-wrong-key', 'TEST_AZURE_WRONG_KEY')}
aliases:
  eu-chat:
    primary: { provider: azure-eu, model: gpt-4o-eu }
    fallback: [{ provider: local-backup, model: local-backup-model }]
  eu-wrong-key:
    primary: { provider: azure-wrong-key, model: gpt-4o-eu }
    fallback: [{ provider: local-backup, model: local-backup-model }]
  eu-missing:
    primary: { provider: azure-eu, model: gpt-4o-us }
    fallback: [{ provider: local-backup, model: local-backup-model }]`,
        prices: `  "azure-eu/gpt-4o-eu": { input: 2.50, output: 10.00 }
  "azure-eu/embed-eu": { input: 0.02, output: 0 }`,
      }),
      { TEST_AZURE_KEY: azure.apiKey, TEST_AZURE_WRONG_KEY: 'not-the-key' },
    );
    key = (await app.createUser()).key;
    client = new OpenAI({ apiKey: key, baseURL: `${app.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await app.close();
    await azure.stop();
    await backup.stop();
  });

  beforeEach(() => {
    azure.answer = (body, route) =>
      route.operation === 'embeddings'
        ? azureEmbeddingsOf(route.model)
        : body.stream
          ? azureStreamOf(['Hello', ' from', ' Azure'], route.model)
          : azureCompletionOf('Hello from Azure', route.model);
    backup.behaviour = (body) => (body.stream ? streamOf(['backup']) : completionOf('backup'));
  });

  const rowsOf = (requestId: string) => app.rows('request_id = $1', [requestId]);
  const lastAzureRequest = () => azure.requests.at(-1)!;

  it('posts to the deployment path with api-version and the api-key header, the deployment as the model', async () => {
    const { data, response } = await client.chat.completions
      .create(
        { model: 'azure-eu/gpt-4o-eu', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 40 },
        { headers: { 'X-Request-Id': 'azure-json' } },
      )
      .withResponse();
    expect(data.choices[0].message.content).toBe('Hello from Azure');
    expect(data.model).toBe('gpt-4o-2024-08-06'); // what Azure reports, passed through
    expect(data).toMatchObject({
      routed_provider: 'azure-eu',
      routed_inference_tier: 3,
      prompt_filter_results: expect.any(Array),
    });
    expect(response.headers.get('x-routed-inference-tier')).toBe('3');

    const sent = lastAzureRequest();
    expect(sent.path).toBe(CHAT_PATH);
    expect(sent.headers['api-key']).toBe(azure.apiKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({ model: 'gpt-4o-eu', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 40, stream: false });

    const rows = await rowsOf('azure-json');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'completed',
      routed_provider: 'azure-eu',
      routed_model: 'gpt-4o-eu',
      routed_inference_tier: 3,
      tokens_in: 12,
      tokens_out: 4,
    });
    // 12 × 2.50 + 4 × 10.00 = 70 USD per million
    expect(rows[0].cost_usd).toBe('0.000070000000');
  });

  it('streams, dropping Azure’s choice-less prompt_filter_results frame, with usage when asked', async () => {
    const { data, response } = await client.chat.completions
      .create(
        {
          model: 'azure-eu/gpt-4o-eu',
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'Hi' }],
        },
        { headers: { 'X-Request-Id': 'azure-stream' } },
      )
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of data) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.id).toBe('chatcmpl-azurestream');
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from Azure');
    expect(usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    expect(lastAzureRequest().path).toBe(CHAT_PATH);
    expect(lastAzureRequest().body).toMatchObject({ model: 'gpt-4o-eu', stream: true, stream_options: { include_usage: true } });
    const rows = await rowsOf('azure-stream');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'completed', stream: true, tokens_in: 12, tokens_out: 3 });
    expect(rows[0].id).toBe(response.headers.get('x-completion-id'));
  });

  it('asks Azure for usage even when the client did not, and strips it from the answer', async () => {
    const res = await postSse(
      app.url,
      key,
      { model: 'azure-eu/gpt-4o-eu', stream: true, messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'X-Request-Id': 'azure-stream-no-usage' } },
    );
    expect(res.frames.at(-1)).toBe('[DONE]');
    const chunks = res.frames.slice(0, -1).map((frame) => JSON.parse(frame));
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
    expect(lastAzureRequest().body.stream_options).toEqual({ include_usage: true });
    const [row] = await rowsOf('azure-stream-no-usage');
    expect(row).toMatchObject({ tokens_in: 12, tokens_out: 3 });
  });

  it('passes tool calls through, streamed and not, and the tool result back on the next turn', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } },
    ];
    azure.answer = (body, route) =>
      body.stream
        ? azureStreamOf([], route.model, {
            toolCalls: [{ id: 'call_az1', name: 'lookup', argumentPieces: ['{"q":', '"tally"}'] }],
          })
        : azureCompletionOf(null, route.model, { toolCalls: [{ id: 'call_az1', name: 'lookup', arguments: '{"q":"tally"}' }] });
    const json = await client.chat.completions.create(
      { model: 'azure-eu/gpt-4o-eu', tools, messages: [{ role: 'user', content: 'q' }] },
      { headers: { 'X-Request-Id': 'azure-tools-json' } },
    );
    expect(json.choices[0].finish_reason).toBe('tool_calls');
    expect(json.choices[0].message.tool_calls).toEqual([
      { id: 'call_az1', type: 'function', function: { name: 'lookup', arguments: '{"q":"tally"}' } },
    ]);
    expect(lastAzureRequest().body.tools).toEqual(tools);
    expect(await rowsOf('azure-tools-json')).toHaveLength(1);

    // The tool result goes back on the next turn in OpenAI's shape, untranslated.
    azure.answer = (_body, route) => azureCompletionOf('Tally is a gateway.', route.model);
    const followUp: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'q' },
      json.choices[0].message,
      { role: 'tool', tool_call_id: 'call_az1', content: 'an LLM gateway' },
    ];
    const answer = await client.chat.completions.create({ model: 'azure-eu/gpt-4o-eu', tools, messages: followUp });
    expect(answer.choices[0].message.content).toBe('Tally is a gateway.');
    expect(lastAzureRequest().body.messages).toEqual(JSON.parse(JSON.stringify(followUp)));

    azure.answer = (_body, route) =>
      azureStreamOf([], route.model, { toolCalls: [{ id: 'call_az1', name: 'lookup', argumentPieces: ['{"q":', '"tally"}'] }] });
    const stream = await client.chat.completions.create(
      { model: 'azure-eu/gpt-4o-eu', tools, stream: true, messages: [{ role: 'user', content: 'q' }] },
      { headers: { 'X-Request-Id': 'azure-tools-stream' } },
    );
    let args = '';
    let id: string | undefined;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
        id ??= call.id;
        args += call.function?.arguments ?? '';
      }
    }
    expect([id, args]).toEqual(['call_az1', '{"q":"tally"}']);
    expect(await rowsOf('azure-tools-stream')).toHaveLength(1);
  });

  it('has the row committed when a client hangs up on [DONE]', async () => {
    const res = await postSse(
      app.url,
      key,
      { model: 'azure-eu/gpt-4o-eu', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'X-Request-Id': 'azure-close-at-done' }, onFrame: (data) => (data === '[DONE]' ? 'close' : undefined) },
    );
    expect(res.closedByClient).toBe(true);
    const rows = await rowsOf('azure-close-at-done');
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome).toBe('completed');
  });

  describe('errors', () => {
    it('answers 400 invalid_model for an unknown deployment (DeploymentNotFound), without falling back', async () => {
      const before = backup.requests.length;
      const error = (await client.chat.completions
        .create({ model: 'eu-missing', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'X-Request-Id': 'azure-404' } })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect([error.status, error.code]).toEqual([400, 'invalid_model']);
      expect(error.error).toMatchObject({
        details: { provider: 'azure-eu', upstream_status: 404, upstream_error_code: 'DeploymentNotFound' },
      });
      expect(lastAzureRequest().path).toBe('/openai/deployments/gpt-4o-us/chat/completions?api-version=2024-10-21');
      expect(backup.requests.length).toBe(before);
      const rows = await rowsOf('azure-404');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'failed', error_code: 'invalid_model', routed_model: 'gpt-4o-us' });
    });

    it('answers 502 unauthorized when Azure rejects our key, without falling back, and never echoes the key', async () => {
      const before = backup.requests.length;
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'azure-401' },
        body: JSON.stringify({ model: 'eu-wrong-key', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error).toMatchObject({
        code: 'unauthorized',
        details: { provider: 'azure-wrong-key', upstream_status: 401 },
      });
      expect(text).not.toContain('not-the-key');
      expect(lastAzureRequest().headers['api-key']).toBe('not-the-key');
      expect(backup.requests.length).toBe(before);
      expect(await rowsOf('azure-401')).toHaveLength(1);
    });

    for (const [status, code] of [
      [500, 'InternalServerError'],
      [429, '429'],
    ] as const) {
      for (const stream of [false, true]) {
        it(`falls back on ${status} to the next candidate (stream: ${stream})`, async () => {
          azure.answer = () => azureErrorOf(status, code, 'try again later');
          const requestId = `azure-${status}-${stream}`;
          const res = await postSse(
            app.url,
            key,
            { model: 'eu-chat', stream, messages: [{ role: 'user', content: 'x' }] },
            { headers: { 'X-Request-Id': requestId } },
          );
          expect(res.status).toBe(200);
          expect(res.headers['x-routed-provider']).toBe('local-backup');
          const rows = await rowsOf(requestId);
          expect(rows).toHaveLength(1);
          expect(rows[0]).toMatchObject({ outcome: 'completed', routed_provider: 'local-backup' });
          expect(rows[0].fallbacks).toEqual([
            {
              provider: 'azure-eu',
              model: 'gpt-4o-eu',
              tier: 3,
              reason: `upstream_error:${status === 429 ? 'rate_limit_exceeded' : 'provider_unavailable'}:status=${status}:http`,
            },
          ]);
        });
      }
    }

    it('answers 429 when Azure throttles and there is nothing to fall back to', async () => {
      azure.answer = () =>
        azureErrorOf(429, '429', 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit.');
      const error = (await client.chat.completions
        .create(
          { model: 'azure-eu/gpt-4o-eu', messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'X-Request-Id': 'azure-429' } },
        )
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect([error.status, error.code]).toEqual([429, 'rate_limit_exceeded']);
      const [row] = await rowsOf('azure-429');
      expect(row).toMatchObject({ outcome: 'failed', error_code: 'rate_limit_exceeded' });
    });

    it('fails a stream cut mid-way: error frame, [DONE], one failed row', async () => {
      // Azure's opening frames and one piece, then the connection is reset.
      azure.answer = (_body, route) => azureStreamOf(['never', 'more'], route.model, { cutAfter: 3 });
      const res = await postSse(
        app.url,
        key,
        { model: 'azure-eu/gpt-4o-eu', stream: true, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': 'azure-cut' } },
      );
      expect(res.status).toBe(200);
      expect(res.frames.at(-1)).toBe('[DONE]');
      expect(JSON.parse(res.frames.at(-2)!).error.code).toBe('provider_unavailable');
      expect(res.frames.slice(0, -2).map((f) => JSON.parse(f).choices[0].delta.content)).toEqual(['', 'never']);
      const rows = await rowsOf('azure-cut');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'failed', error_reason: 'upstream_error:provider_unavailable:network' });
    });

    it('falls back when the resource is unreachable', async () => {
      azure.answer =
        () =>
        ({ res }) => {
          res.socket?.destroy();
        };
      const completion = await client.chat.completions.create(
        { model: 'eu-chat', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'X-Request-Id': 'azure-network' } },
      );
      expect(completion.choices[0].message.content).toBe('backup');
      const rows = await rowsOf('azure-network');
      expect(rows).toHaveLength(1);
      expect(rows[0].fallbacks[0].reason).toBe('upstream_error:provider_unavailable:network');
    });

    it('answers 400 with Azure’s message for a content-filter refusal, without falling back', async () => {
      azure.answer = () =>
        azureErrorOf(
          400,
          'content_filter',
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        );
      const before = backup.requests.length;
      const error = (await client.chat.completions
        .create({ model: 'eu-chat', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'X-Request-Id': 'azure-filter' } })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect([error.status, error.code]).toEqual([400, 'invalid_request']);
      expect(error.message).toContain('content management policy');
      expect(backup.requests.length).toBe(before);
      const rows = await rowsOf('azure-filter');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'failed', error_reason: 'upstream_error:invalid_request:status=400:http' });
    });
  });

  it('embeds at the deployment’s embeddings path; the SDK’s default base64 comes back decoded', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'azure-eu/embed-eu', input: ['first', 'second'] }, { headers: { 'X-Request-Id': 'azure-embed' } })
      .withResponse();
    expect(lastAzureRequest().path).toBe('/openai/deployments/embed-eu/embeddings?api-version=2024-10-21');
    expect(lastAzureRequest().headers['api-key']).toBe(azure.apiKey);
    expect(lastAzureRequest().body).toEqual({ model: 'embed-eu', input: ['first', 'second'], encoding_format: 'base64' });
    expect(data.model).toBe('text-embedding-3-small');
    expect(data.data.map((d) => Array.from(d.embedding))).toEqual([fakeVector(0), fakeVector(1)]);
    expect(response.headers.get('x-routed-provider')).toBe('azure-eu');
    const rows = await rowsOf('azure-embed');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      purpose: 'embedding',
      routed_provider: 'azure-eu',
      routed_model: 'embed-eu',
      tokens_in: 2,
      tokens_out: 0,
    });
  });
});
