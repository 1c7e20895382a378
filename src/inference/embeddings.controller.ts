import { Controller, Post, Req } from '@nestjs/common';
import { type Answer, AnswerRoute, Client, type ClientConnection, jsonAnswer } from '../common/http-transport.js';
import type { TallyRequest } from '../common/request-context.js';
import { GatewayConfigHolder } from '../config/gateway-config.holder.js';
import { EmbeddingsService } from './embeddings.service.js';
import { parseEmbeddingsRequest } from './embeddings-request.schema.js';

@Controller('v1')
export class EmbeddingsController {
  constructor(
    private readonly embeddings: EmbeddingsService,
    private readonly gateway: GatewayConfigHolder,
  ) {}

  @Post('embeddings')
  @AnswerRoute()
  async createEmbeddings(@Req() req: TallyRequest, @Client() client: ClientConnection): Promise<Answer> {
    const request = parseEmbeddingsRequest(req.parsedBody, { maxChars: this.gateway.current.limits.max_chars });
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
