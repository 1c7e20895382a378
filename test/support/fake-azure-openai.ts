import { type Behaviour, embeddingsOf, FakeOpenAi } from './fake-openai.js';

/**
 * A fake Azure OpenAI resource on loopback, speaking the data-plane inference API as its REST
 * reference shows: `POST /openai/deployments/{deployment}/chat/completions?api-version=…` and
 * `…/embeddings?api-version=…`, the key in an `api-key` header, Azure's error bodies for a wrong key
 * (401), an unknown deployment (404 `DeploymentNotFound`) and a path or api-version it does not serve
 * (404 "Resource not found"), and Azure's stream: a `prompt_filter_results` frame with no choices
 * first, `content_filter_results` on every choice, the underlying model name (not the deployment).
 */
export class FakeAzureOpenAi extends FakeOpenAi {
  apiKey = 'azure-test-key';
  apiVersion = '2024-10-21';
  /** Deployment name → the model behind it (what Azure reports as `model`). */
  deployments: Record<string, string> = { 'gpt-4o-eu': 'gpt-4o-2024-08-06', 'embed-eu': 'text-embedding-3-small' };
  /** How a request that passed the resource's checks is answered. */
  answer: (body: Record<string, unknown>, route: { deployment: string; operation: string; model: string }) => Behaviour = (
    body,
    route,
  ) =>
    route.operation === 'embeddings'
      ? azureEmbeddingsOf(route.model)
      : body.stream
        ? azureStreamOf(['Hello', ' from', ' Azure'], route.model)
        : azureCompletionOf('Hello from Azure', route.model);

  constructor() {
    super();
    this.behaviour = (body, path) => {
      const url = new URL(path, 'http://azure.invalid');
      const match = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(url.pathname);
      if (!match || url.searchParams.get('api-version') !== this.apiVersion)
        return azureErrorOf(404, '404', 'Resource not found');
      return async (ctx) => {
        if (ctx.req.headers['api-key'] !== this.apiKey) {
          return azureErrorOf(
            401,
            '401',
            'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
          )(ctx);
        }
        const deployment = decodeURIComponent(match[1]);
        const model = this.deployments[deployment];
        if (!model) {
          return azureErrorOf(
            404,
            'DeploymentNotFound',
            'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
          )(ctx);
        }
        return this.answer(body, { deployment, operation: match[2], model })(ctx);
      };
    };
  }

  /** Azure's `base_url` is the resource endpoint, without a path. */
  override get baseUrl(): string {
    return this.origin;
  }
}

const SAFE = { filtered: false, severity: 'safe' };
const CONTENT_FILTER = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };

/** Azure's error body: `{"error":{"code","message"}}` (code a string, sometimes the status itself). */
export function azureErrorOf(status: number, code: string, message: string): Behaviour {
  return ({ res }) => {
    res.writeHead(status, { 'content-type': 'application/json', 'apim-request-id': 'fake-apim-id' });
    res.end(JSON.stringify({ error: { code, message } }));
  };
}

export interface AzureToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A non-streamed Azure chat completion: OpenAI's shape plus Azure's content filter annotations. */
export function azureCompletionOf(
  content: string | null,
  model: string,
  opts: { toolCalls?: AzureToolCall[]; usage?: { prompt: number; completion: number } } = {},
): Behaviour {
  const usage = opts.usage ?? { prompt: 12, completion: 4 };
  return ({ res }) => {
    const message: Record<string, unknown> = { role: 'assistant', content, refusal: null };
    if (opts.toolCalls) {
      message.tool_calls = opts.toolCalls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      }));
    }
    res.writeHead(200, { 'content-type': 'application/json', 'apim-request-id': 'fake-apim-id' });
    res.end(
      JSON.stringify({
        choices: [
          {
            content_filter_results: CONTENT_FILTER,
            finish_reason: opts.toolCalls ? 'tool_calls' : 'stop',
            index: 0,
            logprobs: null,
            message,
          },
        ],
        created: 1764144000,
        id: 'chatcmpl-azure1',
        model,
        object: 'chat.completion',
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: CONTENT_FILTER }],
        system_fingerprint: 'fp_azure',
        usage: {
          completion_tokens: usage.completion,
          prompt_tokens: usage.prompt,
          total_tokens: usage.prompt + usage.completion,
        },
      }),
    );
  };
}

/**
 * An Azure stream: the choice-less `prompt_filter_results` frame (empty id, model and object), a role
 * frame, content frames, optional tool-call frames (opening frame with id and name, then argument
 * pieces), the finish frame, the usage frame when `stream_options.include_usage` was sent, `[DONE]`.
 */
export function azureStreamOf(
  pieces: string[],
  model: string,
  opts: {
    toolCalls?: { id: string; name: string; argumentPieces: string[] }[];
    usage?: { prompt: number; completion: number };
    /** Resets the connection after this many frames (a stream cut mid-way). */
    cutAfter?: number;
  } = {},
): Behaviour {
  const usage = opts.usage ?? { prompt: 12, completion: pieces.length };
  return async ({ res, body }) => {
    const id = 'chatcmpl-azurestream';
    let frames = 0;
    const frame = (value: unknown) => {
      if (opts.cutAfter === undefined || frames++ < opts.cutAfter) res.write(`data: ${JSON.stringify(value)}\n\n`);
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null, filter: unknown = CONTENT_FILTER) =>
      frame({
        choices: [{ content_filter_results: filter, delta, finish_reason: finish, index: 0, logprobs: null }],
        created: 1764144000,
        id,
        model,
        object: 'chat.completion.chunk',
        system_fingerprint: 'fp_azure',
      });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'apim-request-id': 'fake-apim-id' });
    frame({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: CONTENT_FILTER }],
    });
    chunk({ content: '', refusal: null, role: 'assistant' }, null, {});
    for (const piece of pieces) chunk({ content: piece }, null);
    for (const [index, call] of (opts.toolCalls ?? []).entries()) {
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, null, {});
      for (const part of call.argumentPieces) chunk({ tool_calls: [{ index, function: { arguments: part } }] }, null, {});
    }
    chunk({}, opts.toolCalls ? 'tool_calls' : 'stop', {});
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      frame({
        choices: [],
        created: 1764144000,
        id,
        model,
        object: 'chat.completion.chunk',
        system_fingerprint: 'fp_azure',
        usage: {
          completion_tokens: usage.completion,
          prompt_tokens: usage.prompt,
          total_tokens: usage.prompt + usage.completion,
        },
      });
    }
    if (opts.cutAfter !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // let the frames arrive before the reset
      res.socket?.destroy();
      return;
    }
    res.write('data: [DONE]\n\n');
    res.end();
  };
}

/** Azure's embeddings answer: OpenAI's shape with the model behind the deployment. */
export function azureEmbeddingsOf(model: string, promptTokens?: number): Behaviour {
  const openai = embeddingsOf(promptTokens);
  return (ctx) => openai({ ...ctx, body: { ...ctx.body, model } });
}
