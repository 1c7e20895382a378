import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { catchError, concat, map, of } from 'rxjs';
import { AppError } from '../common/app-error.js';
import type { TallyRequest } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { parseChatRequest } from './chat-request.schema.js';
import { type Completion, InferenceService, type Route } from './inference.service.js';
import { ModelsCatalog } from './models.catalog.js';
import { DONE_FRAME, dataFrame } from './sse/sse-frames.js';
import { respondWithSse, writable } from './sse/sse-responder.js';

function routeHeaders(completion: Completion, route: Route): Record<string, string> {
  return {
    'X-Routed-Provider': route.provider,
    'X-Routed-Inference-Tier': String(route.tier),
    'X-Completion-Id': completion.id,
  };
}

/** Aborts when the client goes away before the response finished (detected on the response). */
function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client closed'));
  });
  return controller.signal;
}

@Controller('v1')
export class InferenceController {
  constructor(
    private readonly inference: InferenceService,
    private readonly catalog: ModelsCatalog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('models')
  models() {
    return { object: 'list', data: this.catalog.list() };
  }

  @Post('chat/completions')
  async createChatCompletion(@Req() req: TallyRequest, @Res() res: Response): Promise<void> {
    const request = parseChatRequest(req.parsedBody, {
      maxMessages: this.config.limits.max_messages,
      maxChars: this.config.limits.max_chars,
    });
    const completion = await this.inference.begin({ request, user: req.user!, requestId: req.requestId });
    res.setHeader('X-Completion-Id', completion.id);
    const gone = clientGone(res);
    if (!request.stream) {
      const { route, body } = await this.inference.complete(completion, gone);
      res.set(routeHeaders(completion, route)).status(200).json(body);
      return;
    }
    if (gone.aborted) return this.inference.abandon(completion);
    const opened = await this.inference.openStream(completion, gone, writable(res));
    if (gone.aborted) {
      // The client left while the upstream was opening: subscribe-and-drop records the row and aborts it.
      opened.chunks$.subscribe().unsubscribe();
      return;
    }
    const frames$ = concat(opened.chunks$.pipe(map(dataFrame)), of(DONE_FRAME)).pipe(
      catchError((error: unknown) =>
        of(dataFrame((error instanceof AppError ? error : AppError.internal()).toEnvelope()), DONE_FRAME),
      ),
    );
    respondWithSse(res, frames$, routeHeaders(completion, opened.route));
  }
}
