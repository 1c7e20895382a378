import { z } from 'zod';
import { hasNul } from '../../common/text.js';
import type { MessageRow } from '../message.row.js';

/** `POST /chats/:id/messages`: one turn. Unknown fields are rejected. */
export const createTurnSchema = z.strictObject({
  // PostgreSQL text cannot hold NUL; say so instead of failing the insert.
  content: z
    .string()
    .min(1)
    .refine((text) => !hasNul(text), 'must not contain NUL characters'),
  model: z.string().min(1).max(256).optional(),
  stream: z.boolean().optional(),
  anonymize: z.boolean().optional(),
  minimum_inference_tier: z.number().int().min(1).max(5).optional(),
});
export type CreateTurnInput = z.infer<typeof createTurnSchema>;

/** A message as the API shows it: the row, with cost as a number and the time as ISO-8601. */
export type MessageView = Omit<MessageRow, 'cost_estimate' | 'created_at'> & { cost_estimate: number | null; created_at: string };

export function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    chat_id: row.chat_id,
    role: row.role,
    kind: row.kind,
    content: row.content,
    requested_model: row.requested_model,
    routed_provider: row.routed_provider,
    routed_model: row.routed_model,
    routed_inference_tier: row.routed_inference_tier,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    cost_estimate: row.cost_estimate === null ? null : Number(row.cost_estimate),
    error_code: row.error_code,
    created_at: row.created_at.toISOString(),
  };
}
