export type Outcome = 'completed' | 'failed' | 'refused' | 'client_closed' | 'shutdown';

/** One `inference_routing_log` row, column for column. Metadata only: never prompt or completion text. */
export interface RoutingLogRow {
  id: string;
  request_id: string;
  timestamp: Date;
  user_id: string;
  /** The API key that made the call (its id); null on rows from before it was recorded. */
  api_key_id: string | null;
  chat_id: string | null;
  message_id: string | null;
  requested_model: string | null;
  routed_provider: string;
  routed_model: string;
  routed_inference_tier: number;
  stream: boolean;
  outcome: Outcome;
  tokens_in: number | null;
  tokens_out: number | null;
  /** Exact decimal string (numeric column); null when the model has no price. */
  cost_usd: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  refused: boolean;
  refusal_reason: string | null;
  error_code: string | null;
  error_reason: string | null;
  anonymization_applied: boolean;
  anonymized_entities: Record<string, number> | null;
  anonymization_skip_reason: string | null;
  fallbacks: FallbackAttempt[];
  purpose: string;
}

/** A candidate that was tried (or skipped) before the one that answered. */
export interface FallbackAttempt {
  provider: string;
  model: string;
  tier: number;
  reason: string;
}

export const ROUTING_LOG_COLUMNS = [
  'id',
  'request_id',
  'timestamp',
  'user_id',
  'chat_id',
  'message_id',
  'requested_model',
  'routed_provider',
  'routed_model',
  'routed_inference_tier',
  'stream',
  'outcome',
  'tokens_in',
  'tokens_out',
  'cost_usd',
  'latency_ms',
  'ttft_ms',
  'refused',
  'refusal_reason',
  'error_code',
  'error_reason',
  'anonymization_applied',
  'anonymized_entities',
  'anonymization_skip_reason',
  'fallbacks',
  'purpose',
  'api_key_id',
] as const satisfies readonly (keyof RoutingLogRow)[];
