import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeAnthropic } from './support/fake-anthropic.js';
import { FakeAzureOpenAi } from './support/fake-azure-openai.js';
import { FakeOllama } from './support/fake-ollama.js';
import { FakeOpenAi } from './support/fake-openai.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

/*
 * One error classification for every provider (§6.3): each provider type, against its fake, answers
 * every class of failure in its own wire format, and the gateway maps them all the same way — status,
 * envelope code, the row's error_code/error_reason — never echoing a raw body or a key, falling back
 * on 5xx/429/unreadable/network/timeout and not on 4xx or auth.
 */

/** A field of every error body that is not the message: it must never reach the client. */
const RAW = 'RAW-UPSTREAM-BODY-7f3a';
const KEYS = {
  openai: 'sk-proj-errors-openai-key-0123456789',
  compat: 'sk-errors-compat-key-0123456789',
  azure: 'azure-errors-key-0123456789',
  anthropic: 'sk-ant-errors-key-0123456789',
  ollama: 'ollama-errors-key-0123456789',
} as const;

type FaultClass =
  | 'auth401'
  | 'auth403'
  | 'rate429'
  | 'bad400'
  | 'model404'
  | 'server500'
  | 'html503'
  | 'unreadable'
  | 'network'
  | 'timeout';

interface Expected {
  readonly status: number;
  readonly code: string;
  readonly reason: string;
  readonly fallsBack: boolean;
  /** The provider's own message comes through (after redaction); else a generic one of ours. */
  readonly providerMessage: boolean;
}

const EXPECTED: Record<FaultClass, Expected> = {
  auth401: {
    status: 502,
    code: 'unauthorized',
    reason: 'upstream_error:unauthorized:status=401:auth',
    fallsBack: false,
    providerMessage: true,
  },
  auth403: {
    status: 502,
    code: 'unauthorized',
    reason: 'upstream_error:unauthorized:status=403:auth',
    fallsBack: false,
    providerMessage: true,
  },
  rate429: {
    status: 429,
    code: 'rate_limit_exceeded',
    reason: 'upstream_error:rate_limit_exceeded:status=429:http',
    fallsBack: true,
    providerMessage: true,
  },
  bad400: {
    status: 400,
    code: 'invalid_request',
    reason: 'upstream_error:invalid_request:status=400:http',
    fallsBack: false,
    providerMessage: true,
  },
  model404: {
    status: 400,
    code: 'invalid_model',
    reason: 'upstream_error:invalid_model:status=404:http',
    fallsBack: false,
    providerMessage: true,
  },
  server500: {
    status: 502,
    code: 'provider_unavailable',
    reason: 'upstream_error:provider_unavailable:status=500:http',
    fallsBack: true,
    providerMessage: true,
  },
  html503: {
    status: 502,
    code: 'provider_unavailable',
    reason: 'upstream_error:provider_unavailable:status=503:http',
    fallsBack: true,
    providerMessage: false,
  },
  unreadable: {
    status: 502,
    code: 'provider_unavailable',
    reason: 'upstream_error:provider_unavailable:protocol',
    fallsBack: true,
    providerMessage: false,
  },
  network: {
    status: 503,
    code: 'provider_unavailable',
    reason: 'upstream_error:provider_unavailable:network',
    fallsBack: true,
    providerMessage: false,
  },
  timeout: {
    status: 503,
    code: 'provider_unavailable',
    reason: 'upstream_error:provider_unavailable:timeout',
    fallsBack: true,
    providerMessage: false,
  },
};

/** The provider's error in its own wire format: status, body (with a field that is not the message), the message we expect. */
interface WireError {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly message: string;
}

type Answer = (res: ServerResponse, stream: boolean) => Promise<void> | void;

