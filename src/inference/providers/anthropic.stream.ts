import type { ChatCompletionChunk, Usage } from '../openai.types.js';
import type { SseEvent } from '../sse/sse-parser.js';
import { type AnthropicUsage, toFinishReason, toOpenAiUsage } from './anthropic.translate.js';
import { ProviderError } from './provider-error.js';

/** The HTTP status Anthropic documents for each error type; a mid-stream `error` event carries only the type. */
const ERROR_TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

type Delta = ChatCompletionChunk['choices'][number]['delta'];
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Anthropic's named stream events → OpenAI chunks, one event at a time. Pure: no I/O, no clock.
 *
 * message_start → role chunk; content_block_start(tool_use) → tool-call opening chunk (ordinal index
 * over tool blocks, not Anthropic's block index); text_delta → content; input_json_delta → argument
 * delta; message_delta → stop reason and usage; message_stop → final chunk (finish_reason) and a
 * usage chunk (choices: []). ping, content_block_stop, thinking/signature deltas and unknown events
 * yield nothing. An `error` event throws, carrying the usage seen so far.
 */
export class AnthropicStreamTranslator {
  private id: string;
  private model: string;
  private roleSent = false;
  private stopReason: string | null = null;
  private stopped = false;
  private readonly toolOrdinals = new Map<number, number>();
  private counts: AnthropicUsage | undefined;

  constructor(private readonly context: { provider: string; model: string; created: number; id: string }) {
    this.id = context.id;
    this.model = context.model;
  }

  /** message_stop was seen: the answer is complete, and any later event is ignored. */
  get finished(): boolean {
    return this.stopped;
  }

  /** The usage reported so far, OpenAI-shaped; undefined before message_start. */
  get usage(): Usage | undefined {
    return this.counts ? toOpenAiUsage(this.counts) : undefined;
  }

  accept(event: SseEvent): ChatCompletionChunk[] {
    if (this.stopped) return [];
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      throw this.failure(
        new ProviderError('protocol', `${this.context.provider} sent a malformed stream event`, this.context.provider),
      );
    }
    if (!isObject(data)) {
      throw this.failure(
        new ProviderError('protocol', `${this.context.provider} sent a malformed stream event`, this.context.provider),
      );
    }
    switch (event.event ?? data.type) {
      case 'message_start':
        return this.messageStart(data.message);
      case 'content_block_start':
        return this.blockStart(data.index, data.content_block);
      case 'content_block_delta':
        return this.blockDelta(data.index, data.delta);
      case 'message_delta':
        if (isObject(data.delta) && typeof data.delta.stop_reason === 'string') this.stopReason = data.delta.stop_reason;
        this.count(data.usage);
        return [];
      case 'message_stop':
        return this.finish();
      case 'error':
        throw this.failure(this.errorOf(data.error));
      default:
        return []; // ping, content_block_stop, and event types newer than this adapter
    }
  }

  /**
   * The upstream ended. After message_stop there is nothing left to say; a stream that reported its stop
   * reason but was cut before message_stop is still complete; anything else was cut short.
   */
  end(): ChatCompletionChunk[] {
    if (this.stopped) return [];
    if (this.stopReason !== null) return this.finish();
    throw this.failure(
      new ProviderError('protocol', `${this.context.provider} stream ended before message_stop`, this.context.provider),
    );
  }

  /** Attaches the usage seen so far to a failure, so the failed row still counts the tokens. */
  failure(error: ProviderError): ProviderError {
    error.usage ??= this.usage;
    return error;
  }

  private messageStart(message: unknown): ChatCompletionChunk[] {
    if (isObject(message)) {
      if (typeof message.id === 'string' && message.id !== '') this.id = message.id;
      if (typeof message.model === 'string' && message.model !== '') this.model = message.model;
      this.count(message.usage);
    }
    return this.role();
  }

  private blockStart(index: unknown, block: unknown): ChatCompletionChunk[] {
    if (!isObject(block) || typeof index !== 'number') return [];
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      return [...this.role(), this.chunk({ content: block.text })];
    }
    if (block.type !== 'tool_use') return []; // thinking, redacted_thinking, server tools: not forwarded
    const ordinal = this.toolOrdinals.size;
    this.toolOrdinals.set(index, ordinal);
    const opening = {
      index: ordinal,
      id: typeof block.id === 'string' ? block.id : `call_${ordinal}`,
      type: 'function',
      function: { name: typeof block.name === 'string' ? block.name : '', arguments: '' },
    };
    return [...this.role(), this.chunk({ tool_calls: [opening] })];
  }

  private blockDelta(index: unknown, delta: unknown): ChatCompletionChunk[] {
    if (!isObject(delta)) return [];
    if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
      return [...this.role(), this.chunk({ content: delta.text })];
    }
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      const ordinal = typeof index === 'number' ? this.toolOrdinals.get(index) : undefined;
      if (ordinal === undefined) return [];
      return [this.chunk({ tool_calls: [{ index: ordinal, function: { arguments: delta.partial_json } }] })];
    }
    return []; // thinking_delta, signature_delta, citations_delta: not content
  }

  private finish(): ChatCompletionChunk[] {
    this.stopped = true;
    const final = this.chunk({}, toFinishReason(this.stopReason));
    const usage: ChatCompletionChunk = { ...this.base(), choices: [], usage: toOpenAiUsage(this.counts) };
    return [...this.role(), final, usage];
  }

  private errorOf(error: unknown): ProviderError {
    const { provider } = this.context;
    const type = isObject(error) && typeof error.type === 'string' ? error.type : undefined;
    const message =
      isObject(error) && typeof error.message === 'string' && error.message !== ''
        ? error.message.slice(0, 500)
        : `${provider} reported ${type ?? 'an error'} mid-stream`;
    const status = (type && ERROR_TYPE_STATUS[type]) || 500;
    return new ProviderError(status === 401 || status === 403 ? 'auth' : 'http', message, provider, status, type);
  }

  /** Counts are cumulative: a later event's non-null counts replace the earlier ones. */
  private count(usage: unknown): void {
    if (!isObject(usage)) return;
    const next: AnthropicUsage = { ...this.counts };
    for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      if (typeof usage[key] === 'number') next[key] = usage[key];
    }
    this.counts = next;
  }

  private role(): ChatCompletionChunk[] {
    if (this.roleSent) return [];
    this.roleSent = true;
    return [this.chunk({ role: 'assistant', content: '' })];
  }

  private base() {
    return { id: this.id, object: 'chat.completion.chunk' as const, created: this.context.created, model: this.model };
  }

  private chunk(delta: Delta, finishReason: string | null = null): ChatCompletionChunk {
    return { ...this.base(), choices: [{ index: 0, delta, finish_reason: finishReason }] };
  }
}
