import type { GatewayFile } from '../config/gateway-config.schema.js';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage } from '../inference/openai.types.js';
import { anonymizeMessages, Pseudonymizer } from './pseudonymizer.js';
import { StreamRehydrator } from './stream-rehydrator.js';

export type SkipReason = 'disabled' | 'tier_not_in_apply_at_tiers' | 'privileged' | 'request_opt_out';

export interface AnonymizationColumns {
  anonymization_applied: boolean;
  anonymized_entities: Record<string, number> | null;
  anonymization_skip_reason: SkipReason | null;
}

/**
 * One completion's anonymization: the gate (evaluated per candidate, so a fallback onto a tier outside
 * `apply_at_tiers` is not anonymized), the outbound messages, and re-identification of the answer.
 * The mapping lives in the request's Pseudonymizer only; nothing here logs or stores it.
 */
export class CompletionAnonymizer {
  private pseudonymizer: Pseudonymizer | undefined;
  private outbound: ChatMessage[] | undefined;

  constructor(
    private readonly settings: GatewayFile['anonymization'],
    private readonly context: { privileged: boolean; optOut: boolean },
    private readonly messages: ChatMessage[],
  ) {}

  skipReason(tier: number): SkipReason | null {
    if (!this.settings.enabled) return 'disabled';
    if (!this.settings.apply_at_tiers.includes(tier)) return 'tier_not_in_apply_at_tiers';
    if (this.context.privileged) return 'privileged';
    if (this.context.optOut) return 'request_opt_out';
    return null;
  }

  applies(tier: number): boolean {
    return this.skipReason(tier) === null;
  }

  /** The messages to send to a candidate of `tier`: pseudonymised once, reused across fallbacks. */
  messagesFor(tier: number): ChatMessage[] {
    if (!this.applies(tier)) return this.messages;
    if (!this.outbound) {
      this.pseudonymizer = new Pseudonymizer({ entities: this.settings.entities });
      this.outbound = anonymizeMessages(this.messages, this.pseudonymizer);
    }
    return this.outbound;
  }

  columns(tier: number): AnonymizationColumns {
    const skip = this.skipReason(tier);
    return {
      anonymization_applied: skip === null,
      anonymized_entities: skip === null ? (this.pseudonymizer?.entityCounts() ?? {}) : null,
      anonymization_skip_reason: skip,
    };
  }

  /** Non-streaming: re-identifies every choice's text (tool-call arguments pass through unchanged). */
  rehydrateCompletion(body: ChatCompletion): void {
    if (!this.pseudonymizer) return;
    for (const choice of body.choices) {
      if (typeof choice.message?.content === 'string')
        choice.message.content = this.pseudonymizer.rehydrate(choice.message.content);
    }
  }

  /** Streaming: a per-stream re-identifier, or null when this candidate is not anonymized. */
  chunkRehydrator(tier: number): ChunkRehydrator | null {
    return this.applies(tier) && this.pseudonymizer ? new ChunkRehydrator(this.pseudonymizer) : null;
  }
}

/**
 * Re-identifies streamed chunks. Text that could still grow into a placeholder is held back and
 * released as soon as it cannot; a choice's held tail is appended to the chunk that carries its
 * finish_reason, and anything still held when a usage-only chunk arrives, the stream ends or fails
 * goes out in a chunk of its own, so no text is ever dropped.
 */
export class ChunkRehydrator {
  private readonly byChoice = new Map<number, StreamRehydrator>();
  private last: ChatCompletionChunk | undefined;

  constructor(private readonly pseudonymizer: Pseudonymizer) {}

  transform(chunk: ChatCompletionChunk): ChatCompletionChunk[] {
    if (chunk.choices.length === 0) {
      const tail = this.flush();
      return tail ? [tail, chunk] : [chunk];
    }
    this.last = chunk;
    for (const choice of chunk.choices) {
      const rehydrator = this.rehydrator(choice.index);
      if (typeof choice.delta?.content === 'string') choice.delta.content = rehydrator.push(choice.delta.content);
      if (choice.finish_reason) {
        const tail = rehydrator.flush();
        if (tail) choice.delta = { ...choice.delta, content: (choice.delta?.content ?? '') + tail };
      }
    }
    return [chunk];
  }

  /** Everything still held, as one chunk shaped like the last one; null when nothing is held. */
  flush(): ChatCompletionChunk | null {
    const choices = [...this.byChoice.entries()]
      .map(([index, rehydrator]) => ({ index, delta: { content: rehydrator.flush() }, finish_reason: null }))
      .filter((choice) => choice.delta.content !== '');
    if (choices.length === 0 || !this.last) return null;
    const { id, object, created, model } = this.last;
    return { id, object, created, model, choices };
  }

  private rehydrator(index: number): StreamRehydrator {
    let rehydrator = this.byChoice.get(index);
    if (!rehydrator) {
      rehydrator = new StreamRehydrator(this.pseudonymizer);
      this.byChoice.set(index, rehydrator);
    }
    return rehydrator;
  }
}
