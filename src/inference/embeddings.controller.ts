import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { TallyRequest } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { EmbeddingsService } from './embeddings.service.js';
import { parseEmbeddingsRequest } from './embeddings-request.schema.js';

/** Aborts when the client goes away before the response finished (detected on the response). */
function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client closed'));
  });
  return controller.signal;
}

@Controller('v1')
export class EmbeddingsController {
  constructor(
    private readonly embeddings: EmbeddingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('embeddings')
  async createEmbeddings(@Req() req: TallyRequest, @Res() res: Response): Promise<void> {
    const request = parseEmbeddingsRequest(req.parsedBody, { maxChars: this.config.limits.max_chars });
    const plan = await this.embeddings.begin({ request, user: req.user!, requestId: req.requestId });
    res.setHeader('X-Completion-Id', plan.id);
    const gone = clientGone(res);
    if (gone.aborted) return this.embeddings.abandon(plan);
    const { route, body } = await this.embeddings.embed(plan, gone);
    res
      .set({ 'X-Routed-Provider': route.provider, 'X-Routed-Inference-Tier': String(route.tier), 'X-Completion-Id': plan.id })
      .status(200)
      .json(body);
  }
}
