import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA } from '@nestjs/common/constants.js';
import { sendError, toAppError } from './error.filter.js';
import { jsonBodyMiddleware, requestIdMiddleware } from './http-middleware.js';
import type { ObserveRequest } from './http-telemetry.js';
import { type Answer, answerHandlerOf, type ClientConnection, connectionOf, writeAnswer } from './http-transport.js';
import type { TallyRequest } from './request-context.js';

/** One route of the lane: an exact path answered with POST by an `@AnswerRoute()` method of a controller. */
export interface LaneRoute {
  readonly path: string;
  readonly controller: object;
  readonly method: string;
}

export interface LaneSteps {
  readonly observe: ObserveRequest;
  readonly maxBodyBytes: number;
  /** Authenticates the request and takes it from its rate limits (the guard's work); throws the AppError. */
  readonly admit: (req: TallyRequest) => Promise<unknown>;
  /** True when a route's handler or class carries metadata the lane would skip (public, admin-only). */
  readonly needsGuard: (handler: object, controller: object) => boolean;
}

const NEST_STEPS = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA];

type Handle = (req: TallyRequest, client: ClientConnection) => Promise<Answer>;

/**
 * The gateway's hot routes straight from `node:http` to their handlers. An OpenAI-compatible call does
 * the same steps as through Express and Nest — request id, request telemetry, the body middleware,
 * the API-key guard and rate limits, the handler, the Answer writer, the error envelope — but without
 * Express's router and Nest's execution context around them (~0.3 ms of CPU per request on this
 * machine, see docs/decisions.md). Every other request, and every other method or spelling of these
 * paths, goes to Express as before.
 *
 * Only routes the lane can serve exactly as Nest would are accepted: a method with route-level guards,
 * interceptors or pipes, or marked public or admin-only, fails the start-up instead of being bypassed.
 */
export function installFastLane(server: Server, routes: readonly LaneRoute[], steps: LaneSteps): void {
  const logger = new Logger('FastLane');
  const handlers = new Map<string, Handle>();
  for (const route of routes) {
    const wrapped = (route.controller as Record<string, unknown>)[route.method] as object;
    const cls = route.controller.constructor;
    const extra = NEST_STEPS.filter((key) => Reflect.getMetadata(key, wrapped) ?? Reflect.getMetadata(key, cls));
    if (extra.length > 0 || steps.needsGuard(wrapped, cls)) {
      throw new Error(
        `${cls.name}.${route.method} has per-route steps the fast lane would skip (${extra.join(', ') || 'auth metadata'})`,
      );
    }
    const handler = answerHandlerOf(wrapped);
    handlers.set(route.path, (req, client) => handler.call(route.controller, req, client));
  }
  const readBody = jsonBodyMiddleware(steps.maxBodyBytes);

  const run = async (req: TallyRequest, res: ServerResponse, handle: Handle) => {
    try {
      await steps.admit(req);
      writeAnswer(res, await handle(req, connectionOf(res)));
    } catch (error) {
      sendError(res, toAppError(error, req, logger));
    }
  };

  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) throw new Error(`expected one request listener (Express), found ${listeners.length}`);
  const [express] = listeners;
  server.removeListener('request', express);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      const url = req.url ?? '';
      const query = url.indexOf('?');
      const path = query === -1 ? url : url.slice(0, query);
      const handle = handlers.get(path);
      if (handle) {
        const tally = req as TallyRequest;
        requestIdMiddleware(req, res, noop);
        steps.observe(req, res, () => path);
        readBody(req, res, () => void run(tally, res, handle));
        return;
      }
    }
    express(req, res);
  });
}

function noop(): void {}
