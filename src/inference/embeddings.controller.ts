import { Controller, Inject, Post, Req } from '@nestjs/common';
import { type Answer, AnswerRoute, Client, type ClientConnection, jsonAnswer } from '../common/http-transport.js';
import type { TallyRequest } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { EmbeddingsService } from './embeddings.service.js';
import { parseEmbeddingsRequest } from './embeddings-request.schema.js';

@Controller('v1')
export class EmbeddingsController {
  constructor(
    private readonly embeddings: EmbeddingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('embeddings')
  @AnswerRoute()
  async createEmbeddings(@Req() req: TallyRequest, @Client() client: ClientConnection): Promise<Answer> {
    const request = parseEmbeddingsRequest(req.parsedBody, { maxChars: this.config.limits.max_chars });
    const plan = await this.embeddings.begin({ request, user: req.user!, requestId: req.requestId, carrier: req.headers });
    if (client.signal.aborted) throw this.embeddings.abandon(plan);
    const { route, body } = await this.embeddings.embed(plan, client.signal);
    return jsonAnswer(body, {
      'X-Routed-Provider': route.provider,
      'X-Routed-Inference-Tier': String(route.tier),
      'X-Completion-Id': plan.id,
    });
  }
}
