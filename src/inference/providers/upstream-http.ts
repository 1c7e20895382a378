import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import type { ProviderConfig } from '../../config/app-config.js';
import { injectTraceContext } from '../../observability/tracing.js';
import { ProviderError, redactSecrets } from './provider-error.js';

const MAX_ERROR_BODY = 64 * 1024;
/** How long to wait, after a stream's terminal frame, for the response to end before dropping its connection. */
const SETTLE_GRACE_MS = 500;

/**
 * One request's lifetime. Cancels the request when the caller aborts, when no byte arrives within
 * `timeoutMs` (`touch()` restarts that clock), or when the whole request has run longer than
 * `maxDurationMs` (a trickle never ends otherwise). Always `dispose()` it (in a `finally`).
 *
 * Cheap per request and per chunk: one timer, re-armed only when it fires early (a `touch()` is a
 * clock read), and the request is destroyed directly rather than through an AbortSignal (an
 * AbortController, its listeners and a second timer cost ~50 µs of CPU per call here).
 */
export class ReadDeadline {
  timedOut: 'read' | 'total' | undefined;
  /** The response `UpstreamHttp.post` received (dropped at `dispose()` unless read to its end). */
  response: IncomingMessage | undefined;
  /** Why the request was cancelled, once it was. */
  private cancelled: Error | undefined;
  private request: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private touchedAt = performance.now();
  private readonly endsAt: number;
  /** The read clock's length: the read timeout, or the grace once settled. */
  private window: number;
  private readonly onCallerAbort = () => this.cancel(new Error('aborted by caller'));
  private readonly check = () => {
    const now = performance.now();
    if (now >= this.endsAt) this.expire('total');
    else if (now - this.touchedAt >= this.window) this.expire('read');
    else this.arm(now);
  };

  constructor(
    timeoutMs: number,
    maxDurationMs: number,
    private readonly caller: AbortSignal,
  ) {
    this.window = timeoutMs;
    this.endsAt = this.touchedAt + maxDurationMs;
    if (caller.aborted) this.cancel(new Error('aborted by caller'));
    else {
      caller.addEventListener('abort', this.onCallerAbort, { once: true });
      this.arm(this.touchedAt);
    }
  }

  /** The request this deadline cancels (each attempt's, when one is sent again). */
  attach(request: ClientRequest): void {
    this.request = request;
    if (this.cancelled) request.destroy(this.cancelled);
  }

  /** Restarts the read clock. */
  touch(): void {
    this.touchedAt = performance.now();
  }

  /**
   * The answer is complete ([DONE], `message_stop`, Ollama's `done` line): read on to the end of the
   * response only briefly, so its connection can return to the pool.
   */
  settle(): void {
    this.window = SETTLE_GRACE_MS;
    this.touchedAt = performance.now();
    if (!this.cancelled) this.arm(this.touchedAt);
  }

  private arm(now: number): void {
    clearTimeout(this.timer);
    const due = Math.min(this.touchedAt + this.window, this.endsAt);
    this.timer = setTimeout(this.check, Math.max(1, Math.ceil(due - now)));
  }

  private expire(which: 'read' | 'total'): void {
    this.timedOut ??= which;
    this.cancel(new Error(`${which} timeout`));
  }

  private cancel(reason: Error): void {
    clearTimeout(this.timer);
    if (this.cancelled) return;
    this.cancelled = reason;
    this.request?.destroy(reason);
  }

  /** Stops the clock; a response not read to its end cannot go back to the pool, so its socket is dropped. */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onCallerAbort);
    if (this.response && !this.response.complete) this.response.destroy();
  }
}

/** An incremental parser of a streamed body: SSE (`SseParser`) or NDJSON (`NdjsonParser`). */
export interface FrameParser<T> {
  feed(bytes: Uint8Array): T[];
  end(): T[];
}

/** The fields of an upstream error body worth keeping; never the raw body. */
export interface UpstreamErrorFields {
  message?: string;
  type?: string;
  code?: string;
}

/**
 * `{"error":{"message","type","code"}}`: OpenAI, Azure OpenAI and most OpenAI-compatible servers;
 * Anthropic nests its `message` and `type` the same way (`{"type":"error","error":{…}}`).
 */
