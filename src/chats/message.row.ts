export type MessageRole = 'user' | 'assistant' | 'system' | 'tool';
/** `ai` is an assistant answer (complete, partial or failed); `refusal` one the pipeline refused to route. */
export type MessageKind = 'user' | 'ai' | 'refusal' | 'system';

/** One `messages` row, column for column. */
export interface MessageRow {
  id: string;
  chat_id: string;
  role: MessageRole;
  kind: MessageKind;
  content: string;
  requested_model: string | null;
  routed_provider: string | null;
  routed_model: string | null;
  routed_inference_tier: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Exact decimal string (numeric column); null when unpriced or unknown. */
  cost_estimate: string | null;
  error_code: string | null;
  created_at: Date;
}

export const MESSAGE_COLUMNS = [
  'id',
  'chat_id',
  'role',
  'kind',
  'content',
  'requested_model',
  'routed_provider',
  'routed_model',
  'routed_inference_tier',
  'prompt_tokens',
  'completion_tokens',
  'cost_estimate',
  'error_code',
  'created_at',
] as const satisfies readonly (keyof MessageRow)[];
