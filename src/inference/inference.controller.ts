import { Controller, Get, Post, Req } from '@nestjs/common';
import { catchError, concat, concatMap, finalize, map, of } from 'rxjs';
import { type Answer, AnswerRoute, Client, type ClientConnection, jsonAnswer, sseAnswer } from '../common/http-transport.js';
import type { TallyRequest } from '../common/request-context.js';
import { GatewayConfigHolder } from '../config/gateway-config.holder.js';
import { parseChatRequest } from './chat-request.schema.js';
import { type Completion, InferenceService, type Route } from './inference.service.js';
import { ModelsCatalog } from './models.catalog.js';
import { DONE_FRAME, dataFrame } from './sse/sse-frames.js';

function routeHeaders(completion: Completion, route: Route): Record<string, string> {
  return {
    'X-Routed-Provider': route.provider,
    'X-Routed-Inference-Tier': String(route.tier),
    'X-Completion-Id': completion.id,
  };
}

@Controller('v1')
export class InferenceController {
  constructor(
    private readonly inference: InferenceService,
    private readonly catalog: ModelsCatalog,
    private readonly gateway: GatewayConfigHolder,
  ) {}

  @Get('models')
  async models() {
    return { object: 'list', data: await this.catalog.list() };
  }

  @Post('chat/completions')
  @AnswerRoute()
  async createChatCompletion(@Req() req: TallyRequest, @Client() client: ClientConnection): Promise<Answer> {
    const { limits } = this.gateway.current;
    const request = parseChatRequest(req.parsedBody, { maxMessages: limits.max_messages, maxChars: limits.max_chars });
    const completion = await this.inference.begin({ request, user: req.user!, requestId: req.requestId, carrier: req.headers });
    if (!request.stream) {
      const { route, body } = await this.inference.complete(completion, client.signal);
      return jsonAnswer(body, routeHeaders(completion, route));
    }
    if (client.signal.aborted) throw this.inference.abandon(completion);
    const stream = await this.inference.openStream(completion, client);
    // The receipt invariant: the row is persisted before [DONE], so a client closing on [DONE] cancels nothing.
    const frames$ = concat(
      stream.chunks$.pipe(map((batch) => batch.frames)),
      stream.persist$.pipe(concatMap(() => of(DONE_FRAME))),
    ).pipe(
      catchError((error: unknown) =>
        stream.failed$(error).pipe(concatMap((appError) => of(dataFrame(appError.toEnvelope()), DONE_FRAME))),
      ),
      finalize(() => stream.release()),
    );
    return sseAnswer(routeHeaders(completion, stream.route), frames$);
  }
}
