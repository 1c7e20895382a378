import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IncomingCall, LoopbackServer } from './loopback-server.js';

/** How the fake answers one request. Returning from the function ends the response. */
export type OllamaBehaviour = (ctx: {
  req: IncomingMessage;
  res: ServerResponse;
  body: Record<string, any>;
}) => Promise<void> | void;

const CREATED_AT = '2025-07-07T20:22:19.184789Z';

/** Ollama's timing and count fields on a final object; a zero count is omitted, as Go's omitempty does. */
function metrics(prompt: number, completion: number) {
  const out: Record<string, number> = { total_duration: 182242375, load_duration: 41295167 };
  if (prompt) out.prompt_eval_count = prompt;
  out.prompt_eval_duration = 24573166;
  if (completion) out.eval_count = completion;
  out.eval_duration = 115959084;
  return out;
}

export interface OllamaToolCallSpec {
  name: string;
  arguments: Record<string, unknown>;
  id?: string;
}

function toolCalls(calls: OllamaToolCallSpec[], first = 0) {
  return calls.map((call, i) => ({
    ...(call.id ? { id: call.id } : {}),
    function: { index: first + i, name: call.name, arguments: call.arguments },
  }));
}

/** Ollama's error body: `{"error": "<message>"}`. */
export function ollamaErrorOf(status: number, message: string): OllamaBehaviour {
  return ({ res }) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: message }));
  };
}

/** A non-streamed `/api/chat` answer. */
export function ollamaChatOf(
  content: string,
  opts: { toolCalls?: OllamaToolCallSpec[]; usage?: { prompt: number; completion: number }; doneReason?: string } = {},
): OllamaBehaviour {
  const usage = opts.usage ?? { prompt: 26, completion: 9 };
  return ({ res, body }) => {
    const message: Record<string, unknown> = { role: 'assistant', content };
    if (opts.toolCalls) message.tool_calls = toolCalls(opts.toolCalls);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        model: body.model,
        created_at: CREATED_AT,
        message,
        done_reason: opts.doneReason ?? 'stop',
        done: true,
        ...metrics(usage.prompt, usage.completion),
      }),
    );
  };
}

export interface OllamaStreamSpec {
  /** Content pieces, one NDJSON object each. */
  pieces?: string[];
  /** Tool calls, each in its own object after the content (as Ollama streams them: complete calls). */
  toolCalls?: OllamaToolCallSpec[];
  usage?: { prompt: number; completion: number };
  doneReason?: string;
  /** Thinking pieces sent before the content (not content; must not reach the client as content). */
  thinking?: string[];
  /** Splits the bytes into writes of at most this size (cuts lines and UTF-8 sequences). */
  writeBytes?: number;
  /** Ends the response right after this many objects, without the `done` object. */
  cutAfter?: number;
  /** An `{"error": …}` object in place of the `done` object. */
  errorAtEnd?: string;
}

/** A streamed `/api/chat` answer: NDJSON objects, the last with `done: true`, the counts and `done_reason`. */
export function ollamaStreamOf(spec: OllamaStreamSpec = {}): OllamaBehaviour {
  const pieces = spec.pieces ?? ['Hello', ', ', 'world', '!'];
  const usage = spec.usage ?? { prompt: 26, completion: pieces.length };
  return async ({ res, body }) => {
    const objects: Record<string, unknown>[] = [];
    const line = (message: Record<string, unknown>) =>
      objects.push({ model: body.model, created_at: CREATED_AT, message: { role: 'assistant', ...message }, done: false });
    for (const thought of spec.thinking ?? []) line({ content: '', thinking: thought });
    for (const piece of pieces) line({ content: piece });
    for (const [i, call] of (spec.toolCalls ?? []).entries()) line({ content: '', tool_calls: toolCalls([call], i) });
    if (spec.errorAtEnd) objects.push({ error: spec.errorAtEnd });
    else {
      objects.push({
        model: body.model,
        created_at: CREATED_AT,
        message: { role: 'assistant', content: '' },
        done_reason: spec.doneReason ?? 'stop',
        done: true,
        ...metrics(usage.prompt, usage.completion),
      });
    }
    const sent = spec.cutAfter === undefined ? objects : objects.slice(0, spec.cutAfter);
    const bytes = Buffer.from(sent.map((o) => `${JSON.stringify(o)}\n`).join(''));
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const size = spec.writeBytes ?? bytes.length;
    for (let i = 0; i < bytes.length; i += size) {
      if (res.destroyed) return;
      res.write(bytes.subarray(i, i + size));
      if (spec.writeBytes) await new Promise((resolve) => setImmediate(resolve));
    }
    if (spec.cutAfter !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // let the lines arrive before the reset
      res.socket?.destroy();
      return;
    }
    res.end();
  };
}

/** An `/api/embed` answer: one vector per input, `prompt_eval_count` as given. */
export function ollamaEmbedOf(promptTokens = 8, dimensions = 4): OllamaBehaviour {
  return ({ res, body }) => {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const size = typeof body.dimensions === 'number' ? body.dimensions : dimensions;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        model: body.model,
        embeddings: inputs.map((_, i) => Array.from({ length: size }, (_, d) => (i + 1) * 0.01 + d * 0.001)),
        total_duration: 14143917,
        load_duration: 1019500,
        prompt_eval_count: promptTokens,
      }),
    );
  };
}

/**
 * A real HTTP server on loopback speaking Ollama's native API as docs/api.md shows: `POST /api/chat`
 * (NDJSON stream, or one JSON object with `stream: false`), `POST /api/embed`, `GET /api/tags`, and
 * Ollama's 404 `{"error":"model '<m>' not found"}` for a model it does not have. Every request is
 * recorded with its path, headers and parsed body.
 */
export class FakeOllama extends LoopbackServer {
  models = ['llama3.2', 'qwen3', 'all-minilm'];
  behaviour: (body: Record<string, any>, path: string) => OllamaBehaviour = (body, path) =>
    path === '/api/embed' ? ollamaEmbedOf() : body.stream === false ? ollamaChatOf('Hello, world!') : ollamaStreamOf();

  /** How `GET /api/tags` is answered (default: every model of `models`, tagged `latest`, as Ollama lists them). */
  tagsBehaviour: OllamaBehaviour = ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        models: this.models.map((name) => ({
          name: `${name}:latest`,
          model: `${name}:latest`,
          modified_at: '2025-05-04T17:37:44.706015396-07:00',
          size: 2019393189,
          digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
          details: {
            parent_model: '',
            format: 'gguf',
            family: 'llama',
            families: ['llama'],
            parameter_size: '3.2B',
            quantization_level: 'Q4_K_M',
          },
        })),
      }),
    );
  };

  get baseUrl(): string {
    return this.origin;
  }

  protected respond({ req, res, record, body, parsed }: IncomingCall): Promise<void> | void {
    const { path } = record;
    if (req.method === 'GET' && path === '/api/tags') return this.tagsBehaviour({ req, res, body });
    if (req.method !== 'POST' || (path !== '/api/chat' && path !== '/api/embed')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    if (!parsed) return ollamaErrorOf(400, 'invalid character in request body')({ req, res, body: {} });
    if (!this.models.includes(String(body.model).replace(/:latest$/, ''))) {
      return ollamaErrorOf(404, `model '${body.model}' not found`)({ req, res, body });
    }
    return this.behaviour(body, path)({ req, res, body });
  }
}
