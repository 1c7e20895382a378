import type { ServerResponse } from 'node:http';
import { createParamDecorator, type ExecutionContext, Res } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { whenWritable } from './backpressure.js';

/**
 * Everything about putting an answer on the wire, in one place for the gateway and chat turns:
 * a controller returns an Answer (a JSON body, or an Observable of SSE frames) and `@AnswerRoute()`
 * writes it. Headers are committed only when the controller returns, which is after
 * the upstream's first chunk, so a failure before the first byte is still a real status (thrown,
 * and written by the error filter) or a fallback.
 */
export type Answer = JsonAnswer | SseAnswer;

export interface JsonAnswer {
  readonly kind: 'json';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface SseAnswer {
  readonly kind: 'sse';
  readonly headers: Readonly<Record<string, string>>;
  /** Complete frames (`data: …\n\n`); the response ends when it completes or errors. */
  readonly frames$: Observable<string>;
}

export function jsonAnswer(body: unknown, headers: Record<string, string>, status = 200): JsonAnswer {
  return { kind: 'json', status, headers, body };
}

export function sseAnswer(headers: Record<string, string>, frames$: Observable<string>): SseAnswer {
  return { kind: 'sse', headers, frames$ };
}

/** The client at the other end of the response, as the pipeline needs it. */
export interface ClientConnection {
  /** Aborts when the client goes away before the response finished (detected on the response). */
  readonly signal: AbortSignal;
  /** Resolves once the socket can take more, so a slow client slows the upstream read. */
  readonly backpressure: () => Promise<void>;
}

const CONNECTION = Symbol('clientConnection');

export function connectionOf(res: ServerResponse & { [CONNECTION]?: ClientConnection }): ClientConnection {
  if (res[CONNECTION]) return res[CONNECTION];
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client closed'));
  });
  res[CONNECTION] = { signal: controller.signal, backpressure: () => whenWritable(res) };
  return res[CONNECTION];
}

/** The route's ClientConnection (disconnect signal and backpressure of its response). */
export const Client = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  connectionOf(ctx.switchToHttp().getResponse<ServerResponse>()),
);

function writeSse(res: ServerResponse, answer: SseAnswer): void {
  if (res.destroyed || connectionOf(res).signal.aborted) {
    // The client left while the upstream was opening: subscribe-and-drop runs the pipeline's
    // finalize, which records the row and releases the upstream.
    answer.frames$.subscribe().unsubscribe();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  // Corked, the headers leave in one write with the frames the subscription emits synchronously
  // (the upstream's first chunk is already in hand) rather than in a write of their own.
  res.cork();
  res.flushHeaders();
  // Frames emitted in one turn (a batch, or `[DONE]` and the end of the body) leave in one write.
  let corked = true;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  const subscription = answer.frames$.subscribe({
    next: (frame) => {
      if (res.writableEnded) return;
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      res.write(frame);
    },
    error: () => res.end(),
    complete: () => res.end(),
  });
  if (corked) process.nextTick(uncork);
  // A client that goes away unsubscribes, which runs the pipeline's finalize.
  res.on('close', () => subscription.unsubscribe());
}

/** A JSON body with Express's `res.json` headers, on any Node response (Express's or the fast lane's). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Writes an Answer to its response. */
export function writeAnswer(res: ServerResponse, answer: Answer): void {
  if (answer.kind === 'sse') {
    writeSse(res, answer);
    return;
  }
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  sendJson(res, answer.status, answer.body);
}

/** A handler as written (before `@AnswerRoute()` wrapped it): the request, its ClientConnection, and the Answer it returns. */
export type AnswerHandler = (...args: unknown[]) => Promise<Answer>;

const HANDLER = Symbol('answerHandler');

/** The handler `@AnswerRoute()` wrapped (the fast lane calls it itself, with its own request and ClientConnection). */
export function answerHandlerOf(route: unknown): AnswerHandler {
  const handler = (route as { [HANDLER]?: AnswerHandler })[HANDLER];
  if (!handler) throw new Error('not an @AnswerRoute() method');
  return handler;
}

/**
 * A route whose handler returns an Answer, which this writes. The `@Res()` it applies past the
 * handler's declared parameters tells Nest that the response is handled, so Nest does not write it
 * as well; the handler never sees that argument. A plain wrapper rather than an interceptor: Nest's
 * interceptor machinery cost ~0.4 ms of CPU per request (`npm run bench:gateway`). Errors the
 * handler throws reach the error filter as usual.
 */
export function AnswerRoute(): MethodDecorator {
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as AnswerHandler;
    const responseIndex = handler.length;
    Res()(target, key, responseIndex);
    const route = async function (this: unknown, ...args: unknown[]): Promise<void> {
      writeAnswer(args[responseIndex] as ServerResponse, await handler.apply(this, args));
    };
    Object.defineProperty(route, HANDLER, { value: handler });
    // Route metadata set by decorators applied before this one stays with the method.
    for (const metadataKey of Reflect.getMetadataKeys(handler)) {
      Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, handler), route);
    }
    Object.defineProperty(route, 'name', { value: handler.name });
    descriptor.value = route;
  };
}
