import { Injectable, Logger } from '@nestjs/common';
import { defer, map, Observable } from 'rxjs';
import { CompletionAnonymizer } from '../anonymization/completion-anonymizer.js';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { ClientConnection } from '../common/http-transport.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { LimitsService } from '../limits/limits.service.js';
import type { TraceCarrier, TraceSpan } from '../observability/tracing.js';
import { CompletionRecorder } from '../routing-log/completion-recorder.js';
import type { FallbackAttempt, Outcome, RoutingLogRow } from '../routing-log/routing-log.row.js';
import { type ChatRequest, upstreamBody } from './chat-request.schema.js';
import {
  attempt,
  CompletionPlanner,
  clientClosed,
  type Route,
  route,
  routeColumns,
  since,
  strictestFloor,
  withCompletionId,
} from './completion-planner.js';
import { failAttempt, startAttempt } from './completion-trace.js';
import { type Candidate } from './model-router.js';
import { type ChatCompletion, type ChatCompletionChunk, UPSTREAM_JSON, type Usage } from './openai.types.js';
import { cacheTokens } from './pricing.js';
import { ProviderError } from './providers/provider-error.js';
import { type RoutingTable, RoutingTables } from './routing-table.js';
import { ShutdownSignal } from './shutdown-signal.js';
import { dataFrame, memberCut } from './sse/sse-frames.js';

export { CLIENT_CLOSED_STATUS, type Route } from './completion-planner.js';

export interface CompletionInput {
  readonly request: ChatRequest;
  readonly user: AuthenticatedUser;
  readonly requestId: string;
  /** The incoming request's headers (W3C trace context of the caller). */
  readonly carrier?: TraceCarrier;
  /** Chat-turn callers pass these; direct API callers may set them in the body. */
  readonly chatId?: string | null;
  readonly messageId?: string | null;
  readonly chatMinimumTier?: number | null;
  readonly privileged?: boolean;
}

/** A completion that passed validation and routing: it owns its row from here on. */
export interface Completion {
  readonly id: string;
  /** The configuration version this completion was planned with; it keeps it to its end (a reload does not change it). */
  readonly routing: RoutingTable;
  readonly requestId: string;
  readonly request: ChatRequest;
  readonly recorder: CompletionRecorder;
  readonly candidates: readonly Candidate[];
  readonly skipped: readonly FallbackAttempt[];
  readonly started: number;
  readonly anonymizer: CompletionAnonymizer;
  /** The completion's span; each upstream attempt is a child of it. */
  readonly span: TraceSpan;
}

export interface CompletedJson {
  readonly route: Route;
  readonly body: ChatCompletion & Record<string, unknown>;
}

/**
 * Chunks as the client sees them (re-identified, stamped), in order: those of one upstream read, so a
 * caller handles and writes them at once.
 */
export class StreamBatch {
  #frames: string | undefined;

  /** `forwarded[i]`, when set, is chunk i's frame made from its upstream text (so it need not be serialised). */
  constructor(
    readonly chunks: readonly ChatCompletionChunk[],
    private readonly forwarded: readonly (string | undefined)[],
  ) {}

  /** Their SSE frames, `data: <json>\n\n` each, concatenated (made on first use: a chat turn sends its own). */
  get frames(): string {
    if (this.#frames === undefined) {
      let frames = '';
      for (let i = 0; i < this.chunks.length; i++) frames += this.forwarded[i] ?? dataFrame(this.chunks[i]);
      this.#frames = frames;
    }
    return this.#frames;
  }
}

/**
 * An upstream stream, opened, in the parts a caller's pipeline puts together as
 * `concat(chunks$, persist$ → terminal frame)` with `catchError(failed$)` and `finalize(release)`.
 */
export interface OpenedStream {
  readonly route: Route;
  /** Chunks as the client sees them, a batch per upstream read (never empty); completes when the upstream ends. Writes nothing. */
  readonly chunks$: Observable<StreamBatch>;
  /** Records the `completed` row with the usage `chunks$` saw; emits the row once it is persisted (committed or spooled). */
  readonly persist$: Observable<Readonly<RoutingLogRow>>;
  /** Records `failed` (or `shutdown`) with the usage seen so far unless recorded already; emits the error for the client. */
  failed$(error: unknown): Observable<AppError>;
  /** Records `client_closed` with the usage seen so far unless recorded already, and releases the upstream. */
  release(): void;
}

