import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Cursor } from '../common/pagination.js';
import { type ChatRow, DEFAULT_TITLE } from './chat.row.js';
import type { MessageRow } from './message.row.js';
import { insertMessageSql, messageParams } from './messages.repository.js';

const CHAT_SELECT = `SELECT c.id, c.owner_id, c.title, c.minimum_inference_tier, c.privileged, c.archived_at,
       c.created_at, c.updated_at, (SELECT count(*)::int FROM messages m WHERE m.chat_id = c.id) AS message_count
  FROM chats c`;

export interface NewChat {
  id: string;
  ownerId: string;
  title: string | undefined;
  minimumInferenceTier: number | null;
  privileged: boolean;
}

/** Every query over `chats`. */
@Injectable()
export class ChatsRepository {
  constructor(private readonly db: DataSource) {}

  async create(chat: NewChat): Promise<ChatRow> {
    await this.db.query(
      `INSERT INTO chats (id, owner_id, title, minimum_inference_tier, privileged) VALUES ($1, $2, $3, $4, $5)`,
      [chat.id, chat.ownerId, chat.title ?? DEFAULT_TITLE, chat.minimumInferenceTier, chat.privileged],
    );
    return (await this.find(chat.id))!;
  }

  async find(id: string): Promise<ChatRow | null> {
    const rows: ChatRow[] = await this.db.query(`${CHAT_SELECT} WHERE c.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Just the owner of a chat (no message count): the access check of every receipts read. */
  async findOwner(id: string): Promise<string | null> {
    const rows: { owner_id: string }[] = await this.db.query('SELECT owner_id FROM chats WHERE id = $1', [id]);
    return rows[0]?.owner_id ?? null;
  }

  /** The owner's chats that are not archived, newest first; `limit` rows after the cursor. */
  async listOwned(ownerId: string, limit: number, cursor: Cursor | null): Promise<ChatRow[]> {
    const params: unknown[] = [ownerId, limit];
    let after = '';
    if (cursor) {
      params.push(cursor.ts, cursor.id);
      after = 'AND (c.created_at, c.id) < ($3::timestamptz, $4::uuid)';
    }
    return this.db.query(
      `${CHAT_SELECT} WHERE c.owner_id = $1 AND c.archived_at IS NULL ${after}
        ORDER BY c.created_at DESC, c.id DESC LIMIT $2`,
      params,
    );
  }

  /** Sets `archived_at` once; false when the chat was already archived. */
  async archive(id: string): Promise<boolean> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count], not the rows.
    const rows: unknown[] = await this.db.query(
      `WITH archived AS (
         UPDATE chats SET archived_at = date_trunc('milliseconds', clock_timestamp()),
                          updated_at = date_trunc('milliseconds', clock_timestamp())
          WHERE id = $1 AND archived_at IS NULL RETURNING id)
       SELECT id FROM archived`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Commits a turn's user message in one transaction with the chat's `updated_at` and, for the
   * chat's first user message, its title. The row lock on the chat orders this against archiving:
   * false (and nothing written) when the chat is archived by then.
   */
  async addUserMessage(message: MessageRow, title: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const touched: unknown[] = await tx.query(
        `WITH touched AS (
           UPDATE chats c
              SET updated_at = GREATEST(c.updated_at, $2::timestamptz),
                  title = CASE WHEN c.title = $4
                                AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND m.role = 'user')
                               THEN $3 ELSE c.title END
            WHERE c.id = $1 AND c.archived_at IS NULL
            RETURNING c.id)
         SELECT id FROM touched`,
        [message.chat_id, message.created_at, title, DEFAULT_TITLE],
      );
      if (touched.length === 0) return false;
      await tx.query(insertMessageSql, messageParams(message));
      return true;
    });
  }
}
