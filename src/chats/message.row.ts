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

/** A user's message as it is first stored: no route, no counts, no cost. */
export function userMessageRow(id: string, chatId: string, content: string, createdAt: Date): MessageRow {
  return {
    id,
    chat_id: chatId,
    role: 'user',
    kind: 'user',
    content,
    requested_model: null,
    routed_provider: null,
    routed_model: null,
    routed_inference_tier: null,
    prompt_tokens: null,
    completion_tokens: null,
    cost_estimate: null,
    error_code: null,
    created_at: createdAt,
  };
}