export function openAiErrorFields(parsed: unknown): UpstreamErrorFields {
  const error = (parsed as { error?: unknown } | null)?.error;
  if (!error || typeof error !== 'object') return {};
  const { message, type, code } = error as { message?: unknown; type?: unknown; code?: unknown };
  return {
    message: typeof message === 'string' ? message : undefined,
    type: typeof type === 'string' ? type : undefined,
    code: code !== undefined && code !== null ? String(code) : undefined,
  };
}

export interface PostOptions {
  readonly headers: Record<string, string>;
  readonly accept: string;
  /** Reads the provider's error fields from a parsed non-2xx body. */
  readonly errorFields: (parsed: unknown) => UpstreamErrorFields;
  /** Maps a non-2xx status and its fields to the error kind and code (default: 401/403 auth, else http). */
  readonly classifyStatus?: (status: number, fields: UpstreamErrorFields) => { kind: 'auth' | 'http'; code?: string };
}

/**
 * One provider's HTTP client: node:http/node:https with a keep-alive pool (a fraction of fetch's
 * per-call CPU, see bench:gateway), read and total deadlines, error bodies parsed and never echoed,
 * and transport failures classified as ProviderErrors. Shared by every HTTP adapter.
 */
export class UpstreamHttp {
  private readonly agent: HttpAgent;
  private readonly secure: boolean;
  /** Each endpoint URL as request options, taken apart once (node does it per request for a URL). */
  private readonly targets = new WeakMap<URL, ReturnType<typeof urlToHttpOptions>>();

  constructor(
    private readonly config: ProviderConfig,
    origin: string,
  ) {
    this.secure = new URL(origin).protocol === 'https:';
    const options = { keepAlive: true, maxSockets: 512, maxFreeSockets: 512, scheduling: 'lifo' as const };
    this.agent = this.secure ? new HttpsAgent(options) : new HttpAgent(options);
  }

  get name(): string {
    return this.config.name;
  }

  deadline(signal: AbortSignal): ReadDeadline {
    return new ReadDeadline(this.config.timeoutMs, this.config.maxDurationMs, signal);
  }

  /** Sends `body` as JSON; resolves with a 2xx response, throws a ProviderError for anything else. */
  post(url: URL, body: unknown, deadline: ReadDeadline, options: PostOptions): Promise<IncomingMessage> {
    return this.send('POST', url, Buffer.from(JSON.stringify(body)), deadline, options);
  }

  /** A GET (model lists); same answers and errors as `post`. */
  get(url: URL, deadline: ReadDeadline, options: PostOptions): Promise<IncomingMessage> {
    return this.send('GET', url, undefined, deadline, options);
  }

