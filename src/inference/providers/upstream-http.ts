import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ProviderConfig } from '../../config/app-config.js';
import { injectTraceContext } from '../../observability/tracing.js';
import { ProviderError, redactSecrets } from './provider-error.js';

const MAX_ERROR_BODY = 64 * 1024;
/** How long to wait, after a stream's terminal frame, for the response to end before dropping its connection. */
const SETTLE_GRACE_MS = 500;

/**
 * One request's lifetime. Aborts when the caller aborts, when no byte arrives within `timeoutMs`
 * (`touch()` restarts that clock), or when the whole request has run longer than `maxDurationMs` (a
 * trickle never ends otherwise). Always `dispose()` it (in a `finally`).
 */
export class ReadDeadline {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly overall: NodeJS.Timeout;
  timedOut: 'read' | 'total' | undefined;
  /** The stream's terminal frame was seen: what follows only drains the response, briefly. */
  private settled = false;
  /** The response `UpstreamHttp.post` received (dropped at `dispose()` unless read to its end). */
  response: IncomingMessage | undefined;
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

  private disposed = false;
  /** When the read clock runs out (`performance.now()` time). */
  private expiresAt = 0;
  /** When the armed read timer fires; one that fires before `expiresAt` (touched since) re-arms itself. */
  private timerAt = 0;
  private readonly onReadTimer = () => {
    this.timer = undefined;
    const left = this.expiresAt - performance.now();
    if (left > 0) this.arm(left);
    else this.expire('read');
  };

  /**
   * Restarts the read clock, by default with the full read timeout (the grace once settled). Called on
   * every read, so it only moves the expiry: the timer is re-armed when it fires early, or at once
   * when the new expiry is sooner than the armed one.
   */
  touch(ms = this.settled ? SETTLE_GRACE_MS : this.timeoutMs): void {
    this.expiresAt = performance.now() + ms;
    if (this.timer === undefined || this.expiresAt < this.timerAt) this.arm(ms);
  }

  private arm(ms: number): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timerAt = performance.now() + ms;
    this.timer = setTimeout(this.onReadTimer, ms);
  }

  /**
   * The answer is complete ([DONE], `message_stop`, Ollama's `done` line): read on to the end of the
   * response only briefly, so its connection can return to the pool.
   */
  settle(): void {
    this.settled = true;
    this.touch();
  }

  private expire(which: 'read' | 'total'): void {
    this.timedOut ??= which;
    this.controller.abort(new Error(`${which} timeout`));
  }

  /** Stops the clocks; a response not read to its end cannot go back to the pool, so its socket is dropped. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearTimeout(this.overall);
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

  constructor(
    private readonly config: ProviderConfig,
    origin: string,
  ) {
    this.secure = new URL(origin).protocol === 'https:';
    const options = { keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo' as const };
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
    const attempt = (retried: boolean): Promise<IncomingMessage> =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = send(url, { method, headers, agent: this.agent, signal: deadline.controller.signal }, resolve);
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

  async readAll(res: IncomingMessage, deadline: ReadDeadline, limit = Number.POSITIVE_INFINITY): Promise<string> {
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

  /**
   * The frames `parser` finds in a streamed 2xx body, as they arrive: one array per read of the response
   * (everything it had buffered; reads that complete no frame yield nothing). Each read restarts the
   * read clock.
   */
  async *frames<T>(res: IncomingMessage, deadline: ReadDeadline, parser: FrameParser<T>): AsyncGenerator<T[], void, undefined> {
    for await (const bytes of res) {
      deadline.touch();
      const found = parser.feed(bytes as Buffer);
      if (found.length > 0) yield found;
    }
    const last = parser.end();
    if (last.length > 0) yield last;
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
