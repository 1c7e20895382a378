import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { LimitsService } from '../limits/limits.service.js';
import { NOOP_SPAN, TRACING, type TraceCarrier, type TraceSpan, type Tracing } from '../observability/tracing.js';
import { type CompletionContext, CompletionRecorder, type RowIdentity } from '../routing-log/completion-recorder.js';
import { PendingWrites } from '../routing-log/pending-writes.js';
import type { FallbackAttempt } from '../routing-log/routing-log.row.js';
import { RoutingLogWriter } from '../routing-log/routing-log.writer.js';
import { genAiProvider } from './completion-trace.js';
import type { Candidate } from './model-router.js';
import type { RoutingTable } from './routing-table.js';
import { ShutdownSignal } from './shutdown-signal.js';

/** The status the pipeline gives a completion whose client went away (never sent: the client is gone). */
export const CLIENT_CLOSED_STATUS = 499;

/** Where a completion landed, for headers and stamping. */
export interface Route {
  readonly provider: string;
  readonly model: string;
  readonly tier: number;
}

export interface Floor {
  readonly value: number;
  readonly source: string;
}

/** The strictest of the given floors (lower is stronger); null when none is set. */
export function strictestFloor(sources: readonly [number | null | undefined, string][]): Floor | null {
  let floor: Floor | null = null;
  for (const [value, source] of sources) {
    if (value != null && (floor === null || value < floor.value)) floor = { value, source };
  }
  return floor;
}

export function since(started: number): number {
  return Math.max(0, Math.round(performance.now() - started));
}

export function route(candidate: Candidate): Route {
  return { provider: candidate.provider.name, model: candidate.model, tier: candidate.tier };
}

export function attempt(candidate: Candidate): Omit<FallbackAttempt, 'reason'> {
  return { provider: candidate.provider.name, model: candidate.model, tier: candidate.tier };
}

export function routeColumns(candidate: Candidate) {
  return {
    routed_provider: candidate.provider.name,
    routed_model: candidate.model,
    routed_inference_tier: candidate.tier,
  };
}

/** A failure after the completion was minted names its receipt, as a success does. */
export function withCompletionId(error: AppError, id: string): AppError {
  return new AppError(error.code, error.message, error.details, error.status, { ...error.headers, 'X-Completion-Id': id });
}

export function clientClosed(id: string): AppError {
  return withCompletionId(new AppError(ErrorCode.InvalidRequest, 'The client closed the request.', {}, CLIENT_CLOSED_STATUS), id);
}

export interface PlanInput {
  /** The row's identity, less what the planner mints (id, arrival time) and takes from `user`. */
  readonly identity: Omit<RowIdentity, 'id' | 'timestamp' | 'user_id' | 'api_key_id' | 'requested_model'> & {
    readonly requested_model: string;
  };
  readonly user: AuthenticatedUser;
  /** The incoming request's headers: its W3C `traceparent` makes the completion's span a child of the caller's. */
  readonly carrier?: TraceCarrier;
  /** The GenAI operation, for spans and metrics; stated by the caller, since a chat request may set any `purpose`. */
  readonly operation: CompletionContext['operation'];
  /** The configuration version this request routes with, from its start to its end. */
  readonly routing: RoutingTable;
  readonly floor: Floor | null;
  /** An admission check after the budget (e.g. a stream slot): a refusal to record and throw, or nothing. */
  readonly admit?: (recorder: CompletionRecorder) => { refusal_reason: string; error: AppError } | undefined;
  /** Why a candidate that meets the floor cannot serve this request (a `fallbacks` reason), or nothing. */
  readonly unusable: (candidate: Candidate) => string | undefined;
  /** The failure when no candidate is usable and not all are below the floor. */
  readonly nothingUsable: (skipped: readonly FallbackAttempt[]) => { error_reason: string; error: AppError };
}

/** A request that passed admission and routing: it owns its row from here on. */
export interface Plan {
  readonly id: string;
  readonly routing: RoutingTable;
  readonly recorder: CompletionRecorder;
  readonly candidates: readonly Candidate[];
  readonly skipped: readonly FallbackAttempt[];
  readonly started: number;
  /** The completion's span (ends when its row is persisted); upstream attempts are its children. */
  readonly span: TraceSpan;
}

/**
 * The start every routed request shares (chat completions and embeddings): mint the row's identity,
 * then refuse — with a row committed before the throw — when draining, over budget, not admitted,
 * unroutable, below the tier floor on every candidate, or with no usable candidate.
 */
@Injectable()
export class CompletionPlanner {
  constructor(
    private readonly writer: RoutingLogWriter,
    private readonly pending: PendingWrites,
    private readonly shutdown: ShutdownSignal,
    private readonly limits: LimitsService,
    @Inject(TRACING) private readonly tracing: Tracing,
  ) {}