/**
 * The completion pipeline: resolve, check floors, open the upstream with fallback before the first
 * byte, stream, and persist exactly one routing-log row per completion whatever ends it.
 */
@Injectable()
export class InferenceService {
  private readonly logger = new Logger('InferenceService');

  constructor(
    private readonly planner: CompletionPlanner,
    private readonly routing: RoutingTables,
    private readonly shutdown: ShutdownSignal,
    private readonly limits: LimitsService,
  ) {}

  /**
   * Mints the completion and plans its candidates. A refusal (unknown model, tier floor, nothing
   * available) is recorded and thrown as an AppError; the row is committed before the throw.
   */
  async begin(input: CompletionInput): Promise<Completion> {
    const { request } = input;
    const routing = this.routing.current;
    const plan = await this.planner.plan({
      identity: {
        request_id: input.requestId,
        chat_id: input.chatId ?? request.chat_id ?? null,
        message_id: input.messageId ?? request.message_id ?? null,
        requested_model: request.model,
        stream: request.stream === true,
        purpose: request.purpose ?? 'chat',
      },
      user: input.user,
      carrier: input.carrier,
      operation: 'chat',
      routing,
      floor: strictestFloor([
        [request.minimum_inference_tier, 'request'],
        [input.chatMinimumTier, 'chat'],
        [input.user.keyMinimumTier, 'api_key'],
      ]),
      admit: (recorder) =>
        request.stream
          ? this.takeStreamSlot(input.user.apiKeyId, routing.config.limits.concurrent_streams_per_key, recorder)
          : undefined,
      unusable: (candidate) =>
        routing.providers.get(candidate.provider.name)
          ? undefined
          : candidate.provider.enabled
            ? 'no_adapter'
            : 'provider_disabled',
      nothingUsable: (skipped) => ({
        error_reason: 'adapter_unavailable:no enabled provider for this model',
        error: new AppError(
          ErrorCode.ProviderUnavailable,
          `No enabled provider can serve '${request.model}'; check that the provider's credential variable is set.`,
          { requested_model: request.model, tried: skipped.map((s) => `${s.provider}/${s.model}:${s.reason}`) },
          503,
        ),
      }),
    });
    return {
      ...plan,
      requestId: input.requestId,
      request,
      anonymizer: new CompletionAnonymizer(
        routing.config.anonymization,
        { privileged: input.privileged === true, optOut: request.anonymize === false },
        request.messages,
      ),
    };
  }

  /** A live-stream slot per key (`limits.concurrent_streams_per_key`, shared across replicas); it frees when the row is recorded. */
  private takeStreamSlot(keyId: string, limit: number, recorder: CompletionRecorder) {
    const slot = this.limits.takeStream(keyId, limit);
    if (slot) {
      recorder.whenRecorded(slot.release);
      return undefined;
    }
    return {
      refusal_reason: `concurrent_streams:limit=${limit}`,
      error: new AppError(ErrorCode.RateLimitExceeded, `At most ${limit} concurrent streams per API key.`, { limit }, 429, {
        'Retry-After': '1',
      }),
    };
  }

  /** Non-streaming: fallback across candidates, then one row, committed before this resolves. */
  complete(completion: Completion, signal: AbortSignal): Promise<CompletedJson> {
    return this.withFallback(completion, signal, async (candidate, fallbacks, span) => {
      const adapter = completion.routing.providers.get(candidate.provider.name)!;
      const body = await adapter.complete(this.bodyFor(completion, candidate), signal);
      const tokensIn = body.usage?.prompt_tokens ?? null;
      const tokensOut = body.usage?.completion_tokens ?? null;
      span.setAttributes({
        'gen_ai.response.model': body.model,
        'gen_ai.usage.input_tokens': tokensIn,
        'gen_ai.usage.output_tokens': tokensOut,
      });
      span.end();
      completion.anonymizer.rehydrateCompletion(body);
      const cost = completion.routing.pricing.cost(
        candidate.provider.name,
        candidate.model,
        tokensIn,
        tokensOut,
        cacheTokens(body.usage),
      );
      await completion.recorder.record({
        outcome: 'completed',
        ...routeColumns(candidate),
        ...completion.anonymizer.columns(candidate.tier),
        tokens_in: tokensIn,
        tokens_out: tokensOut,
        cost_usd: cost,
        latency_ms: since(completion.started),
        fallbacks,
      });
      const stamped: CompletedJson['body'] = {
        ...body,
        routed_provider: candidate.provider.name,
        routed_inference_tier: candidate.tier,
        anonymization_applied: completion.anonymizer.applies(candidate.tier),
      };
      if (cost !== null) stamped.cost_estimate = Number(cost);
      return { route: route(candidate), body: stamped };
    });
  }

