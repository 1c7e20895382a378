import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequestBody, Usage } from '../openai.types.js';
import type { EmbeddingsRequestBody } from './embeddings-provider.js';
import { ProviderError } from './provider-error.js';

/**
 * Ollama's native API (`/api/chat`, `/api/embed`) ↔ OpenAI's wire format, as pure functions, one
 * direction each. The HTTP part is ollama.provider.ts.
 */

export interface OllamaToolCall {
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  options?: Record<string, unknown>;
  tools?: unknown[];
  format?: unknown;
}

/** One `/api/chat` answer: the whole non-streamed body, or one NDJSON line of a stream. */
export interface OllamaChatChunk {
  model?: string;
  created_at?: string;
  message?: { role?: string; content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

/** What a translation needs besides the message: ids and time are minted by the caller (tests pin them). */
export interface TranslationContext {
  readonly provider: string;
  /** The provider-native model asked for; Ollama's echo wins when present. */
  readonly model: string;
  readonly id: string;
  readonly created: number;
  readonly mintToolCallId: () => string;
}

function unsupported(provider: string, message: string): ProviderError {
  return new ProviderError('unsupported', `${provider}: ${message}`, provider);
}

/** A tool call's OpenAI `arguments` (a JSON string) as the object Ollama wants; anything but an object is `{}`. */
export function parseToolArguments(value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

const DATA_URL = /^data:[^;,]+;base64,(.*)$/s;

/** OpenAI content (string, parts or null) → Ollama's `content` string and base64 `images`. */
export function toOllamaContent(content: ChatMessage['content'], provider: string): { content: string; images: string[] } {
  if (typeof content === 'string') return { content, images: [] };
  if (!Array.isArray(content)) return { content: '', images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      const data = typeof url === 'string' ? DATA_URL.exec(url) : null;
      if (!data) throw unsupported(provider, 'Ollama takes images only as base64 data: URLs');
      images.push(data[1]);
    } else throw unsupported(provider, `content parts of type '${part.type}' are not supported by Ollama`);
  }
  return { content: texts.join('\n'), images };
}

/** OpenAI messages → Ollama messages: tool calls with object arguments, tool results named by their call. */
export function toOllamaMessages(messages: readonly ChatMessage[], provider: string): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  const out: OllamaMessage[] = [];
  for (const message of messages) {
    const { content, images } = toOllamaContent(message.content, provider);
    const role = message.role === 'developer' ? 'system' : (message.role as OllamaMessage['role']);
    const translated: OllamaMessage = { role, content };
    if (images.length > 0) translated.images = images;
    if (message.role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      translated.tool_calls = (message.tool_calls as { id?: unknown; function?: { name?: unknown; arguments?: unknown } }[])
        .filter((call) => typeof call.function?.name === 'string')
        .map((call, index) => {
          const name = call.function!.name as string;
          if (typeof call.id === 'string') toolNames.set(call.id, name);
          const ollamaCall: OllamaToolCall = {
            function: { index, name, arguments: parseToolArguments(call.function!.arguments) },
          };
          if (typeof call.id === 'string') ollamaCall.id = call.id;
          return ollamaCall;
        });
    }
    if (message.role === 'tool' && typeof message.tool_call_id === 'string') {
      translated.tool_call_id = message.tool_call_id;
      const name = toolNames.get(message.tool_call_id);
      if (name) translated.tool_name = name;
    }
    out.push(translated);
  }
  return out;
}

/** Sampling fields → Ollama `options`; only what the client set. */
export function toOllamaOptions(body: ChatRequestBody): Record<string, unknown> | undefined {
  const options: Record<string, unknown> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) options.num_predict = maxTokens;
  for (const key of ['temperature', 'top_p', 'seed', 'presence_penalty', 'frequency_penalty'] as const) {
    if (body[key] != null) options[key] = body[key];
  }
  if (typeof body.stop === 'string') options.stop = [body.stop];
  else if (Array.isArray(body.stop)) options.stop = body.stop;
  return Object.keys(options).length > 0 ? options : undefined;
}

