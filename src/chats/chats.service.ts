import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor, parseLimit, parseQuery } from '../common/pagination.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { AuditLogRepository } from './audit-log.repository.js';
import type { ChatRow } from './chat.row.js';
import { chatNotFound } from './chat-access.js';
import { ChatsRepository } from './chats.repository.js';
import { type ChatView, type CreateChatInput, chatView, pageQuerySchema } from './dto/chat.dto.js';
import { type MessageView, messageView } from './dto/message.dto.js';
import { MessagesRepository } from './messages.repository.js';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Chats and their message lists: owner only, everyone else gets the not-found answer. */
@Injectable()
export class ChatsService {
  constructor(
    private readonly chats: ChatsRepository,
    private readonly messages: MessagesRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  async create(user: AuthenticatedUser, input: CreateChatInput): Promise<ChatView> {
    const chat = await this.chats.create({
      id: randomUUID(),
      ownerId: user.id,
      title: input.title,
      minimumInferenceTier: input.minimum_inference_tier ?? null,
      privileged: input.privileged ?? false,
    });
    return chatView(chat);
  }

  async list(user: AuthenticatedUser, query: unknown): Promise<Page<ChatView>> {
    const q = parseQuery(pageQuerySchema, query);
    const limit = parseLimit(q.limit);
    const rows = await this.chats.listOwned(user.id, limit + 1, decodeCursor(q.cursor));
    return page(rows, limit, chatView, (row) => encodeCursor(row.created_at, row.id));
  }

  async get(user: AuthenticatedUser, chatId: string): Promise<ChatView> {
    return chatView(await this.owned(user, chatId));
  }

  /** Archives (idempotent); receipts stay readable and the archive itself is on the chat's receipt. */
  async archive(user: AuthenticatedUser, chatId: string, requestId: string): Promise<void> {
    await this.owned(user, chatId);
    if (await this.chats.archive(chatId)) {
      await this.audit.append({
        userId: user.id,
        action: 'chat.archived',
        resourceType: 'chat',
        resourceId: chatId,
        details: null,
        requestId,
      });
    }
  }

  async listMessages(user: AuthenticatedUser, chatId: string, query: unknown): Promise<Page<MessageView>> {
    const q = parseQuery(pageQuerySchema, query);
    const limit = parseLimit(q.limit);
    const cursor = decodeCursor(q.cursor);
    await this.owned(user, chatId);
    const rows = await this.messages.list(chatId, limit + 1, cursor);
    return page(rows, limit, messageView, (row) => encodeCursor(row.created_at, row.id));
  }

  /** The chat when `user` owns it; otherwise the same 404 as for a chat that does not exist. */
  async owned(user: AuthenticatedUser, chatId: string): Promise<ChatRow> {
    const chat = await this.chats.find(chatId);
    if (!chat || chat.owner_id !== user.id) throw chatNotFound();
    return chat;
  }
}

function page<R, V>(rows: R[], limit: number, view: (row: R) => V, cursorOf: (row: R) => string): Page<V> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), next_cursor: rows.length > limit && last ? cursorOf(last) : null };
}