  /**
   * Streaming: opens the upstream with fallback until its first chunk arrives (so a failure before the
   * first byte can still become a real HTTP status), then hands back the stream's parts for the
   * caller's pipeline (see OpenedStream).
   */
  openStream(completion: Completion, client: ClientConnection): Promise<OpenedStream> {
    const abort = new AbortController();
    client.signal.addEventListener('abort', () => abort.abort(new Error('client closed')), { once: true });
    return this.withFallback(completion, client.signal, async (candidate, fallbacks, span) => {
      const adapter = completion.routing.providers.get(candidate.provider.name)!;
      const iterator = adapter.stream(this.bodyFor(completion, candidate), abort.signal);
      const first = await iterator.next();
      if (first.done)
        throw new ProviderError('protocol', `${candidate.provider.name} sent an empty stream`, candidate.provider.name);
      span.setAttributes({ 'gen_ai.response.model': first.value[0].model });
      // The attempt lasts as long as its stream: it ends when the completion's outcome is recorded.
      completion.recorder.whenRecorded(() => {
        const row = completion.recorder.recordedRow!;
        span.setAttributes({ 'gen_ai.usage.input_tokens': row.tokens_in, 'gen_ai.usage.output_tokens': row.tokens_out });
        if (row.outcome === 'failed') span.fail(row.error_reason ?? 'failed');
        span.end();
      });
      return this.opened(completion, candidate, first.value, iterator, abort, fallbacks, client.backpressure);
    });
  }

  /**
   * Tries candidates in order until one opens. Network errors, timeouts, 5xx and 429 move on to the
   * next; anything else stops. When all fail, the failure row names the last one tried and the
   * others are its `fallbacks`. A client gone meanwhile is recorded as `client_closed`.
   */
  private async withFallback<T>(
    completion: Completion,
    signal: AbortSignal,
    open: (candidate: Candidate, fallbacks: FallbackAttempt[], span: TraceSpan) => Promise<T>,
  ): Promise<T> {
    const fallbacks = [...completion.skipped];
    let failure: { candidate: Candidate; error: ProviderError } | undefined;
    for (const [index, candidate] of completion.candidates.entries()) {
      const span = startAttempt(completion.span, 'chat', candidate, index);
      try {
        // Run with the attempt's span active: the upstream request carries its traceparent.
        return await span.run(() => open(candidate, fallbacks, span));
      } catch (error) {
        if (signal.aborted) {
          span.setAttributes({ 'tally.failure_reason': 'client_closed' });
          span.end();
          await this.recordEnd(completion, candidate, 'client_closed', fallbacks, null);
          throw clientClosed(completion.id);
        }
        failure = { candidate, error: this.asProviderError(error, candidate) };
        failAttempt(span, failure.error);
        if (!failure.error.fallbackEligible) break;
        fallbacks.push({ ...attempt(candidate), reason: failure.error.reason });
      }
    }
    const { candidate, error } = failure!;
    // The row is the last candidate's; only the ones before it are its fallbacks.
    await this.recordFailure(completion, candidate, error, error.fallbackEligible ? fallbacks.slice(0, -1) : fallbacks, null);
    throw withCompletionId(error.toAppError(), completion.id);
  }

  /**
   * Records `client_closed` for a completion abandoned before it was opened (detached, tracked), and
   * returns the error that ends the request.
   */
  abandon(completion: Completion): AppError {
    if (!completion.recorder.recorded) {
      void this.recordEnd(completion, completion.candidates[0], 'client_closed', [...completion.skipped], null);
    }
    return clientClosed(completion.id);
  }

