import type { WriteResult } from '../durability/durable-writer.js';
import { NOOP_SPAN, type TraceSpan } from '../observability/tracing.js';
import type { PendingWrites } from './pending-writes.js';
import type { Outcome, RoutingLogRow } from './routing-log.row.js';
import type { RoutingLogWriter } from './routing-log.writer.js';

/** Everything known about a completion when it arrives, before its outcome. */
export type RowIdentity = Pick<
  RoutingLogRow,
  | 'id'
  | 'request_id'
  | 'timestamp'
  | 'user_id'
  | 'api_key_id'
  | 'chat_id'
  | 'message_id'
  | 'requested_model'
  | 'stream'
  | 'purpose'
>;

/** What the completion's log line and metrics need beyond its row; never stored. */
export interface CompletionContext {
  /** `api_keys.key_prefix` of the calling key (never the key itself). */
  readonly apiKeyPrefix: string;
  readonly operation: 'chat' | 'embeddings';
  /** False until the planner hands out candidates: a refusal before that never reached a provider. */
  upstream: boolean;
}

/** What the outcome adds; unset fields default to null / false. */
export type RowOutcome = { outcome: Outcome } & Partial<Omit<RoutingLogRow, keyof RowIdentity | 'outcome'>>;

const or = <T>(value: T | undefined, otherwise: T): T => (value === undefined ? otherwise : value);

/**
 * The row: its identity, the outcome's fields, and the defaults of those the outcome leaves unset.
 * One literal with every column, in one order, so every row has one shape: spreading the identity and
 * the outcome into a literal of defaults made a dictionary-mode object (~6.6 kB against ~0.3 kB, and
 * slower to read column by column).
 */
function buildRow(identity: RowIdentity, outcome: RowOutcome): RoutingLogRow {
  return {
    id: identity.id,
    request_id: identity.request_id,
    timestamp: identity.timestamp,
    user_id: identity.user_id,
    api_key_id: identity.api_key_id,
    chat_id: identity.chat_id,
    message_id: identity.message_id,
    requested_model: identity.requested_model,
    routed_provider: or(outcome.routed_provider, '<unresolved>'),
    routed_model: or(outcome.routed_model, '<unresolved>'),
    routed_inference_tier: or(outcome.routed_inference_tier, 1),
    stream: identity.stream,
    outcome: outcome.outcome,
    tokens_in: or(outcome.tokens_in, null),
    tokens_out: or(outcome.tokens_out, null),
    cost_usd: or(outcome.cost_usd, null),
    latency_ms: or(outcome.latency_ms, null),
    ttft_ms: or(outcome.ttft_ms, null),
    refused: or(outcome.refused, false),
    refusal_reason: or(outcome.refusal_reason, null),
    error_code: or(outcome.error_code, null),
    error_reason: or(outcome.error_reason, null),
    anonymization_applied: or(outcome.anonymization_applied, false),
    anonymized_entities: or(outcome.anonymized_entities, null),
    anonymization_skip_reason: or(outcome.anonymization_skip_reason, null),
    fallbacks: or(outcome.fallbacks, []),
    purpose: identity.purpose,
  };
}

/**
 * A once-latch per completion: the first `record` writes the row, later calls get the same promise.
 * Whatever path ends a completion (success, error, disconnect, shutdown), exactly one row is written.
 */
export class CompletionRecorder {
  private written: Promise<WriteResult> | undefined;
  private recordedOutcome: Outcome | undefined;
  private row: RoutingLogRow | undefined;
  private readonly onRecord: (() => void)[] = [];

  private readonly context: CompletionContext;

  constructor(
    readonly identity: RowIdentity,
    context: Omit<CompletionContext, 'upstream'>,
    private readonly writer: RoutingLogWriter,
    private readonly pending: PendingWrites,
    /** The completion's span: it gets the outcome's attributes and ends once the row is persisted. */
    private readonly span: TraceSpan = NOOP_SPAN,
  ) {
    this.context = { ...context, upstream: false };
  }

  /** From here on a provider is (about to be) called: the outcome counts as a GenAI client operation. */
  routed(): void {
    this.context.upstream = true;
  }

  get recorded(): boolean {
    return this.written !== undefined;
  }

  get outcome(): Outcome | undefined {
    return this.recordedOutcome;
  }

  /** The row as written (persisted once `record`'s promise resolved), so callers need not read it back. */
  get recordedRow(): Readonly<RoutingLogRow> | undefined {
    return this.row;
  }

  /** Runs once when the outcome is decided (e.g. to release a concurrency slot). */
  whenRecorded(callback: () => void): void {
    if (this.written) callback();
    else this.onRecord.push(callback);
  }

  record(outcome: RowOutcome): Promise<WriteResult> {
    if (this.written) return this.written;
    this.recordedOutcome = outcome.outcome;
    const row = buildRow(this.identity, outcome);
    this.row = row;
    for (const callback of this.onRecord.splice(0)) callback();
    if (this.span === NOOP_SPAN) {
      this.written = this.pending.track(this.writer.write(row, this.context));
      return this.written;
    }
    this.span.setAttributes(outcomeAttributes(row));
    const failure = failureType(row);
    if (failure) this.span.fail(failure);
    const write = this.span.child('tally.routing_log.write', 'internal', {
      'db.system.name': 'postgresql',
      'db.collection.name': 'inference_routing_log',
      'db.operation.name': 'INSERT',
    });
    this.written = this.pending.track(
      this.writer.write(row, this.context).then((result) => {
        write.setAttributes({ 'tally.write_result': result });
        if (result === 'rejected') write.fail('rejected');
        write.end();
        this.span.end();
        return result;
      }),
    );
    return this.written;
  }
}

/** The row's outcome as span attributes (metadata only, as the row). */
function outcomeAttributes(row: RoutingLogRow) {
  return {
    'tally.outcome': row.outcome,
    'gen_ai.response.model': row.routed_model === '<unresolved>' ? undefined : row.routed_model,
    'gen_ai.usage.input_tokens': row.tokens_in ?? undefined,
    'gen_ai.usage.output_tokens': row.tokens_out ?? undefined,
    'tally.provider': row.routed_provider === '<unresolved>' ? undefined : row.routed_provider,
    'tally.inference_tier': row.routed_provider === '<unresolved>' ? undefined : Number(row.routed_inference_tier),
    'tally.anonymization_applied': row.anonymization_applied,
    'tally.cost_usd': row.cost_usd === null ? undefined : Number(row.cost_usd),
    'tally.fallbacks': row.fallbacks.length,
    'tally.refusal_reason': row.refusal_reason ?? undefined,
    'tally.error_reason': row.error_reason ?? undefined,
  };
}

/** `error.type` of an outcome the client sees as an error (refused, failed, shutdown); none otherwise. */
function failureType(row: RoutingLogRow): string | undefined {
  if (row.outcome === 'refused') return (row.refusal_reason ?? 'refused').split(':')[0];
  if (row.outcome === 'failed' || row.outcome === 'shutdown') return row.error_reason ?? row.outcome;
  return undefined;
}
