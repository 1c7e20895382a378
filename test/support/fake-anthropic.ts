import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IncomingCall, LoopbackServer } from './loopback-server.js';

/*
 * A fake Anthropic on loopback speaking the Messages API wire format as Anthropic's API reference
 * shows it (https://docs.anthropic.com/en/api/messages, /en/docs/build-with-claude/streaming):
 * POST /v1/messages with x-api-key and anthropic-version (and GET /v1/models, /en/api/models-list), a `message` JSON body, named SSE events
 * (message_start, content_block_start/delta/stop, ping, message_delta, message_stop, error), and
 * errors as {"type":"error","error":{"type","message"}} with the status Anthropic gives that type.
 */

export const FAKE_ANTHROPIC_KEY = 'sk-ant-test-0123456789';

export interface AnthropicUsageCounts {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** One block of a scripted answer. A text's `deltas` (or a tool's `json`) say how it is split when streamed. */
export type ReplyBlock =
  | { type: 'text'; text: string; deltas?: string[] }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; json?: string[] }
  | { type: 'thinking'; thinking: string; signature: string };

export interface Reply {
  content: ReplyBlock[];
  /** Default: tool_use when the answer calls a tool, else end_turn. */
  stop_reason?: string;
  stop_sequence?: string | null;
  usage?: AnthropicUsageCounts;
  model?: string;
  id?: string;
}

/** One named SSE event, as [event name, data object]. */
export type StreamEvent = [string, Record<string, unknown>];

export type Behaviour = (ctx: {
  req: IncomingMessage;
  res: ServerResponse;
  body: Record<string, unknown>;
}) => Promise<void> | void;

const DEFAULT_USAGE: AnthropicUsageCounts = { input_tokens: 12, output_tokens: 5 };

function fullUsage(usage: AnthropicUsageCounts) {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
    output_tokens: usage.output_tokens,
  };
}

function stopReasonOf(reply: Reply): string {
  return reply.stop_reason ?? (reply.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
}

/** Splits text into word-ish pieces (the space stays with the word after it), as Claude's deltas look. */
function words(text: string): string[] {
  return text.match(/\s*\S+\s*$|\s*\S+/g) ?? [text];
}

/** The non-streaming answer: a `message` object. */
export function messageBody(reply: Reply, model: string): Record<string, unknown> {
  return {
    id: reply.id ?? 'msg_01FakeAnthropicMessage',
    type: 'message',
    role: 'assistant',
    model: reply.model ?? model,
    content: reply.content.map((block) => {
      if (block.type === 'text') return { type: 'text', text: block.text };
      if (block.type === 'thinking') return { type: 'thinking', thinking: block.thinking, signature: block.signature };
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    }),
    stop_reason: stopReasonOf(reply),
    stop_sequence: reply.stop_sequence ?? null,
    usage: { ...fullUsage(reply.usage ?? DEFAULT_USAGE), service_tier: 'standard' },
  };
}

/** The streamed answer as Anthropic sends it, event by event (a ping after the first block opens). */
export function streamEvents(reply: Reply, model: string): StreamEvent[] {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const events: StreamEvent[] = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: reply.id ?? 'msg_01FakeAnthropicStream',
          type: 'message',
          role: 'assistant',
          model: reply.model ?? model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...fullUsage({ ...usage, output_tokens: 1 }), service_tier: 'standard' },
        },
      },
    ],
  ];
  for (const [index, block] of reply.content.entries()) {
    const delta = (d: Record<string, unknown>): StreamEvent => [
      'content_block_delta',
      { type: 'content_block_delta', index, delta: d },
    ];
    if (block.type === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      if (index === 0) events.push(['ping', { type: 'ping' }]);
      for (const piece of block.deltas ?? words(block.text)) events.push(delta({ type: 'text_delta', text: piece }));
    } else if (block.type === 'thinking') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
      ]);
      if (index === 0) events.push(['ping', { type: 'ping' }]);
      for (const piece of words(block.thinking)) events.push(delta({ type: 'thinking_delta', thinking: piece }));
      events.push(delta({ type: 'signature_delta', signature: block.signature }));
    } else {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } },
      ]);
      if (index === 0) events.push(['ping', { type: 'ping' }]);
      const json = JSON.stringify(block.input);
      const pieces = block.json ?? ['', json.slice(0, Math.ceil(json.length / 2)), json.slice(Math.ceil(json.length / 2))];
      for (const piece of pieces) events.push(delta({ type: 'input_json_delta', partial_json: piece }));
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  }
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: stopReasonOf(reply), stop_sequence: reply.stop_sequence ?? null },
      usage: fullUsage(usage),
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

