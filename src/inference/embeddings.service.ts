import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import type { ProviderType } from '../config/gateway-config.schema.js';
import type { TraceCarrier } from '../observability/tracing.js';
import {
  attempt,
  CompletionPlanner,
  clientClosed,
  type Plan,
  routeColumns,
  since,
  strictestFloor,
  withCompletionId,
} from './completion-planner.js';
import { failAttempt, startAttempt } from './completion-trace.js';
import { type EmbeddingsRequest, upstreamEmbeddingsBody } from './embeddings-request.schema.js';
import type { Candidate } from './model-router.js';
import type { EmbeddingsResponse } from './providers/embeddings-provider.js';
import { ProviderError } from './providers/provider-error.js';
import { RoutingTables } from './routing-table.js';

/** Provider types whose adapters embed (`simulated` computes vectors itself); others are skipped. */
const EMBEDDING_TYPES: ReadonlySet<ProviderType> = new Set([
  'openai',
  'openai_compatible',
  'azure_openai',
  'ollama',
  'simulated',
]);

export interface EmbeddingsInput {
  readonly request: EmbeddingsRequest;
  readonly user: AuthenticatedUser;
  readonly requestId: string;
  /** The incoming request's headers (W3C trace context of the caller). */
  readonly carrier?: TraceCarrier;
}

/** An embeddings request that passed validation and routing: it owns its row from here on. */
export interface PlannedEmbedding extends Plan {
  readonly request: EmbeddingsRequest;
}

export interface EmbeddedResult {
  readonly route: { provider: string; model: string; tier: number };
  readonly body: EmbeddingsResponse & Record<string, unknown>;
}

function promptTokens(body: EmbeddingsResponse): number | null {
  const tokens = body.usage?.prompt_tokens;
  return typeof tokens === 'number' && Number.isInteger(tokens) && tokens >= 0 ? tokens : null;
}

/**
 * `POST /v1/embeddings`: the chat pipeline's routing (aliases, provider/model, bare names, tier
 * floors, fallback on network errors, timeouts, 5xx and 429) over the candidates that can embed, and
 * exactly one routing-log row per request with purpose `embedding`. Candidates whose provider type
 * has no embeddings are skipped and listed in `fallbacks`; when none can embed the answer is 501.
 */
@Injectable()
export class EmbeddingsService {
  private readonly logger = new Logger('EmbeddingsService');

  constructor(
    private readonly planner: CompletionPlanner,
    private readonly routing: RoutingTables,
  ) {}

  /** Mints the row and plans the candidates; a refusal or a request nothing can serve is recorded, then thrown. */
  async begin(input: EmbeddingsInput): Promise<PlannedEmbedding> {
    const { request } = input;
    const routing = this.routing.current;
    const plan = await this.planner.plan({
      identity: {
        request_id: input.requestId,
        chat_id: null,
        message_id: null,
        requested_model: request.model,
        stream: false,
        purpose: 'embedding',
      },
      user: input.user,
      carrier: input.carrier,
      operation: 'embeddings',
      routing,
      floor: strictestFloor([
        [request.minimum_inference_tier, 'request'],
        [input.user.keyMinimumTier, 'api_key'],
      ]),
      unusable: (candidate) => {
        if (!EMBEDDING_TYPES.has(candidate.provider.type)) return 'embeddings_not_supported';
        if (!routing.providers.embedder(candidate.provider.name))
          return candidate.provider.enabled ? 'no_adapter' : 'provider_disabled';
        return undefined;
      },
      nothingUsable: (skipped) => {
        const tried = skipped.map((s) => `${s.provider}/${s.model}:${s.reason}`);
        // Some candidate could embed if its provider were switched on: that is an outage, not a missing feature.
        if (skipped.some((s) => s.reason === 'no_adapter' || s.reason === 'provider_disabled')) {
          return {
            error_reason: 'adapter_unavailable:no enabled provider can embed for this model',
            error: new AppError(
              ErrorCode.ProviderUnavailable,
              `No enabled provider can embed with '${request.model}'; check that the provider's credential variable is set.`,
              { requested_model: request.model, tried },
              503,
            ),
          };
        }
        return {
          error_reason: 'not_implemented:no candidate provider offers embeddings',
          error: new AppError(ErrorCode.NotImplemented, `No provider behind '${request.model}' offers embeddings.`, {
            requested_model: request.model,
            tried,
          }),
        };
      },
    });
    return { ...plan, request };
  }