function jsonError({ status, body }: WireError): Answer {
  return (res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

/** What each class is, for every provider alike when it is not an error body. */
const TRANSPORT: Record<'html503' | 'unreadable' | 'network' | 'timeout', Answer> = {
  html503: (res) => {
    res.writeHead(503, { 'content-type': 'text/html' });
    res.end(`<html><body><h1>503 Service Temporarily Unavailable</h1>${RAW}</body></html>`);
  },
  unreadable: (res, stream) => {
    res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
    res.end(`<html><body>${RAW}</body></html>\n`);
  },
  network: () => {
    throw new Error('drop the connection'); // the loopback server destroys the socket
  },
  timeout: () => new Promise<void>(() => undefined), // never answers
};

interface ProviderCase {
  readonly type: string;
  readonly provider: string;
  readonly model: string;
  readonly embedModel?: string;
  readonly key: string;
  /** The provider's own body for each error class. */
  readonly errors: Record<Exclude<FaultClass, keyof typeof TRANSPORT>, WireError>;
}

/** OpenAI's error bodies (https://platform.openai.com/docs/guides/error-codes). */
function openAiErrors(key: string): ProviderCase['errors'] {
  const e = (status: number, message: string, type: string, code: string | null): WireError => ({
    status,
    body: { error: { message, type, param: null, code }, trace: RAW },
    message: message.replaceAll(key, '[redacted]'),
  });
  return {
    auth401: {
      ...e(
        401,
        `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      ),
    },
    auth403: e(403, 'Country, region, or territory not supported', 'request_forbidden', 'unsupported_country_region_territory'),
    rate429: e(
      429,
      'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 30000, Requested 20.',
      'tokens',
      'rate_limit_exceeded',
    ),
    bad400: e(400, "Invalid 'messages[0].content': string too long.", 'invalid_request_error', 'string_above_max_length'),
    model404: e(
      404,
      'The model `gpt-9` does not exist or you do not have access to it.',
      'invalid_request_error',
      'model_not_found',
    ),
    server500: e(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null),
  };
}

/** Azure OpenAI's error bodies: `{"error":{"code","message"}}`. */
function azureErrors(): ProviderCase['errors'] {
  const e = (status: number, code: string, message: string): WireError => ({
    status,
    body: { error: { code, message }, trace: RAW },
    message,
  });
  return {
    auth401: e(401, '401', 'Access denied due to invalid subscription key or wrong API endpoint.'),
    auth403: e(403, '403', 'Public access is disabled. Please configure private endpoint.'),
    rate429: e(
      429,
      '429',
      'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit.',
    ),
    bad400: e(400, 'BadRequest', 'Invalid value for messages.'),
    model404: e(404, 'DeploymentNotFound', 'The API deployment for this resource does not exist.'),
    server500: e(500, 'InternalServerError', 'The service is temporarily unable to process your request.'),
  };
}

/** Anthropic's error bodies: `{"type":"error","error":{"type","message"},"request_id"}`. */
function anthropicErrors(key: string): ProviderCase['errors'] {
  const e = (status: number, type: string, message: string): WireError => ({
    status,
    body: { type: 'error', error: { type, message }, request_id: RAW },
    message: message.replaceAll(key, '[redacted]'),
  });
  return {
    auth401: e(401, 'authentication_error', `invalid x-api-key ${key}`),
    auth403: e(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'),
    rate429: e(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'),
    bad400: e(400, 'invalid_request_error', 'max_tokens: 100000 > 64000, which is the maximum allowed.'),
    model404: e(404, 'not_found_error', 'model: claude-nine'),
    server500: e(500, 'api_error', 'Internal server error'),
  };
}

/** Ollama's error bodies: `{"error":"<message>"}` (auth and 429 from a proxy or ollama.com). */
function ollamaErrors(): ProviderCase['errors'] {
  const e = (status: number, message: string): WireError => ({ status, body: { error: message, trace: RAW }, message });
  return {
    auth401: e(401, 'unauthorized'),
    auth403: e(403, 'forbidden'),
    rate429: e(429, 'too many requests, please slow down'),
    bad400: e(400, 'invalid options: num_predict must be an integer'),
    model404: e(404, "model 'llama9' not found"),
    server500: e(500, 'llama runner process has terminated: exit status 2'),
  };
}

const CASES: ProviderCase[] = [
  {
    type: 'openai',
    provider: 'oai',
    model: 'gpt-4o',
    embedModel: 'text-embedding-3-small',
    key: KEYS.openai,
    errors: openAiErrors(KEYS.openai),
  },
  {
    type: 'openai_compatible',
    provider: 'compat',
    model: 'compat-chat',
    embedModel: 'compat-embed',
    key: KEYS.compat,
    errors: openAiErrors(KEYS.compat),
  },
  { type: 'azure_openai', provider: 'azure', model: 'gpt-4o-eu', embedModel: 'embed-eu', key: KEYS.azure, errors: azureErrors() },
  {
    type: 'anthropic',
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    key: KEYS.anthropic,
    errors: anthropicErrors(KEYS.anthropic),
  },
  { type: 'ollama', provider: 'ollama', model: 'llama3.2', embedModel: 'all-minilm', key: KEYS.ollama, errors: ollamaErrors() },
];

const CLASSES = Object.keys(EXPECTED) as FaultClass[];

describe('one error classification for every provider type', () => {
  let openai: FakeOpenAi;
  let compat: FakeOpenAi;
  let azure: FakeAzureOpenAi;
  let anthropic: FakeAnthropic;
  let ollama: FakeOllama;
  let app: TestApp;
  let key: string;
  let seq = 0;
  /** The fault each fake answers with now (undefined: answer normally). */
  const faults = new Map<string, Answer>();

  beforeAll(async () => {
    [openai, compat, azure, anthropic, ollama] = await Promise.all([
      new FakeOpenAi().start(),
      new FakeOpenAi().start(),
      new FakeAzureOpenAi().start(),
      new FakeAnthropic().start(),
      new FakeOllama().start(),
    ]);
    azure.apiKey = KEYS.azure;
    anthropic.apiKey = KEYS.anthropic;
    // Each fake answers with the fault set for its provider, whatever the path (chat or embeddings).
    for (const [provider, fake] of [
      ['oai', openai],
      ['compat', compat],
    ] as const) {
      const normal = fake.behaviour;
      fake.behaviour = (body, path) => {
        const fault = faults.get(provider);
        return fault ? ({ res }) => fault(res, Boolean(body.stream)) : normal(body, path);
      };
    }
    const azureNormal = azure.answer;
    azure.answer = (body, route) => {
      const fault = faults.get('azure');
      return fault ? ({ res }) => fault(res, Boolean(body.stream)) : azureNormal(body, route);
    };
    const anthropicNormal = anthropic.behaviour;
    anthropic.behaviour = (body) => {
      const fault = faults.get('claude');
      return fault ? ({ res }) => fault(res, Boolean(body.stream)) : anthropicNormal(body);
    };
    const ollamaNormal = ollama.behaviour;
    ollama.behaviour = (body, path) => {
      const fault = faults.get('ollama');
      return fault ? ({ res }) => fault(res, body.stream !== false) : ollamaNormal(body, path);
    };

    const entries = (name: string, type: string, baseUrl: string, keyEnv: string, models: string[], extra = '') =>
      [
        ['', 5],
        ['-slow', 0.2],
      ]
        .map(
          ([suffix, timeout]) => `  - name: ${name}${suffix}
    type: ${type}
    base_url: ${baseUrl}
    api_key_env: ${keyEnv}
    tier: 2
    timeout_s: ${timeout}
    models: [${models.join(', ')}]${extra}`,
        )
        .join('\n');
    const aliases = CASES.flatMap(({ provider, model }) =>
      ['', '-slow'].map(
        (suffix) => `  ${provider}${suffix}-resilient:
    primary: { provider: ${provider}${suffix}, model: ${model} }
    fallback: [{ provider: local-sim, model: sim-small }]`,
      ),
    ).join('\n');
    app = await startTestApp(
      gatewayYaml({
        extra: `${entries('oai', 'openai', openai.baseUrl, 'ERR_OPENAI_KEY', ['gpt-4o', 'text-embedding-3-small'])}
${entries('compat', 'openai_compatible', compat.baseUrl, 'ERR_COMPAT_KEY', ['compat-chat', 'compat-embed'])}
${entries('azure', 'azure_openai', azure.baseUrl, 'ERR_AZURE_KEY', ['gpt-4o-eu', 'embed-eu'], '\n    api_version: "2024-10-21"')}
${entries('claude', 'anthropic', anthropic.baseUrl, 'ERR_ANTHROPIC_KEY', ['claude-sonnet-4-5'])}
${entries('ollama', 'ollama', ollama.baseUrl, 'ERR_OLLAMA_KEY', ['llama3.2', 'all-minilm'])}
aliases:
${aliases}`,
      }),
      {
        ERR_OPENAI_KEY: KEYS.openai,
        ERR_COMPAT_KEY: KEYS.compat,
        ERR_AZURE_KEY: KEYS.azure,
        ERR_ANTHROPIC_KEY: KEYS.anthropic,
        ERR_OLLAMA_KEY: KEYS.ollama,
      },
    );
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await Promise.all([openai, compat, azure, anthropic, ollama].map((fake) => fake.stop()));
  });

  const call = async (path: string, body: Record<string, unknown>) => {
    const requestId = `err-${++seq}`;
    const res = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'X-Request-Id': requestId },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, rows: await app.rows('request_id = $1', [requestId]) };
  };

  describe.each(CASES)('$type', (testCase) => {
    const { provider, model, embedModel } = testCase;

    const faultOf = (fault: FaultClass): { answer: Answer; message?: string } => {
      if (fault in TRANSPORT) return { answer: TRANSPORT[fault as keyof typeof TRANSPORT] };
      const wire = testCase.errors[fault as keyof ProviderCase['errors']];
      return { answer: jsonError(wire), message: wire.message };
    };

    /** The target: the slow-timeout entry for the timeout class, so no other class can time out. */
    const target = (fault: FaultClass) => (fault === 'timeout' ? `${provider}-slow` : provider);

    const expectClassified = (
      result: { status: number; text: string; rows: Record<string, any>[] },
      fault: FaultClass,
      message: string | undefined,
      row: Record<string, unknown>,
    ) => {
      const expected = EXPECTED[fault];
      expect(result.status).toBe(expected.status);
      const envelope = JSON.parse(result.text) as { error: { code: string; message: string; details: Record<string, unknown> } };
      expect(envelope.error.code).toBe(expected.code);
      expect(envelope.error.details.provider).toBe(target(fault));
      if (expected.providerMessage) expect(envelope.error.message).toBe(message);
      else expect(envelope.error.message).toMatch(new RegExp(`^${target(fault)} `));
      expect(result.text).not.toContain(RAW);
      expect(result.text).not.toContain(testCase.key);
      expect(result.text).not.toContain('<html');
      expect(result.rows).toHaveLength(1);
      expect(result.rows[0]).toMatchObject({
        outcome: 'failed',
        routed_provider: target(fault),
        error_code: expected.code,
        error_reason: expected.reason,
        fallbacks: [],
        ...row,
      });
    };

    it.each(CLASSES)('%s: classified the same for a completion, streamed and not, and an embedding', async (fault) => {
      const { answer, message } = faultOf(fault);
      faults.set(provider, answer);
      try {
        for (const stream of [false, true]) {
          const result = await call('/v1/chat/completions', {
            model: `${target(fault)}/${model}`,
            stream,
            messages: [{ role: 'user', content: 'hello' }],
          });
          expectClassified(result, fault, message, { stream, purpose: 'chat' });
        }
        if (embedModel) {
          const result = await call('/v1/embeddings', { model: `${target(fault)}/${embedModel}`, input: 'hello' });
          expectClassified(result, fault, message, { purpose: 'embedding' });
        }
      } finally {
        faults.delete(provider);
      }
    });

    it.each(CLASSES)('%s: falls back only when the class allows it', async (fault) => {
      const { answer, message } = faultOf(fault);
      faults.set(provider, answer);
      try {
        const result = await call('/v1/chat/completions', {
          model: `${target(fault)}-resilient`,
          messages: [{ role: 'user', content: 'hello' }],
        });
        const expected = EXPECTED[fault];
        if (!expected.fallsBack) {
          expectClassified(result, fault, message, { stream: false });
          return;
        }
        expect(result.status).toBe(200);
        expect(JSON.parse(result.text).routed_provider).toBe('local-sim');
        expect(result.rows).toHaveLength(1);
        expect(result.rows[0]).toMatchObject({ outcome: 'completed', routed_provider: 'local-sim', error_code: null });
        expect(result.rows[0].fallbacks).toEqual([{ provider: target(fault), model, tier: 2, reason: expected.reason }]);
      } finally {
        faults.delete(provider);
      }
    });
  });

  it('answers normally once the fault is gone (the fakes are not stuck)', async () => {
    for (const { provider, model } of CASES) {
      const result = await call('/v1/chat/completions', {
        model: `${provider}/${model}`,
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(result.status).toBe(200);
      expect(result.rows).toMatchObject([{ outcome: 'completed', routed_provider: provider }]);
    }
  });
});
