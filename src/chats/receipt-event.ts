import type { MessageKind, MessageRole } from './message.row.js';

/** Every kind `event_kinds` accepts; `skill` and `retrieval` have no source in Tally yet. */
export const EVENT_KINDS = ['message', 'inference', 'error', 'audit', 'skill', 'retrieval'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface MessageDetail {
  message_id: string;
  message_kind: MessageKind;
  role: MessageRole;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

/** The detail of `inference` and `error` events: the routing-log row, metadata only. */
export interface InferenceDetail {
  provider: string;
  model: string;
  tier: number;
  tokens_in: number | null;
  tokens_out: number | null;
  latency_ms: number | null;
  refused: boolean;
  refusal_reason: string | null;
  anonymization_applied: boolean;
  message_id: string | null;
  request_id: string;
  outcome: string;
  ttft_ms: number | null;
  cost_usd: number | null;
  anonymized_entities: Record<string, number> | null;
  /** The row's id (`X-Completion-Id`): two completions never render as byte-identical events. */
  completion_id: string;
}

export interface AuditDetail {
  action: string;
  actor_user_id: string | null;
  details: Record<string, unknown> | null;
  /** The audit row's id, for the same reason as `completion_id`. */
  audit_id: string;
}

export type ReceiptEvent =
  | { ts: string; kind: 'message'; detail: MessageDetail }
  | { ts: string; kind: 'inference' | 'error'; detail: InferenceDetail }
  | { ts: string; kind: 'audit'; detail: AuditDetail };

/**
 * `?event_kinds=`: absent or empty means every kind; otherwise comma-separated tokens, trimmed and
 * matched case-sensitively, unknown ones ignored. No valid token left means the empty set.
 */
export function parseEventKinds(raw: string | undefined): ReadonlySet<EventKind> {
  if (raw === undefined || raw === '') return new Set(EVENT_KINDS);
  const allowed = new Set<string>(EVENT_KINDS);
  return new Set(
    raw
      .split(',')
      .map((token) => token.trim())
      .filter((token): token is EventKind => allowed.has(token)),
  );
}
