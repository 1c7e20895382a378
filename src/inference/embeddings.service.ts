import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import type { ProviderType } from '../config/gateway-config.schema.js';
import { CompletionRecorder } from '../routing-log/completion-recorder.js';
import { PendingWrites } from '../routing-log/pending-writes.js';
import type { FallbackAttempt } from '../routing-log/routing-log.row.js';
import { RoutingLogWriter } from '../routing-log/routing-log.writer.js';
import { type EmbeddingsRequest, upstreamEmbeddingsBody } from './embeddings-request.schema.js';
import { CLIENT_CLOSED_STATUS } from './inference.service.js';
import { type Candidate, ModelRouter } from './model-router.js';
import { Pricing } from './pricing.js';
import { ProviderRegistry } from './provider-registry.js';
import type { EmbeddingsResponse } from './providers/embeddings-provider.js';
import { ProviderError } from './providers/provider-error.js';
import { ShutdownSignal } from './shutdown-signal.js';

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
}

/** An embeddings request that passed validation and routing: it owns its row from here on. */
export interface PlannedEmbedding {
  readonly id: string;
  readonly request: EmbeddingsRequest;
  readonly recorder: CompletionRecorder;
  readonly candidates: readonly Candidate[];
  readonly skipped: readonly FallbackAttempt[];
  readonly started: number;
}

export interface EmbeddedResult {
  readonly route: { provider: string; model: string; tier: number };
  readonly body: EmbeddingsResponse & Record<string, unknown>;
}

function since(started: number): number {
  return Math.max(0, Math.round(performance.now() - started));
}

function attempt(candidate: Candidate) {
  return { provider: candidate.provider.name, model: candidate.model, tier: candidate.tier };
}

function routeColumns(candidate: Candidate) {
  return {
    routed_provider: candidate.provider.name,
    routed_model: candidate.model,
    routed_inference_tier: candidate.tier,
  };
}

/** A failure after the row was minted names its receipt, as a success does. */
function withCompletionId(error: AppError, id: string): AppError {
  return new AppError(error.code, error.message, error.details, error.status, { ...error.headers, 'X-Completion-Id': id });
}

