import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from '../openai.types.js';
import { SseParser } from '../sse/sse-parser.js';
import type { ChatProvider } from './chat-provider.js';
import { ProviderError } from './provider-error.js';

const MAX_ERROR_BODY = 64 * 1024;
/** How long to wait, after [DONE], for the response to end before dropping its connection. */
const DONE_GRACE_MS = 500;

/**
 * Aborts when the caller aborts, when no byte arrives within `timeoutMs` (`touch()` restarts that
 * clock), or when the whole request has run longer than `maxDurationMs` (a trickle never ends otherwise).
 */
class ReadDeadline {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly overall: NodeJS.Timeout;
  timedOut: 'read' | 'total' | undefined;
  private readonly onCallerAbort = () => this.controller.abort(new Error('aborted by caller'));

  constructor(
    private readonly timeoutMs: number,
    maxDurationMs: number,
    private readonly caller: AbortSignal,
  ) {
    if (caller.aborted) this.controller.abort(new Error('aborted by caller'));
    else caller.addEventListener('abort', this.onCallerAbort, { once: true });
    this.overall = setTimeout(() => this.expire('total'), maxDurationMs);
    this.touch();
  }

  /** Restarts the read clock, by default with the full read timeout. */
  touch(ms = this.timeoutMs): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire('read'), ms);
  }

  private expire(which: 'read' | 'total'): void {
    this.timedOut ??= which;
    this.controller.abort(new Error(`${which} timeout`));
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.overall);
    this.caller.removeEventListener('abort', this.onCallerAbort);
  }
}

/** OpenAI's Chat Completions over HTTP; also vLLM, llama.cpp server, LM Studio, OpenRouter. */
export class OpenAiProvider implements ChatProvider {
  readonly name: string;

  private readonly url: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly config: ProviderConfig) {
    this.name = config.name;
    this.url = new URL(`${config.baseUrl}/chat/completions`);
    // node:http with a keep-alive pool: a fraction of fetch's per-call CPU (see bench:gateway).
    const options = { keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo' as const };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  }

  async complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const deadline = new ReadDeadline(this.config.timeoutMs, this.config.maxDurationMs, signal);
    try {
      const { stream_options: _unused, ...rest } = body;
      const res = await this.post({ ...rest, stream: false }, deadline);
      const text = await this.readAll(res, deadline, Number.POSITIVE_INFINITY);
      let parsed: ChatCompletion;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ProviderError('protocol', `${this.name} returned a body that is not JSON`, this.name, res.statusCode);
      }
      if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.choices)) {
        throw new ProviderError('protocol', `${this.name} returned a body without choices`, this.name, res.statusCode);
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
    const deadline = new ReadDeadline(this.config.timeoutMs, this.config.maxDurationMs, signal);
    const streamOptions = { ...(body.stream_options ?? {}), include_usage: true };
    let res: IncomingMessage | undefined;
    let sawDone = false;
    try {
      res = await this.post({ ...body, stream: true, stream_options: streamOptions }, deadline);
      const parser = new SseParser();
      let finished = false;
      const events = async function* (response: IncomingMessage) {
        for await (const bytes of response) {
          deadline.touch(sawDone ? DONE_GRACE_MS : undefined);
          yield* parser.feed(bytes as Buffer);
        }
        yield* parser.end();
      };
      for await (const event of events(res)) {
        if (sawDone) continue;
        if (event.data === '[DONE]') {
          // Read on to the end of the response (briefly) so its connection can return to the pool.
          sawDone = true;
          deadline.touch(DONE_GRACE_MS);
          continue;
        }
        const chunk = this.parseChunk(event.data);
        if (chunk.choices.some((c) => c.finish_reason)) finished = true;
        yield chunk;
      }
      // Some servers omit [DONE]; a stream that also never finished a choice was cut short.
      if (!sawDone && !finished) throw new ProviderError('protocol', `${this.name} stream ended before completion`, this.name);
    } catch (error) {
      // After [DONE] the answer is complete: a server slow to end the response only costs its socket.
      if (sawDone) return;
      throw this.classify(error, deadline);
    } finally {
      deadline.dispose();
      // A response not read to its end cannot go back to the pool: drop its socket.
      if (res && !res.complete) res.destroy();
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

  private post(body: Record<string, unknown>, deadline: ReadDeadline): Promise<IncomingMessage> {
    const payload = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': payload.length,
      accept: 'application/json, text/event-stream',
    };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const attempt = (retried: boolean): Promise<IncomingMessage> =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = send(this.url, { method: 'POST', headers, agent: this.agent, signal: deadline.controller.signal }, resolve);
        req.on('error', (error: NodeJS.ErrnoException) => {
          // A pooled socket the server closed while idle: the request never reached it, so send it again once.
          if (!retried && req.reusedSocket && error.code === 'ECONNRESET') resolve(attempt(true));
          else reject(error);
        });
        req.end(payload);
      });
    return attempt(false).then(async (res) => {
      deadline.touch();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      const text = await this.readAll(res, deadline, MAX_ERROR_BODY).catch(() => '');
      let message = `${this.name} returned HTTP ${status}`;
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
      const kind = status === 401 || status === 403 ? 'auth' : 'http';
      throw new ProviderError(kind, message, this.name, status, type, code);
    });
  }

  private async readAll(res: IncomingMessage, deadline: ReadDeadline, limit: number): Promise<string> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of res) {
      deadline.touch();
      size += (part as Buffer).length;
      if (size > limit) {
        res.destroy();
        break;
      }
      parts.push(part as Buffer);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  private classify(error: unknown, deadline: ReadDeadline): unknown {
    if (error instanceof ProviderError) return error;
    if (deadline.timedOut === 'read') {
      return new ProviderError('timeout', `${this.name} sent nothing for ${this.config.timeoutMs} ms`, this.name);
    }
    if (deadline.timedOut === 'total') {
      return new ProviderError('timeout', `${this.name} did not finish within ${this.config.maxDurationMs} ms`, this.name);
    }
    const detail = (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? 'unknown error';
    return new ProviderError('network', `${this.name} is unreachable (${detail})`, this.name);
  }
}
