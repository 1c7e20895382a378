/** One `chats` row as PostgreSQL returns it. */
export interface ChatRow {
  id: string;
  owner_id: string;
  title: string;
  minimum_inference_tier: number | null;
  privileged: boolean;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
  message_count: number;
}

/** The title a chat has until its first user message names it. */
export const DEFAULT_TITLE = 'New chat';