  async plan(input: PlanInput): Promise<Plan> {
    const started = performance.now();
    const identity = {
      id: randomUUID(),
      timestamp: new Date(),
      user_id: input.user.id,
      api_key_id: input.user.apiKeyId,
      ...input.identity,
    };
    const model = input.identity.requested_model;
    const span = this.tracing.enabled ? this.startSpan(identity, input.operation, input.carrier) : NOOP_SPAN;
    const recorder = new CompletionRecorder(
      identity,
      { apiKeyPrefix: input.user.apiKeyPrefix, operation: input.operation },
      this.writer,
      this.pending,
      span,
    );
    if (this.shutdown.draining) {
      await recorder.record({ outcome: 'shutdown', error_code: ErrorCode.ServiceUnavailable, error_reason: 'shutting_down' });
      throw new AppError(ErrorCode.ServiceUnavailable, 'The server is shutting down.');
    }
    const overBudget = this.limits.budgetExceeded(input.user);
    if (overBudget) {
      const { scope, period, limitUsd } = overBudget;
      await recorder.record({
        outcome: 'refused',
        refused: true,
        refusal_reason: `budget_exceeded:scope=${scope}:period=${period}:limit_usd=${limitUsd}`,
      });
      throw new AppError(
        ErrorCode.BudgetExceeded,
        `The ${scope === 'api_key' ? 'API key' : 'user'}'s spend budget for the ${period} is used up.`,
        { limit_usd: limitUsd, period, scope },
        429,
      );
    }
    const refusal = input.admit?.(recorder);
    if (refusal) {
      await recorder.record({ outcome: 'refused', refused: true, refusal_reason: refusal.refusal_reason });
      throw refusal.error;
    }
    const routing = span.child('tally.route', 'internal', { 'gen_ai.request.model': model });
    const resolution = input.routing.router.resolve(model);
    if (!resolution.ok) {
      routing.fail('invalid_model', resolution.message);
      routing.end();
      await recorder.record({ outcome: 'refused', refused: true, refusal_reason: `invalid_model:${resolution.message}` });
      throw new AppError(ErrorCode.InvalidModel, resolution.message, { requested_model: model });
    }
    const [primary] = resolution.candidates;
    const { floor } = input;
    const skipped: FallbackAttempt[] = [];
    const candidates: Candidate[] = [];
    for (const candidate of resolution.candidates) {
      const reason = floor && candidate.tier > floor.value ? 'tier_below_minimum' : input.unusable(candidate);
      if (reason) skipped.push({ ...attempt(candidate), reason });
      else candidates.push(candidate);
    }
    if (span !== NOOP_SPAN) this.endRouting(routing, span, recorder, resolution.candidates, candidates, skipped, floor);
    if (candidates.length > 0) {
      recorder.routed();
      return { id: recorder.identity.id, routing: input.routing, recorder, candidates, skipped, started, span };
    }
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
          requested_model: model,
          routed_provider: primary.provider.name,
          routed_model: primary.model,
        },
      );
    }
    const failure = input.nothingUsable(skipped);
    await recorder.record({
      outcome: 'failed',
      ...routeColumns(primary),
      error_code: failure.error.code,
      error_reason: failure.error_reason,
      fallbacks: skipped,
      latency_ms: since(started),
    });
    throw failure.error;
  }

  private startSpan(
    identity: CompletionRecorder['identity'],
    operation: PlanInput['operation'],
    carrier: TraceCarrier | undefined,
  ): TraceSpan {
    return this.tracing.startSpan(`${operation} ${identity.requested_model}`, 'client', carrier, {
      'gen_ai.operation.name': operation,
      'gen_ai.request.model': identity.requested_model,
      'tally.completion_id': identity.id,
      'tally.request_id': identity.request_id,
      'tally.stream': identity.stream,
      'tally.purpose': identity.purpose,
      'tally.chat_id': identity.chat_id ?? undefined,
    });
  }

  /** The routing span's findings; the completion's provider is named once its row says which candidate served. */
  private endRouting(
    routing: TraceSpan,
    span: TraceSpan,
    recorder: CompletionRecorder,
    resolved: readonly Candidate[],
    usable: readonly Candidate[],
    skipped: readonly FallbackAttempt[],
    floor: Floor | null,
  ): void {
    routing.setAttributes({
      'tally.route.candidates': usable.map((c) => `${c.provider.name}/${c.model}:tier=${c.tier}`),
      'tally.route.skipped': skipped.map((s) => `${s.provider}/${s.model}:${s.reason}`),
      'tally.floor': floor?.value,
      'tally.floor_source': floor?.source,
    });
    if (usable.length === 0)
      routing.fail(skipped.every((s) => s.reason === 'tier_below_minimum') ? 'tier_below_minimum' : 'no_usable_candidate');
    routing.end();
    recorder.whenRecorded(() => {
      const served = resolved.find((c) => c.provider.name === recorder.recordedRow?.routed_provider) ?? resolved[0];
      span.setAttributes({ 'gen_ai.provider.name': genAiProvider(served.provider.type) });
    });
  }
}
