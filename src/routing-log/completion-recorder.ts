import type { WriteResult } from '../durability/durable-writer.js';
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
    for (const callback of this.onRecord.splice(0)) callback();
    const row: RoutingLogRow = {
      ...this.identity,
      routed_provider: '<unresolved>',
      routed_model: '<unresolved>',
      routed_inference_tier: 1,
      tokens_in: null,
      tokens_out: null,
      cost_usd: null,
      latency_ms: null,
      ttft_ms: null,
      refused: false,
      refusal_reason: null,
      error_code: null,
      error_reason: null,
      anonymization_applied: false,
      anonymized_entities: null,
      anonymization_skip_reason: null,
      fallbacks: [],
      ...outcome,
    };
    this.row = row;
    this.written = this.pending.track(this.writer.write(row, this.context));
    return this.written;
  }
}