  /**
   * Tries the candidates in order. Network errors, timeouts, 5xx, 429, unreadable bodies, and an
   * adapter that cannot embed this input move on to the next; other errors stop. One row either way,
   * committed before this resolves.
   */
  async embed(plan: PlannedEmbedding, signal: AbortSignal): Promise<EmbeddedResult> {
    const fallbacks = [...plan.skipped];
    let failure: { candidate: Candidate; error: ProviderError; eligible: boolean } | undefined;
    for (const [index, candidate] of plan.candidates.entries()) {
      const adapter = plan.routing.providers.embedder(candidate.provider.name)!;
      const span = startAttempt(plan.span, 'embeddings', candidate, index);
      let body: EmbeddingsResponse;
      try {
        // Run with the attempt's span active: the upstream request carries its traceparent.
        body = await span.run(() => adapter.embed(upstreamEmbeddingsBody(plan.request, candidate.model), signal));
      } catch (error) {
        if (signal.aborted) {
          span.setAttributes({ 'tally.failure_reason': 'client_closed' });
          span.end();
          await plan.recorder.record({
            outcome: 'client_closed',
            ...routeColumns(candidate),
            latency_ms: since(plan.started),
            fallbacks,
          });
          throw clientClosed(plan.id);
        }
        const providerError = this.asProviderError(error, candidate);
        const eligible = providerError.fallbackEligible || providerError.kind === 'unsupported';
        failure = { candidate, error: providerError, eligible };
        failAttempt(span, providerError);
        if (!eligible) break;
        fallbacks.push({ ...attempt(candidate), reason: providerError.reason });
        continue;
      }
      const tokensIn = promptTokens(body);
      span.setAttributes({ 'gen_ai.response.model': body.model, 'gen_ai.usage.input_tokens': tokensIn });
      span.end();
      const cost = plan.routing.pricing.cost(candidate.provider.name, candidate.model, tokensIn, 0);
      await plan.recorder.record({
        outcome: 'completed',
        ...routeColumns(candidate),
        tokens_in: tokensIn,
        tokens_out: 0, // an embedding generates no tokens: a known zero, not an unknown
        cost_usd: cost,
        latency_ms: since(plan.started),
        fallbacks,
      });
      const stamped: EmbeddedResult['body'] = {
        ...body,
        routed_provider: candidate.provider.name,
        routed_inference_tier: candidate.tier,
        anonymization_applied: false,
      };
      if (cost !== null) stamped.cost_estimate = Number(cost);
      return { route: attempt(candidate), body: stamped };
    }
    const { candidate, error, eligible } = failure!;
    this.logger.warn(`embedding ${plan.id} failed: ${error.reason}: ${error.message}`);
    await plan.recorder.record({
      outcome: 'failed',
      ...routeColumns(candidate),
      error_code: error.toAppError().code,
      error_reason: error.reason,
      latency_ms: since(plan.started),
      // The row is the last candidate's; only the ones before it are its fallbacks.
      fallbacks: eligible ? fallbacks.slice(0, -1) : fallbacks,
    });
    throw withCompletionId(error.toAppError(), plan.id);
  }

  /** Records `client_closed` for a request whose client left before it was sent upstream; returns the error that ends it. */
  abandon(plan: PlannedEmbedding): AppError {
    if (!plan.recorder.recorded) {
      void plan.recorder.record({
        outcome: 'client_closed',
        ...routeColumns(plan.candidates[0]),
        latency_ms: since(plan.started),
        fallbacks: [...plan.skipped],
      });
    }
    return clientClosed(plan.id);
  }

  private asProviderError(error: unknown, candidate: Candidate): ProviderError {
    if (error instanceof ProviderError) return error;
    this.logger.error(`unexpected error from provider ${candidate.provider.name}: ${(error as Error)?.stack ?? error}`);
    return new ProviderError('protocol', `${candidate.provider.name} failed unexpectedly`, candidate.provider.name);
  }
}
