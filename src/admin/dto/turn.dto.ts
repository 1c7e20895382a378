import type { MessageView } from '../../chats/dto/message.dto.js';
import type { RoutingLogView } from '../../routing-log/routing-log.repository.js';

/**
 * What anonymization did to a turn's completion. The mapping to original values is never stored,
 * so only counts and placeholder names exist; the names are rebuilt from the counts.
 */
export interface AnonymizationRecord {
  /** The routing-log row (`X-Completion-Id`) the record describes: the turn's latest. */
  completion_id: string;
  applied: boolean;
  skip_reason: string | null;
  entity_counts: Record<string, number> | null;
  placeholders_used: string[];
}

/** `GET /admin/turns/:messageId`. */
export interface TurnView {
  message_id: string;
  chat_id: string | null;
  /** The prompting user message and the assistant message, oldest first (either may be absent). */
  messages: MessageView[];
  /** Rows with this `message_id`, oldest first. */
  routing_log: RoutingLogView[];
  /** True when more rows carry this `message_id` than `routing_log` holds (the newest are kept). */
  routing_log_truncated: boolean;
  anonymization: AnonymizationRecord | null;
}

const ENTITY_TYPE = /^[A-Z][A-Z_]*$/;

/**
 * The placeholder names a request with these entity counts was given: `<TYPE>_<nnnn>` numbered from
 * 1 per type (the Pseudonymizer's scheme), types in alphabetical order. Malformed entries (a type
 * that is not upper-case, a count that is not a positive integer) are ignored rather than trusted.
 */
export function placeholdersFor(counts: Record<string, unknown> | null): string[] {
  if (!counts) return [];
  const names: string[] = [];
  for (const type of Object.keys(counts).sort()) {
    const count = counts[type];
    if (!ENTITY_TYPE.test(type) || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) continue;
    for (let n = 1; n <= count; n++) names.push(`${type}_${String(n).padStart(4, '0')}`);
  }
  return names;
}
