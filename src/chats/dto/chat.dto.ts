import { z } from 'zod';
import { hasNul } from '../../common/text.js';
import type { ChatRow } from '../chat.row.js';

const tier = z.number().int().min(1).max(5);

export const createChatSchema = z.strictObject({
  title: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((text) => !hasNul(text), 'must not contain NUL characters')
    .optional(),
  minimum_inference_tier: tier.nullish(),
  privileged: z.boolean().optional(),
});
export type CreateChatInput = z.infer<typeof createChatSchema>;

/** `?limit=1..100&cursor=` and nothing else. */
export const pageQuerySchema = z.strictObject({ limit: z.string().optional(), cursor: z.string().optional() });

export interface ChatView {
  id: string;
  owner_id: string;
  title: string;
  minimum_inference_tier: number | null;
  privileged: boolean;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export function chatView(row: ChatRow): ChatView {
  return {
    id: row.id,
    owner_id: row.owner_id,
    title: row.title,
    minimum_inference_tier: row.minimum_inference_tier,
    privileged: row.privileged,
    archived_at: row.archived_at ? row.archived_at.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    message_count: row.message_count,
  };
}
