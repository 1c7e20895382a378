import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from '../openai.types.js';
import { SseParser } from '../sse/sse-parser.js';
import type { ChatProvider } from './chat-provider.js';
import { ProviderError } from './provider-error.js';

const MAX_ERROR_BODY = 64 * 1024;

/** Aborts when the caller aborts or when no byte arrives within `timeoutMs`; `touch()` restarts the clock. */
class ReadDeadline {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  timedOut = false;
  private readonly onCallerAbort = () => this.controller.abort(new Error('aborted by caller'));

  constructor(
    private readonly timeoutMs: number,
    private readonly caller: AbortSignal,
  ) {
    if (caller.aborted) this.controller.abort(new Error('aborted by caller'));
    else caller.addEventListener('abort', this.onCallerAbort, { once: true });
    this.touch();
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error('read timeout'));
    }, this.timeoutMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onCallerAbort);
  }
}

/** OpenAI's Chat Completions over HTTP; also vLLM, llama.cpp server, LM Studio, OpenRouter. */
export class OpenAiProvider implements ChatProvider {
  readonly name: string;

  constructor(private readonly config: ProviderConfig) {
    this.name = config.name;
  }

  async complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const deadline = new ReadDeadline(this.config.timeoutMs, signal);
    try {
      const { stream_options: _unused, ...rest } = body;
      const res = await this.post({ ...rest, stream: false }, deadline);
      const text = await this.readAll(res, deadline, Number.POSITIVE_INFINITY);
      let parsed: ChatCompletion;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ProviderError('protocol', `${this.name} returned a body that is not JSON`, this.name, res.status);
      }
      if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.choices)) {
        throw new ProviderError('protocol', `${this.name} returned a body without choices`, this.name, res.status);
      }
      if (!parsed.model) parsed.model = body.model;
      return parsed;
    } catch (error) {
      throw this.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const deadline = new ReadDeadline(this.config.timeoutMs, signal);
    const streamOptions = { ...(body.stream_options ?? {}), include_usage: true };
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      const res = await this.post({ ...body, stream: true, stream_options: streamOptions }, deadline);
      if (!res.body) throw new ProviderError('protocol', `${this.name} returned an empty stream`, this.name, res.status);
      reader = res.body.getReader();
      const parser = new SseParser();
      let finished = false;
      for (;;) {
        const { done, value } = await reader.read();
        deadline.touch();
        const events = done ? parser.end() : parser.feed(value);
        for (const event of events) {
          if (event.data === '[DONE]') return;
          const chunk = this.parseChunk(event.data);
          if (chunk.choices.some((c) => c.finish_reason)) finished = true;
          yield chunk;
        }
        if (done) break;
      }
      // Some servers omit [DONE]; a stream that also never finished a choice was cut short.
      if (!finished) throw new ProviderError('protocol', `${this.name} stream ended before completion`, this.name);
    } catch (error) {
      throw this.classify(error, deadline);
    } finally {
      deadline.dispose();
      // Releases the socket when the consumer stops early or anything failed.
      reader?.cancel().catch(() => undefined);
    }
  }

  private parseChunk(data: string): ChatCompletionChunk {
    let chunk: ChatCompletionChunk & { error?: { message?: string; type?: string; code?: string } };
    try {
      chunk = JSON.parse(data);
    } catch {
      throw new ProviderError('protocol', `${this.name} sent a malformed stream frame`, this.name);
    }
    if (!chunk || typeof chunk !== 'object') {
      throw new ProviderError('protocol', `${this.name} sent a malformed stream frame`, this.name);
    }
    if (chunk.error) {
      throw new ProviderError(
        'http',
        chunk.error.message ? String(chunk.error.message).slice(0, 500) : `${this.name} reported an error mid-stream`,
        this.name,
        502,
        chunk.error.type,
        chunk.error.code ? String(chunk.error.code) : undefined,
      );
    }
    if (!Array.isArray(chunk.choices)) {
      throw new ProviderError('protocol', `${this.name} sent a stream frame without choices`, this.name);
    }
    return chunk;
  }

  private async post(body: Record<string, unknown>, deadline: ReadDeadline): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    const res = await fetch(`${this.config.baseUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: deadline.controller.signal,
    });
    deadline.touch();
    if (res.ok) return res;
    const text = await this.readAll(res, deadline, MAX_ERROR_BODY).catch(() => '');
    let message = `${this.name} returned HTTP ${res.status}`;
    let type: string | undefined;
    let code: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown; type?: unknown; code?: unknown } };
      if (parsed?.error && typeof parsed.error === 'object') {
        if (typeof parsed.error.message === 'string') message = parsed.error.message.slice(0, 500);
        if (typeof parsed.error.type === 'string') type = parsed.error.type;
        if (parsed.error.code !== undefined && parsed.error.code !== null) code = String(parsed.error.code);
      }
    } catch {
      // Not JSON: keep the generic message; the raw body is never echoed.
    }
    const kind = res.status === 401 || res.status === 403 ? 'auth' : 'http';
    throw new ProviderError(kind, message, this.name, res.status, type, code);
  }

  private async readAll(res: Response, deadline: ReadDeadline, limit: number): Promise<string> {
    if (!res.body) return '';
    const reader = res.body.getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        deadline.touch();
        if (done) break;
        size += value.length;
        if (size > limit) break;
        parts.push(value);
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  private classify(error: unknown, deadline: ReadDeadline): unknown {
    if (error instanceof ProviderError) return error;
    if (deadline.timedOut) {
      return new ProviderError('timeout', `${this.name} did not answer within ${this.config.timeoutMs} ms`, this.name);
    }
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'unknown error';
    return new ProviderError('network', `${this.name} is unreachable (${detail})`, this.name);
  }
}