function clientClosed(id: string): AppError {
  return withCompletionId(new AppError(ErrorCode.InvalidRequest, 'The client closed the request.', {}, CLIENT_CLOSED_STATUS), id);
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
    private readonly router: ModelRouter,
    private readonly providers: ProviderRegistry,
    private readonly pricing: Pricing,
    private readonly writer: RoutingLogWriter,
    private readonly pending: PendingWrites,
    private readonly shutdown: ShutdownSignal,
  ) {}

  /** Mints the row and plans the candidates; a refusal or a request nothing can serve is recorded, then thrown. */
  async begin(input: EmbeddingsInput): Promise<PlannedEmbedding> {
    const started = performance.now();
    const { request } = input;
    const recorder = new CompletionRecorder(
      {
        id: randomUUID(),
        request_id: input.requestId,
        timestamp: new Date(),
        user_id: input.user.id,
        chat_id: null,
        message_id: null,
        requested_model: request.model,
        stream: false,
        purpose: 'embedding',
      },
      this.writer,
      this.pending,
    );
    if (this.shutdown.draining) {
      await recorder.record({ outcome: 'shutdown', error_code: ErrorCode.ServiceUnavailable, error_reason: 'shutting_down' });
      throw new AppError(ErrorCode.ServiceUnavailable, 'The server is shutting down.');
    }
    const resolution = this.router.resolve(request.model);
    if (!resolution.ok) {
      await recorder.record({ outcome: 'refused', refused: true, refusal_reason: `invalid_model:${resolution.message}` });
      throw new AppError(ErrorCode.InvalidModel, resolution.message, { requested_model: request.model });
    }
    const [primary] = resolution.candidates;
    const floor = this.floor(input);
    const skipped: FallbackAttempt[] = [];
    const candidates: Candidate[] = [];
    let couldEmbedIfEnabled = false;
    for (const candidate of resolution.candidates) {
      const tried = attempt(candidate);
      if (floor && candidate.tier > floor.value) skipped.push({ ...tried, reason: 'tier_below_minimum' });
      else if (!EMBEDDING_TYPES.has(candidate.provider.type)) skipped.push({ ...tried, reason: 'embeddings_not_supported' });
      else if (!this.providers.embedder(candidate.provider.name)) {
        couldEmbedIfEnabled = true;
        skipped.push({ ...tried, reason: candidate.provider.enabled ? 'no_adapter' : 'provider_disabled' });
      } else candidates.push(candidate);
    }
    if (candidates.length > 0) return { id: recorder.identity.id, request, recorder, candidates, skipped, started };

    if (floor && resolution.candidates.every((c) => c.tier > floor.value)) {
      await recorder.record({
        outcome: 'refused',
        ...routeColumns(primary),
        refused: true,
        refusal_reason: `tier_below_minimum:required=${floor.value}:resolved=${primary.tier}:source=${floor.source}`,
        latency_ms: since(started),
      });
      throw new AppError(
        ErrorCode.TierBelowMinimum,
        `Request requires Inference Tier ${floor.value} or stronger (source: ${floor.source}), but the routed model resolves to tier ${primary.tier}, which is weaker.`,
        {
          required_tier: floor.value,
          resolved_tier: primary.tier,
          source: floor.source,
          requested_model: request.model,
          routed_provider: primary.provider.name,
          routed_model: primary.model,
        },
      );
    }
    const tried = skipped.map((s) => `${s.provider}/${s.model}:${s.reason}`);
    if (couldEmbedIfEnabled) {
      await recorder.record({
        outcome: 'failed',
        ...routeColumns(primary),
        error_code: ErrorCode.ProviderUnavailable,
        error_reason: 'adapter_unavailable:no enabled provider can embed for this model',
        fallbacks: skipped,
        latency_ms: since(started),
      });
      throw new AppError(
        ErrorCode.ProviderUnavailable,
        `No enabled provider can embed with '${request.model}'; check that the provider's credential variable is set.`,
        { requested_model: request.model, tried },
        503,
      );
    }
    await recorder.record({
      outcome: 'failed',
      ...routeColumns(primary),
      error_code: ErrorCode.NotImplemented,
      error_reason: 'not_implemented:no candidate provider offers embeddings',
      fallbacks: skipped,
      latency_ms: since(started),
    });
    throw new AppError(ErrorCode.NotImplemented, `No provider behind '${request.model}' offers embeddings.`, {
      requested_model: request.model,
      tried,
    });
  }

  /**
   * Tries the candidates in order. Network errors, timeouts, 5xx, 429, unreadable bodies, and an
   * adapter that cannot embed this input move on to the next; other errors stop. One row either way,
   * committed before this resolves.
   */
  async embed(plan: PlannedEmbedding, signal: AbortSignal): Promise<EmbeddedResult> {
    const fallbacks = [...plan.skipped];
    let failure: { candidate: Candidate; error: ProviderError; eligible: boolean } | undefined;
    for (const candidate of plan.candidates) {
      const adapter = this.providers.embedder(candidate.provider.name)!;
      let body: EmbeddingsResponse;
      try {
        body = await adapter.embed(upstreamEmbeddingsBody(plan.request, candidate.model), signal);
      } catch (error) {
        if (signal.aborted) {
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
        if (!eligible) break;
        fallbacks.push({ ...attempt(candidate), reason: providerError.reason });
        continue;
      }
      const tokensIn = promptTokens(body);
      const cost = this.pricing.cost(candidate.provider.name, candidate.model, tokensIn, 0);
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

  /** The strictest of the request's `minimum_inference_tier` and the API key's floor. */
  private floor(input: EmbeddingsInput): { value: number; source: string } | null {
    const sources: [number | null | undefined, string][] = [
      [input.request.minimum_inference_tier, 'request'],
      [input.user.keyMinimumTier, 'api_key'],
    ];
    let floor: { value: number; source: string } | null = null;
    for (const [value, source] of sources) {
      if (value != null && (floor === null || value < floor.value)) floor = { value, source };
    }
    return floor;
  }

  private asProviderError(error: unknown, candidate: Candidate): ProviderError {
    if (error instanceof ProviderError) return error;
    this.logger.error(`unexpected error from provider ${candidate.provider.name}: ${(error as Error)?.stack ?? error}`);
    return new ProviderError('protocol', `${candidate.provider.name} failed unexpectedly`, candidate.provider.name);
  }
}