  private opened(
    completion: Completion,
    candidate: Candidate,
    first: ChatCompletionChunk[],
    iterator: AsyncGenerator<ChatCompletionChunk[], void, undefined>,
    abort: AbortController,
    attempts: FallbackAttempt[],
    backpressure: ClientConnection['backpressure'],
  ): OpenedStream {
    const includeUsage = completion.request.stream_options?.include_usage === true;
    const provider = candidate.provider.name;
    const tier = candidate.tier;
    let usage: Usage | null = null;
    let ttft: number | null = null;
    /** What the stamp adds at the end of a forwarded chunk's object, and the frame's end. */
    const stampText = `,"routed_provider":${JSON.stringify(provider)},"routed_inference_tier":${JSON.stringify(tier)}}\n\n`;
    /**
     * The frame of a chunk from its upstream text with the stamp added and, when the client did not ask
     * for usage, the `usage` member cut, exactly as serialising the stamped chunk would say it; undefined
     * when the text cannot say that (a stamp field already there, a `usage` member not found plainly).
     */
    const forwardedFrame = (chunk: ChatCompletionChunk, json: string): string | undefined => {
      if (chunk.routed_provider !== undefined || chunk.routed_inference_tier !== undefined) return undefined;
      const close = json.lastIndexOf('}');
      if (includeUsage || chunk.usage === undefined) return `data: ${json.slice(0, close)}${stampText}`;
      const cut = memberCut(json, 'usage');
      return cut ? `data: ${json.slice(0, cut[0])}${json.slice(cut[1], close)}${stampText}` : undefined;
    };
    /**
     * Accounts for one chunk and stamps it for the client into `out` and its frame, when its upstream
     * text may be forwarded, into `frames` (unless the client did not ask for the chunk).
     */
    const stamp = (chunk: ChatCompletionChunk, out: ChatCompletionChunk[], frames: (string | undefined)[], forward: boolean) => {
      if (chunk.usage) usage = chunk.usage;
      if (ttft === null && chunk.choices.some((c) => c.delta?.content || c.delta?.tool_calls)) ttft = since(completion.started);
      if (!includeUsage && chunk.choices.length === 0) return; // the usage-only chunk the client did not ask for
      const json = forward ? chunk[UPSTREAM_JSON] : undefined;
      frames.push(json === undefined ? undefined : forwardedFrame(chunk, json));
      // Each chunk is this pipeline's own object (parsed from its frame, or built by the adapter or
      // the rehydrator), so it is stamped in place rather than copied once more per chunk.
      chunk.routed_provider = provider;
      chunk.routed_inference_tier = tier;
      // Omitted by JSON.stringify; `delete` would turn the object into a slow dictionary-mode one.
      if (!includeUsage && chunk.usage !== undefined) chunk.usage = undefined;
      out.push(chunk);
    };
    const usageColumns = () => {
      const u = usage as Usage | null;
      const tokensIn = u?.prompt_tokens ?? null;
      const tokensOut = u?.completion_tokens ?? null;
      return {
        tokens_in: tokensIn,
        tokens_out: tokensOut,
        cost_usd: completion.routing.pricing.cost(candidate.provider.name, candidate.model, tokensIn, tokensOut, cacheTokens(u)),
        ttft_ms: ttft,
      };
    };

    const rehydrator = completion.anonymizer.chunkRehydrator(candidate.tier);
    /** The adapter's generator has returned or thrown: its request is over, so `release` has nothing to cut. */
    let upstreamOver = false;
    const chunks$ = new Observable<StreamBatch>((subscriber) => {
      let stopped = false;
      /** One upstream batch (or the re-identifier's tail), stamped, to the subscriber as one StreamBatch. */
      const emit = (batch: readonly ChatCompletionChunk[], tail = false) => {
        const out: ChatCompletionChunk[] = [];
        const frames: (string | undefined)[] = [];
        for (const chunk of batch) {
          // Re-identified text differs from the upstream's: those chunks are serialised, never forwarded.
          if (!rehydrator) stamp(chunk, out, frames, true);
          else if (tail) stamp(chunk, out, frames, false);
          else for (const piece of rehydrator.transform(chunk)) stamp(piece, out, frames, false);
        }
        if (out.length > 0) subscriber.next(new StreamBatch(out, frames));
      };
      // Text held back by the re-identifier is never lost: it goes out at the end, also on errors.
      const emitTail = () => {
        const tail = rehydrator?.flush();
        if (tail) emit([tail], true);
      };
      const cutByShutdown = this.shutdown.onDeadline(() => abort.abort(new Error('shutdown')));
      const run = async () => {
        try {
          let next: IteratorResult<ChatCompletionChunk[], void> = { done: false, value: first };
          while (!next.done) {
            emit(next.value);
            await backpressure();
            if (stopped) return;
            try {
              next = await iterator.next();
            } catch (error) {
              upstreamOver = true;
              throw error;
            }
          }
          upstreamOver = true;
          emitTail();
          subscriber.complete();
        } catch (error) {
          if (stopped) return;
          emitTail();
          // A stream that failed part-way still cost the tokens its upstream reported so far: the
          // failure (or shutdown) row that failed$ records is priced from them.
          if (error instanceof ProviderError && error.usage) usage = error.usage;
          subscriber.error(error);
        }
      };
      void run();
      return () => {
        stopped = true;
        cutByShutdown();
      };
    });

    const persist$ = defer(() =>
      completion.recorder.record({
        outcome: 'completed',
        ...routeColumns(candidate),
        ...completion.anonymizer.columns(candidate.tier),
        ...usageColumns(),
        latency_ms: since(completion.started),
        fallbacks: attempts,
      }),
    ).pipe(map(() => completion.recorder.recordedRow!));

    const failed$ = (error: unknown) =>
      defer(async (): Promise<AppError> => {
        if (completion.recorder.recorded) return error instanceof AppError ? error : AppError.internal();
        if (this.shutdown.deadlinePassed) {
          await this.recordEnd(completion, candidate, 'shutdown', attempts, usageColumns());
          return new AppError(ErrorCode.ServiceUnavailable, 'The server is shutting down.');
        }
        const providerError = this.asProviderError(error, candidate);
        await this.recordFailure(completion, candidate, providerError, attempts, usageColumns());
        return providerError.toAppError();
      });

    const release = () => {
      // The client left (or the stream ended): if nothing was recorded yet, record what happened
      // (detached from the response and tracked), and release the upstream.
      if (!completion.recorder.recorded) {
        void this.recordEnd(completion, candidate, 'client_closed', attempts, usageColumns());
      }
      // A stream read to its end needs no cut: an abort (an Error with its stack, an event) per stream was
      // ~5 µs of CPU for nothing.
      if (upstreamOver) return;
      abort.abort(new Error('stream finished'));
      iterator.return(undefined).catch(() => undefined);
    };

    return { route: route(candidate), chunks$, persist$, failed$, release };
  }