  private send(
    method: 'GET' | 'POST',
    url: URL,
    payload: Buffer | undefined,
    deadline: ReadDeadline,
    options: PostOptions,
  ): Promise<IncomingMessage> {
    const headers: Record<string, string | number> = {
      ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
      accept: options.accept,
      ...options.headers,
    };
    injectTraceContext(headers);
    const send = this.secure ? httpsRequest : httpRequest;
    let target = this.targets.get(url);
    if (!target) {
      target = urlToHttpOptions(url);
      this.targets.set(url, target);
    }
    const attempt = (retried: boolean): Promise<IncomingMessage> =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = send({ ...target, method, headers, agent: this.agent }, resolve);
        deadline.attach(req);
        req.on('error', (error: NodeJS.ErrnoException) => {
          // A pooled socket the server closed while idle: the request never reached it, so send it again once.
          if (!retried && req.reusedSocket && error.code === 'ECONNRESET') resolve(attempt(true));
          else reject(error);
        });
        req.end(payload);
      });
    return attempt(false).then(async (res) => {
      deadline.response = res;
      deadline.touch();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      const text = await this.readAll(res, deadline, MAX_ERROR_BODY).catch(() => '');
      let fields: UpstreamErrorFields = {};
      try {
        fields = options.errorFields(JSON.parse(text));
      } catch {
        // Not JSON: keep the generic message; the raw body is never echoed.
      }
      const message = fields.message ? fields.message.slice(0, 500) : `${this.name} returned HTTP ${status}`;
      const { kind, code } = options.classifyStatus?.(status, fields) ?? {
        kind: status === 401 || status === 403 ? 'auth' : 'http',
        code: fields.code,
      };
      throw new ProviderError(kind, message, this.name, status, fields.type, code);
    });
  }

  /** The whole body as text, at most `limit` bytes (the rest is dropped with the connection). Events, not `for await`: one body is one or two reads. */
  readAll(res: IncomingMessage, deadline: ReadDeadline, limit = Number.POSITIVE_INFINITY): Promise<string> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      const done = () => {
        res.off('data', onData);
        res.off('end', done);
        res.off('error', onError);
        res.off('close', onClose);
        resolve(Buffer.concat(parts, Math.min(size, limit)).toString('utf8'));
      };
      const onData = (part: Buffer) => {
        deadline.touch();
        size += part.length;
        if (size > limit) {
          size -= part.length;
          res.destroy();
          done();
          return;
        }
        parts.push(part);
      };
      const onError = (error: Error) => {
        res.off('close', onClose);
        reject(error);
      };
      // Closed without 'end' and without an error (destroyed under us): what a `for await` would reject with.
      const onClose = () => {
        if (!res.complete) onError(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      };
      res.on('data', onData);
      res.on('end', done);
      res.on('error', onError);
      res.on('close', onClose);
    });
  }

  /**
   * The chunks of a streamed 2xx body, one array per read of the response (reads that give none yield
   * nothing); each read restarts the read clock. `parser` finds the read's frames, and `take` turns one
   * frame into chunks, pushed onto the read's batch, and answers whether the answer is now complete;
   * after that the rest of the response is only read, briefly (`settle`), so its connection can return to
   * the pool. When `take` throws, the chunks before the failing frame go out first, as they would have
   * one by one. One generator over the response's reads: each layer more would cost every read a promise
   * and a resumption.
   */
  async *chunks<F, C>(
    res: IncomingMessage,
    deadline: ReadDeadline,
    parser: FrameParser<F>,
    take: (frame: F, batch: C[]) => boolean,
  ): AsyncGenerator<C[], void, undefined> {
    let finished = false;
    let failed = false;
    let failure: unknown;
    const batchOf = (frames: F[]): C[] => {
      const batch: C[] = [];
      try {
        for (const frame of frames) {
          if (take(frame, batch)) {
            finished = true;
            deadline.settle();
            break;
          }
        }
      } catch (error) {
        failed = true;
        failure = error;
      }
      return batch;
    };
    for await (const bytes of res) {
      deadline.touch();
      const frames = parser.feed(bytes as Buffer);
      if (finished || frames.length === 0) continue;
      const batch = batchOf(frames);
      if (batch.length > 0) yield batch;
      if (failed) throw failure;
    }
    const last = parser.end();
    if (finished || last.length === 0) return;
    const batch = batchOf(last);
    if (batch.length > 0) yield batch;
    if (failed) throw failure;
  }

  /** Reads a whole 2xx body as a JSON object; anything else is a protocol error. */
  async readJson(res: IncomingMessage, deadline: ReadDeadline): Promise<Record<string, unknown>> {
    const text = await this.readAll(res, deadline);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ProviderError('protocol', `${this.name} returned a body that is not JSON`, this.name, res.statusCode);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ProviderError('protocol', `${this.name} returned a body that is not a JSON object`, this.name, res.statusCode);
    }
    return parsed as Record<string, unknown>;
  }

  /** `GET url` as a JSON object (a model list), within the request's deadlines; failures are ProviderErrors. */
  async getJson(url: URL, signal: AbortSignal, options: PostOptions): Promise<Record<string, unknown>> {
    const deadline = this.deadline(signal);
    try {
      return await this.readJson(await this.get(url, deadline, options), deadline);
    } catch (error) {
      throw this.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Turns a transport failure into a ProviderError. Every adapter's failure passes through here, so
   * this is where a provider's message loses any key it echoed.
   */
  classify(error: unknown, deadline: ReadDeadline): ProviderError {
    if (error instanceof ProviderError) {
      error.message = redactSecrets(error.message, [this.config.apiKey]);
      return error;
    }
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
