import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IncomingCall, LoopbackServer } from './loopback-server.js';

export type { ReceivedRequest } from './loopback-server.js';

/** How the fake answers one request. Returning from the function ends the response. */
export type Behaviour = (ctx: {
  req: IncomingMessage;
  res: ServerResponse;
  body: Record<string, unknown>;
  sse: SseWriter;
}) => Promise<void> | void;

export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    readonly model: string,
    readonly id = `chatcmpl-fake${Math.random().toString(16).slice(2)}`,
  ) {}

  start(): void {
    this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  }

  raw(text: string): void {
    this.res.write(text);
  }

  chunk(choices: unknown[], extra: Record<string, unknown> = {}): void {
    this.raw(
      `data: ${JSON.stringify({ id: this.id, object: 'chat.completion.chunk', created: 1764144000, model: this.model, choices, ...extra })}\n\n`,
    );
  }

  role(): void {
    this.chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  }

  content(text: string): void {
    this.chunk([{ index: 0, delta: { content: text }, finish_reason: null }]);
  }

  finish(reason = 'stop'): void {
    this.chunk([{ index: 0, delta: {}, finish_reason: reason }]);
  }

  usage(prompt: number, completion: number): void {
    this.chunk([], {
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    });
  }

  done(): void {
    this.raw('data: [DONE]\n\n');
    this.res.end();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits `text` into seeded random pieces of 1–12 characters (never inside a UTF-16 surrogate pair). */
export function prngChunks(text: string, seed: number): string[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; ) {
    const size = 1 + Math.floor(next() * 12);
    pieces.push(chars.slice(i, i + size).join(''));
    i += size;
  }
  return pieces;
}

/** Streams `pieces` as OpenAI does: role chunk, content chunks, finish chunk, usage-only chunk, [DONE]. */
export function streamOf(
  pieces: string[],
  usage = { prompt: 11, completion: pieces.length },
  gapMs = 0,
  finishGapMs = gapMs,
): Behaviour {
  return async ({ sse, res }) => {
    sse.start();
    sse.role();
    for (const piece of pieces) {
      if (gapMs) await sleep(gapMs);
      if (res.destroyed) return;
      sse.content(piece);
    }
    if (finishGapMs) await sleep(finishGapMs);
    if (res.destroyed) return;
    sse.finish();
    sse.usage(usage.prompt, usage.completion);
    sse.done();
  };
}

/** A non-streaming OpenAI answer. */
export function completionOf(content: string, usage = { prompt: 11, completion: 5 }): Behaviour {
  return ({ res, body }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 1764144000,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: usage.prompt,
          completion_tokens: usage.completion,
          total_tokens: usage.prompt + usage.completion,
        },
        system_fingerprint: 'fp_fake',
      }),
    );
  };
}

/** The vector the fakes answer for input number `i` of `dimensions` (a recognisable pattern). */
export function fakeVector(i: number, dimensions = 4): number[] {
  return Array.from({ length: dimensions }, (_, d) => Math.round((i + 1) * (d + 1) * 0.125 * 1000) / 1000);
}

/**
 * OpenAI's embeddings answer: one vector per input, floats or, for `encoding_format: "base64"`,
 * base64 of little-endian float32s, as the API does; `prompt_tokens` one per input unless given.
 */
export function embeddingsOf(promptTokens?: number, opts: { ignoreEncodingFormat?: boolean } = {}): Behaviour {
  return ({ res, body }) => {
    const inputs = Array.isArray(body.input) && typeof body.input[0] !== 'number' ? body.input : [body.input];
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 4;
    const data = inputs.map((_, i) => {
      const vector = fakeVector(i, dimensions);
      const bytes = Buffer.alloc(vector.length * 4);
      for (const [d, x] of vector.entries()) bytes.writeFloatLE(x, d * 4);
      return {
        object: 'embedding',
        index: i,
        embedding: body.encoding_format === 'base64' && !opts.ignoreEncodingFormat ? bytes.toString('base64') : vector,
      };
    });
    const tokens = promptTokens ?? inputs.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
  };
}

/** Answers with an OpenAI-style error envelope and `status`. */
export function errorOf(status: number, message = 'upstream failure', type = 'server_error'): Behaviour {
  return ({ res }) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message, type, code: null } }));
  };
}

/**
 * OpenAI's `GET /v1/models` answer (https://platform.openai.com/docs/api-reference/models/list):
 * `{"object":"list","data":[{"id","object":"model","created","owned_by"}]}`.
 */
export function modelListOf(ids: () => string[]): Behaviour {
  return ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data: ids().map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })),
      }),
    );
  };
}

/**
 * A real HTTP server on loopback speaking OpenAI's Chat Completions wire format. Each request is
 * answered by the behaviour chosen for it (by default: by stream flag), and recorded.
 */
export class FakeOpenAi extends LoopbackServer {
  /** Chooses the answer from the body and the path (with its query string). */
  behaviour: (body: Record<string, unknown>, path: string) => Behaviour = (body, path) =>
    path.includes('/embeddings')
      ? embeddingsOf()
      : body.stream
        ? streamOf(['Hello', ', ', 'world', '!'])
        : completionOf('Hello, world!');

  /** What `GET /v1/models` lists (OpenAI's model objects are built from these ids). */
  liveModels: string[] = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'];
  /** How `GET /v1/models` is answered (default: the list of `liveModels`). */
  modelsBehaviour: Behaviour = modelListOf(() => this.liveModels);

  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  protected respond({ req, res, record, body }: IncomingCall): Promise<void> | void {
    if (req.method === 'GET' && record.path === `${new URL(this.baseUrl).pathname.replace(/\/$/, '')}/models`) {
      return this.modelsBehaviour({ req, res, body, sse: new SseWriter(res, '') });
    }
    return this.behaviour(body, record.path)({ req, res, body, sse: new SseWriter(res, String(body.model)) });
  }
}