export function writeEvent(res: ServerResponse, [name, data]: StreamEvent): void {
  res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': 'req_fake_stream',
  });
}

/** Answers with `reply`: a message body, or its event stream when the request asked for one. */
export function replyOf(reply: Reply): Behaviour {
  return ({ res, body }) => {
    const model = String(body.model);
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake_json' });
      res.end(JSON.stringify(messageBody(reply, model)));
      return;
    }
    startStream(res);
    for (const event of streamEvents(reply, model)) writeEvent(res, event);
    res.end();
  };
}

/** A text answer. */
export const textReply = (text: string, usage?: AnthropicUsageCounts): Behaviour =>
  replyOf({ content: [{ type: 'text', text }], usage });

/** Streams `events` as given (to script unusual orders, unknown events, or an early end). */
export function eventsOf(events: StreamEvent[]): Behaviour {
  return ({ res }) => {
    startStream(res);
    for (const event of events) writeEvent(res, event);
    res.end();
  };
}

/**
 * Streams the first `after` events of `reply`, then fails: an `error` event (as Anthropic sends when
 * it overloads mid-answer, the response then ending), or the connection cut without a word.
 */
export function streamFault(reply: Reply, after: number, fault: { error: { type: string; message: string } } | 'cut'): Behaviour {
  return async ({ res, body }) => {
    startStream(res);
    for (const event of streamEvents(reply, String(body.model)).slice(0, after)) writeEvent(res, event);
    if (fault === 'cut') {
      // Let what was written reach the wire first: destroying a socket discards its unsent data.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.socket?.destroy();
      return;
    }
    writeEvent(res, ['error', { type: 'error', error: fault.error }]);
    res.end();
  };
}

/** The status Anthropic answers each error type with. */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** An Anthropic error answer: `{"type":"error","error":{"type","message"},"request_id"}`. */
export function errorOf(type: string, message: string, status = STATUS_OF_TYPE[type] ?? 500): Behaviour {
  return ({ res }) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake_error' });
    res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake_error' }));
  };
}

/**
 * A real HTTP server on loopback speaking Anthropic's Messages API. Each request is checked the way
 * Anthropic checks it (path, x-api-key, anthropic-version, a JSON body), recorded, and answered by
 * `behaviour`.
 */
export class FakeAnthropic extends LoopbackServer {
  apiKey = FAKE_ANTHROPIC_KEY;
  behaviour: (body: Record<string, unknown>) => Behaviour = () => textReply('Hello, world!');
  /** What `GET /v1/models` lists, newest first as Anthropic orders them. */
  liveModels: string[] = ['claude-opus-4-7', 'claude-sonnet-4-5', 'claude-haiku-4-5'];
  /** How `GET /v1/models` is answered once the request passed the checks (default: `liveModels`). */
  modelsBehaviour: Behaviour = ({ res }) => {
    const data = this.liveModels.map((id) => ({
      type: 'model',
      id,
      display_name: id.replace(/^claude-/, 'Claude ').replace(/-/g, ' '),
      created_at: '2025-09-29T00:00:00Z',
    }));
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake_models' });
    res.end(JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }));
  };

  /** The provider root, as `base_url` names it (Tally appends /v1/messages). */
  get baseUrl(): string {
    return this.origin;
  }

  protected respond({ req, res, body, parsed }: IncomingCall): Promise<void> | void {
    const refuse = (type: string, message: string) => errorOf(type, message)({ req, res, body });
    const path = new URL(req.url ?? '/', 'http://anthropic.invalid').pathname;
    const listing = req.method === 'GET' && path === '/v1/models';
    if (!listing && (req.method !== 'POST' || req.url !== '/v1/messages')) return refuse('not_found_error', 'Not Found');
    if (req.headers['x-api-key'] !== this.apiKey) return refuse('authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version']) return refuse('invalid_request_error', 'anthropic-version: header is required');
    if (listing) return this.modelsBehaviour({ req, res, body });
    if (!parsed) return refuse('invalid_request_error', 'The request body is not valid JSON.');
    if (typeof body.max_tokens !== 'number') return refuse('invalid_request_error', 'max_tokens: Field required');
    return this.behaviour(body)({ req, res, body });
  }
}
