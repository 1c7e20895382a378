import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MESSAGE_COLUMNS, type MessageRow } from '../chats/message.row.js';
import { ROUTING_LOG_COLUMNS, type RoutingLogRow } from '../routing-log/routing-log.row.js';

const MESSAGE_SELECT = MESSAGE_COLUMNS.map((c) => `m.${c}`).join(', ');
const ROUTING_SELECT = ROUTING_LOG_COLUMNS.map((c) => `"${c}"`).join(', ');

export type AssistantMessageRow = MessageRow & { owner_id: string };

/** The queries behind one turn's inspection: its assistant message, the prompt, its routing-log rows. */
@Injectable()
export class TurnInspectionRepository {
  constructor(private readonly db: DataSource) {}

  /** The assistant message with this id, and its chat's owner; null for any other message or none. */
  async assistantMessage(id: string): Promise<AssistantMessageRow | null> {
    const rows: AssistantMessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_SELECT}, c.owner_id FROM messages m JOIN chats c ON c.id = m.chat_id
        WHERE m.id = $1 AND m.role = 'assistant'`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * The user message that prompted a turn: the chat's newest user message at or before `before`.
   * Messages carry no link to their prompt; a turn commits its user message before the completion
   * starts, so `before` is the completion's arrival time (or the answer's time when no row exists).
   */
  async promptBefore(chatId: string, before: Date): Promise<MessageRow | null> {
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_SELECT} FROM messages m
        WHERE m.chat_id = $1 AND m.role = 'user' AND m.created_at <= $2
        ORDER BY m.created_at DESC, m.id DESC LIMIT 1`,
      [chatId, before],
    );
    return rows[0] ?? null;
  }

  /** The newest `limit` rows with this `message_id`, returned oldest first. */
  async routingRows(messageId: string, limit: number): Promise<RoutingLogRow[]> {
    const rows: RoutingLogRow[] = await this.db.query(
      `SELECT ${ROUTING_SELECT} FROM inference_routing_log WHERE message_id = $1
        ORDER BY "timestamp" DESC, id DESC LIMIT $2`,
      [messageId, limit],
    );
    return rows.reverse();
  }
}
