import { api, query } from '../api/client.js';
import type { Chat, MessagePage, ReceiptEvent } from '../api/types.js';
import { anonymizedByMessage, type ReceiptEventLike } from '../receipts/format.js';
import { type ChatEntry, entryFrom } from './entry.js';

const PAGE = 100;
const MAX_PAGES = 20;

export async function loadChat(chatId: string): Promise<Chat> {
  return api<Chat>(`/chats/${chatId}`);
}

/** The chat's messages, oldest first (up to 2,000), each assistant one marked from the inference receipts. */
export async function loadHistory(chatId: string): Promise<ChatEntry[]> {
  const entries: ChatEntry[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res: MessagePage = await api<MessagePage>(`/chats/${chatId}/messages${query({ limit: PAGE, cursor })}`);
    entries.push(...res.items.map(entryFrom));
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  const anonymized = await loadAnonymization(chatId).catch(() => new Map<string, boolean>());
  return entries.map((e) => (e.role === 'assistant' && anonymized.has(e.id) ? { ...e, anonymized: anonymized.get(e.id) } : e));
}

/**
 * The indicator's source: the chat's inference receipts, read once (the row is committed before
 * `[DONE]`, so there is nothing to wait or retry for).
 */
export async function loadAnonymization(chatId: string): Promise<Map<string, boolean>> {
  const events = await api<ReceiptEvent[]>(`/chats/${chatId}/receipts?event_kinds=inference`);
  return anonymizedByMessage(events as ReceiptEventLike[]);
}
