import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ProviderConfig } from '../../config/app-config.js';
import { type SseEvent, SseParser } from '../sse/sse-parser.js';
import { ProviderError } from './provider-error.js';

const MAX_ERROR_BODY = 64 * 1024;
/** How long to wait, after a stream's terminal event, for the response to end before dropping its connection. */
const SETTLE_GRACE_MS = 500;

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

/**
 * One provider's HTTP client: a node:http keep-alive pool (a fraction of fetch's per-call CPU, see
 * bench:gateway), the read and request deadlines, and one classification of failures. Adapters stay
 * declarative: they build bodies and headers and translate what comes back.
 */
export class UpstreamHttp {
  private readonly agent: HttpAgent;

  constructor(
    private readonly config: Pick<ProviderConfig, 'name' | 'timeoutMs' | 'maxDurationMs'>,
    readonly url: URL,
  ) {
    const options = { keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo' as const };
    this.agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  }

  /** Starts one request's lifetime: its deadline, its response and the classification of its failures. */
  begin(signal: AbortSignal): UpstreamExchange {
    return new UpstreamExchange(this.config, this.url, this.agent, signal);
  }
}

/** One request to an upstream. Always `close()` it (in a `finally`). */
export class UpstreamExchange {
  private readonly deadline: ReadDeadline;
  private response: IncomingMessage | undefined;
  /** The stream's terminal event was seen: what follows only drains the response (briefly). */
  private settled = false;

  constructor(
    private readonly config: Pick<ProviderConfig, 'name' | 'timeoutMs' | 'maxDurationMs'>,
    private readonly url: URL,
    private readonly agent: HttpAgent,
    signal: AbortSignal,
  ) {
    this.deadline = new ReadDeadline(config.timeoutMs, config.maxDurationMs, signal);
  }

  /**
   * POSTs `body` as JSON; resolves with a 2xx response, else throws a ProviderError whose message is the
   * body's `error.message` (OpenAI and Anthropic both nest it there), never the raw body.
   */
  post(headers: Record<string, string>, body: unknown): Promise<IncomingMessage> {
    const payload = Buffer.from(JSON.stringify(body));
    const allHeaders: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': payload.length,
      ...headers,
    };
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const attempt = (retried: boolean): Promise<IncomingMessage> =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = send(
          this.url,
          { method: 'POST', headers: allHeaders, agent: this.agent, signal: this.deadline.controller.signal },
          resolve,
        );
        req.on('error', (error: NodeJS.ErrnoException) => {
          // A pooled socket the server closed while idle: the request never reached it, so send it again once.
          if (!retried && req.reusedSocket && error.code === 'ECONNRESET') resolve(attempt(true));
          else reject(error);
        });
        req.end(payload);
      });
    return attempt(false).then(async (res) => {
      this.response = res;
      this.deadline.touch();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      const text = await this.readText(res, MAX_ERROR_BODY).catch(() => '');
      let message = `${this.config.name} returned HTTP ${status}`;
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
      throw new ProviderError(kind, message, this.config.name, status, type, code);
    });
  }

  /** The whole body as text; stops (and drops the connection) past `limit` bytes. */
  async readText(res: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<string> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of res) {
      this.deadline.touch();
      size += (part as Buffer).length;
      if (size > limit) {
        res.destroy();
        break;
      }
      parts.push(part as Buffer);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  /** The whole body parsed as JSON; a body that is not JSON is a `protocol` failure. */
  async readJson(res: IncomingMessage): Promise<unknown> {
    const text = await this.readText(res);
    try {
      return JSON.parse(text);
    } catch {
      throw new ProviderError(
        'protocol',
        `${this.config.name} returned a body that is not JSON`,
        this.config.name,
        res.statusCode,
      );
    }
  }

  /** The response's server-sent events, as they arrive (each byte restarts the read clock). */
  async *events(res: IncomingMessage): AsyncGenerator<SseEvent, void, undefined> {
    const parser = new SseParser();
    for await (const bytes of res) {
      this.deadline.touch(this.settled ? SETTLE_GRACE_MS : undefined);
      yield* parser.feed(bytes as Buffer);
    }
    yield* parser.end();
  }

  /** The answer is complete: read on to the end of the response only briefly, so its connection can return to the pool. */
  settle(): void {
    this.settled = true;
    this.deadline.touch(SETTLE_GRACE_MS);
  }

  /** Any failure as a ProviderError: deadlines as `timeout`, everything else not already classified as `network`. */
  classify(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    const { name, timeoutMs, maxDurationMs } = this.config;
    if (this.deadline.timedOut === 'read') return new ProviderError('timeout', `${name} sent nothing for ${timeoutMs} ms`, name);
    if (this.deadline.timedOut === 'total') {
      return new ProviderError('timeout', `${name} did not finish within ${maxDurationMs} ms`, name);
    }
    const detail = (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? 'unknown error';
    return new ProviderError('network', `${name} is unreachable (${detail})`, name);
  }

  /** Stops the clocks; a response not read to its end cannot go back to the pool, so its socket is dropped. */
  close(): void {
    this.deadline.dispose();
    if (this.response && !this.response.complete) this.response.destroy();
  }
}