/** The `/api/chat` body for an OpenAI request. Fields Ollama has no equivalent for are not sent. */
export function toOllamaChatRequest(body: ChatRequestBody, stream: boolean, provider: string): OllamaChatRequest {
  const request: OllamaChatRequest = { model: body.model, messages: toOllamaMessages(body.messages, provider), stream };
  const options = toOllamaOptions(body);
  if (options) request.options = options;
  // Ollama has no tool_choice: "none" is honoured by not offering the tools at all.
  if (Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none') request.tools = body.tools;
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | null | undefined;
  if (format?.type === 'json_object') request.format = 'json';
  else if (format?.type === 'json_schema' && format.json_schema?.schema) request.format = format.json_schema.schema;
  return request;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** Ollama omits a zero count (Go `omitempty`), so an absent count is 0. */
export function ollamaUsage(chunk: OllamaChatChunk): Usage {
  const prompt = count(chunk.prompt_eval_count);
  const completion = count(chunk.eval_count);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** `done_reason` → OpenAI `finish_reason`; a turn that called tools finished for `tool_calls`, as OpenAI says. */
export function finishReason(doneReason: string | undefined, calledTools: boolean): 'stop' | 'length' | 'tool_calls' {
  if (calledTools) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

/** Ollama tool calls (object arguments, maybe no id) → OpenAI's (JSON-string arguments, always an id). */
export function fromOllamaToolCalls(calls: readonly OllamaToolCall[], ctx: TranslationContext, firstIndex = 0) {
  return calls
    .filter((call) => typeof call?.function?.name === 'string')
    .map((call, i) => ({
      index: firstIndex + i,
      id: typeof call.id === 'string' && call.id ? call.id : ctx.mintToolCallId(),
      type: 'function' as const,
      function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
    }));
}

/** A non-streamed `/api/chat` answer → `chat.completion`. */
export function fromOllamaChat(answer: OllamaChatChunk, ctx: TranslationContext): ChatCompletion {
  const text = answer.message?.content ?? '';
  const calls = fromOllamaToolCalls(answer.message?.tool_calls ?? [], ctx).map(({ index: _index, ...call }) => call);
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text };
  if (calls.length > 0) {
    message.content = text || null;
    message.tool_calls = calls;
  }
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: answer.model || ctx.model,
    choices: [{ index: 0, message, finish_reason: finishReason(answer.done_reason, calls.length > 0) }],
    usage: ollamaUsage(answer),
  };
}

/**
 * A streamed `/api/chat` answer, line by line → `chat.completion.chunk`s: a role chunk on the first
 * line, a chunk per non-empty `content`, one per line of tool calls (complete calls, ordinal indexes),
 * and on the `done` line a finish chunk and a usage-only chunk (`choices: []`, as OpenAI sends with
 * `include_usage`). `thinking` is not content and is not forwarded; lines after `done` are ignored.
 */
export class OllamaStreamTranslator {
  private started = false;
  private done = false;
  private toolCalls = 0;
  private model: string;

  constructor(private readonly ctx: TranslationContext) {
    this.model = ctx.model;
  }

  /** Whether the `done` line arrived: a stream that ends before it was cut short. */
  get finished(): boolean {
    return this.done;
  }

  push(line: OllamaChatChunk): ChatCompletionChunk[] {
    if (this.done) return [];
    if (typeof line.error === 'string') {
      throw new ProviderError('http', line.error.slice(0, 500), this.ctx.provider, 502, undefined, undefined);
    }
    const out: ChatCompletionChunk[] = [];
    if (!this.started) {
      this.started = true;
      if (line.model) this.model = line.model;
      out.push(this.chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    }
    const text = line.message?.content;
    if (typeof text === 'string' && text !== '') {
      out.push(this.chunk([{ index: 0, delta: { content: text }, finish_reason: null }]));
    }
    const calls = fromOllamaToolCalls(line.message?.tool_calls ?? [], this.ctx, this.toolCalls);
    if (calls.length > 0) {
      this.toolCalls += calls.length;
      out.push(this.chunk([{ index: 0, delta: { tool_calls: calls }, finish_reason: null }]));
    }
    if (line.done === true) {
      this.done = true;
      out.push(this.chunk([{ index: 0, delta: {}, finish_reason: finishReason(line.done_reason, this.toolCalls > 0) }]));
      out.push({ ...this.chunk([]), usage: ollamaUsage(line) });
    }
    return out;
  }

  private chunk(choices: ChatCompletionChunk['choices']): ChatCompletionChunk {
    return { id: this.ctx.id, object: 'chat.completion.chunk', created: this.ctx.created, model: this.model, choices };
  }
}

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  dimensions?: number;
}

/** OpenAI's embeddings body → `/api/embed`. Ollama embeds text only: token arrays are unsupported. */
export function toOllamaEmbedRequest(body: EmbeddingsRequestBody, provider: string): OllamaEmbedRequest {
  const { input } = body;
  const text = typeof input === 'string' || (Array.isArray(input) && input.every((item) => typeof item === 'string'));
  if (!text) throw unsupported(provider, 'Ollama embeds text, not token arrays');
  const request: OllamaEmbedRequest = { model: body.model, input: input as string | string[] };
  if (body.dimensions != null) request.dimensions = body.dimensions;
  return request;
}
