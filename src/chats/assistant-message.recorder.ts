import type { PendingWrites } from '../routing-log/pending-writes.js';
import type { MessageRow } from './message.row.js';
import type { MessagesRepository } from './messages.repository.js';

/** What the end of a turn adds to the assistant message. */
export type AssistantOutcome = Pick<
  MessageRow,
  | 'kind'
  | 'content'
  | 'routed_provider'
  | 'routed_model'
  | 'routed_inference_tier'
  | 'prompt_tokens'
  | 'completion_tokens'
  | 'cost_estimate'
  | 'error_code'
>;

/**
 * A once-latch for a turn's assistant message, under the id minted before the pipeline ran: the
 * first `save` writes it, later calls get the same promise. Success, failure and a client that went
 * away all end here, so the message is stored exactly once (committed, or spooled while the database is away). Every write is tracked, so shutdown
 * awaits one started after the response was gone.
 */
export class AssistantMessageRecorder {
  private written: Promise<MessageRow> | undefined;

  constructor(
    readonly id: string,
    private readonly identity: { chat_id: string; requested_model: string; user_message_created_at: Date },
    private readonly messages: MessagesRepository,
    private readonly pending: PendingWrites,
  ) {}

  get started(): boolean {
    return this.written !== undefined;
  }

  /**
   * Takes the latch synchronously, so a `finalize` that runs while `outcome` is still being worked
   * out sees the message as started and does not store a second, different version of it.
   */
  save(outcome: AssistantOutcome | (() => Promise<AssistantOutcome>)): Promise<MessageRow> {
    if (this.written) return this.written;
    this.written = this.pending.track(this.write(outcome));
    return this.written;
  }

  private async write(outcome: AssistantOutcome | (() => Promise<AssistantOutcome>)): Promise<MessageRow> {
    const row: MessageRow = {
      id: this.id,
      chat_id: this.identity.chat_id,
      role: 'assistant',
      requested_model: this.identity.requested_model,
      ...(typeof outcome === 'function' ? await outcome() : outcome),
      // Strictly after the user message, so the two never tie in the message list.
      created_at: new Date(Math.max(Date.now(), this.identity.user_message_created_at.getTime() + 1)),
    };
    const result = await this.messages.insertDurably(row);
    if (result === 'rejected') throw new Error(`assistant message ${row.id} was rejected by the database`);
    return row;
  }
}