  private recordEnd(
    completion: Completion,
    candidate: Candidate,
    outcome: Outcome,
    attempts: FallbackAttempt[],
    usage: Record<string, unknown> | null,
  ) {
    return completion.recorder.record({
      outcome,
      ...routeColumns(candidate),
      ...completion.anonymizer.columns(candidate.tier),
      ...(usage ?? {}),
      latency_ms: since(completion.started),
      fallbacks: attempts,
    });
  }

  private recordFailure(
    completion: Completion,
    candidate: Candidate,
    error: ProviderError,
    attempts: FallbackAttempt[],
    usage: Record<string, unknown> | null,
  ) {
    this.logger.warn(
      `completion ${completion.id} (request_id=${completion.requestId}) failed: ${error.reason}: ${error.message}`,
    );
    return completion.recorder.record({
      outcome: 'failed',
      ...routeColumns(candidate),
      ...completion.anonymizer.columns(candidate.tier),
      ...(usage ?? {}),
      error_code: error.toAppError().code,
      error_reason: error.reason,
      latency_ms: since(completion.started),
      fallbacks: attempts,
    });
  }

  private asProviderError(error: unknown, candidate: Candidate): ProviderError {
    if (error instanceof ProviderError) return error;
    this.logger.error(`unexpected error from provider ${candidate.provider.name}: ${(error as Error)?.stack ?? error}`);
    return new ProviderError('protocol', `${candidate.provider.name} failed unexpectedly`, candidate.provider.name);
  }

  /** The upstream body for one candidate: gateway fields stripped, native model, messages anonymized when the gate applies. */
  private bodyFor(completion: Completion, candidate: Candidate) {
    return { ...upstreamBody(completion.request, candidate.model), messages: completion.anonymizer.messagesFor(candidate.tier) };
  }
}
