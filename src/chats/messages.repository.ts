import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Cursor } from '../common/pagination.js';
import { DurableWriter, type WriteResult } from '../durability/durable-writer.js';
import { MESSAGE_COLUMNS, type MessageRole, type MessageRow } from './message.row.js';

const COLUMNS = MESSAGE_COLUMNS.join(', ');

/** Idempotent by id: a retried or repeated save of the same message can never duplicate it. */
export const insertMessageSql = `INSERT INTO messages (${COLUMNS})
  VALUES (${MESSAGE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT (id) DO NOTHING`;

export function messageParams(message: MessageRow): unknown[] {
  return MESSAGE_COLUMNS.map((column) => message[column]);
}

export interface HistoryMessage {
  role: MessageRole;
  content: string;
}

const DURABLE_KIND = 'chat_message';

/** Every query over `messages` outside receipts. */
@Injectable()
export class MessagesRepository {
  constructor(
    private readonly db: DataSource,
    private readonly durable: DurableWriter,
  ) {
    durable.register({ kind: DURABLE_KIND, table: 'messages', columns: MESSAGE_COLUMNS, jsonColumns: [] });
  }

  /**
   * Stores an assistant message through the durable path the routing log uses (group commit, and a
   * local spool while the database is away), so a turn's two receipts survive the same failures.
   */
  insertDurably(message: MessageRow): Promise<WriteResult> {
    return this.durable.write(DURABLE_KIND, { ...message });
  }

  /** Oldest first; `limit` rows after the cursor. */
  async list(chatId: string, limit: number, cursor: Cursor | null): Promise<MessageRow[]> {
    const params: unknown[] = [chatId, limit];
    let after = '';
    if (cursor) {
      params.push(cursor.ts, cursor.id);
      after = 'AND (created_at, id) > ($3::timestamptz, $4::uuid)';
    }
    return this.db.query(`SELECT ${COLUMNS} FROM messages WHERE chat_id = $1 ${after} ORDER BY created_at, id LIMIT $2`, params);
  }

  /**
   * The newest `limit` messages worth sending upstream, oldest first: failed or empty assistant
   * answers are left out of the conversation the model sees.
   */
  async history(chatId: string, limit: number): Promise<HistoryMessage[]> {
    const rows: HistoryMessage[] = await this.db.query(
      `SELECT role, content FROM messages
        WHERE chat_id = $1 AND NOT (role = 'assistant' AND (error_code IS NOT NULL OR content = ''))
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [chatId, limit],
    );
    return rows.reverse();
  }
}
