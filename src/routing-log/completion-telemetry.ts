import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import type { WriteResult } from '../durability/durable-writer.js';
import { APP_LOGGER, type AppLogger } from '../observability/logging.js';
import { MetricsService } from '../observability/metrics.service.js';
import type { CompletionContext } from './completion-recorder.js';
import type { RoutingLogRow } from './routing-log.row.js';

/** OpenTelemetry GenAI semantic conventions: explicit bucket boundaries of the client metrics. */
export const GEN_AI_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
export const GEN_AI_SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

type GenAiLabel =
  | 'gen_ai_operation_name'
  | 'gen_ai_provider_name'
  | 'gen_ai_request_model'
  | 'gen_ai_response_model'
  | 'error_type';

/**
 * What a completion leaves besides its row, once its row is persisted: one structured log line and
 * its metrics (`tally_completions_total`, and the GenAI client histograms when a provider was called).
 * Metadata only, as the row: never prompt or completion text, never the key.
 */
@Injectable()
export class CompletionTelemetry implements OnApplicationShutdown {
  /** Completions whose line and metrics are still to be taken (after their responses left, see `later`). */
  private queue: [RoutingLogRow, CompletionContext, WriteResult][] = [];
  private scheduled = false;
  private readonly drain = () => {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const [row, context, persisted] of queue) this.completed(row, context, persisted);
  };
  private readonly completions: Counter<'outcome' | 'provider' | 'persisted'>;
  private readonly tokenUsage: Histogram<GenAiLabel | 'gen_ai_token_type'>;
  private readonly duration: Histogram<GenAiLabel>;
  private readonly timeToFirstChunk: Histogram<GenAiLabel>;

  constructor(
    metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.completions = metrics.counter(
      'tally_completions_total',
      'Completions by outcome and provider, counted when their row is persisted.',
      ['outcome', 'provider', 'persisted'],
    );
    const labels: GenAiLabel[] = [
      'gen_ai_operation_name',
      'gen_ai_provider_name',
      'gen_ai_request_model',
      'gen_ai_response_model',
      'error_type',
    ];
    this.tokenUsage = metrics.histogram(
      'gen_ai_client_token_usage',
      'Number of input and output tokens used, per GenAI client operation (unit: tokens).',
      [...labels, 'gen_ai_token_type'],
      GEN_AI_TOKEN_BUCKETS,
    );
    this.duration = metrics.histogram(
      'gen_ai_client_operation_duration_seconds',
      'GenAI operation duration: arrival to the persisted row.',
      labels,
      GEN_AI_SECONDS_BUCKETS,
    );
    this.timeToFirstChunk = metrics.histogram(
      'gen_ai_client_operation_time_to_first_chunk_seconds',
      'Time to the first content chunk of a streaming GenAI operation.',
      labels,
      GEN_AI_SECONDS_BUCKETS,
    );
  }

  /**
   * Takes the completion's line and metrics in the next turn of the event loop: the caller resolves
   * first, so the response (or the `[DONE]` frame) leaves before this work rather than after it.
   * Shutdown takes whatever is still queued.
   */
  later(row: RoutingLogRow, context: CompletionContext, persisted: WriteResult): void {
    this.queue.push([row, context, persisted]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  onApplicationShutdown(): void {
    this.drain();
  }

  completed(row: RoutingLogRow, context: CompletionContext, persisted: WriteResult): void {
    this.completions.inc({ outcome: row.outcome, provider: row.routed_provider, persisted });
    if (context.upstream) this.recordOperation(row, context);
    this.logger.info(
      {
        event: 'completion',
        request_id: row.request_id,
        completion_id: row.id,
        user_id: row.user_id,
        api_key_prefix: context.apiKeyPrefix,
        operation: context.operation,
        requested_model: row.requested_model,
        provider: row.routed_provider,
        model: row.routed_model,
        tier: row.routed_inference_tier,
        stream: row.stream,
        outcome: row.outcome,
        error_code: row.error_code,
        tokens_in: row.tokens_in,
        tokens_out: row.tokens_out,
        cost_usd: row.cost_usd,
        latency_ms: row.latency_ms,
        ttft_ms: row.ttft_ms,
        anonymized: row.anonymization_applied,
        persisted,
      },
      'completion',
    );
  }

  private recordOperation(row: RoutingLogRow, context: CompletionContext): void {
    const labels: Partial<Record<GenAiLabel, string>> = {
      gen_ai_operation_name: context.operation,
      gen_ai_provider_name: row.routed_provider,
      gen_ai_request_model: row.routed_model,
      gen_ai_response_model: row.routed_model,
    };
    // error.type is conditionally required: set exactly when the operation ended in an error.
    if (row.outcome !== 'completed') labels.error_type = row.error_code ?? row.outcome;
    if (row.latency_ms !== null) this.duration.observe(labels, row.latency_ms / 1000);
    if (row.stream && row.ttft_ms !== null) this.timeToFirstChunk.observe(labels, row.ttft_ms / 1000);
    if (row.tokens_in !== null) this.tokenUsage.observe({ ...labels, gen_ai_token_type: 'input' }, row.tokens_in);
    if (row.tokens_out !== null) this.tokenUsage.observe({ ...labels, gen_ai_token_type: 'output' }, row.tokens_out);
  }
}
