import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Chats, their messages, and the append-only audit log (receipts read all three plus the routing log). */
export class ChatsSchema1764150000000 implements MigrationInterface {
  name = 'ChatsSchema1764150000000';

  async up(q: QueryRunner): Promise<void> {
    // Timestamps are millisecond precision so a keyset cursor carried through JSON round-trips exactly.
    await q.query(`
      CREATE TABLE chats (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
        title text NOT NULL DEFAULT 'New chat' CHECK (char_length(title) BETWEEN 1 AND 200),
        minimum_inference_tier smallint CHECK (minimum_inference_tier BETWEEN 1 AND 5),
        privileged boolean NOT NULL DEFAULT false,
        archived_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp())
      )`);
    await q.query(`CREATE INDEX idx_chats_owner_created ON chats (owner_id, created_at DESC, id DESC) WHERE archived_at IS NULL`);
    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
        kind text NOT NULL CHECK (kind IN ('user', 'ai', 'refusal', 'system')),
        content text NOT NULL,
        requested_model text,
        routed_provider text,
        routed_model text,
        routed_inference_tier smallint CHECK (routed_inference_tier BETWEEN 1 AND 5),
        prompt_tokens integer CHECK (prompt_tokens >= 0),
        completion_tokens integer CHECK (completion_tokens >= 0),
        cost_estimate numeric(20, 12),
        error_code text,
        created_at timestamptz NOT NULL
      )`);
    // (chat_id, created_at) plus id: serves the keyset (created_at, id) of the messages list and receipts.
    await q.query(`CREATE INDEX idx_messages_chat_created ON messages (chat_id, created_at, id)`);
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        "timestamp" timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
        user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        details jsonb,
        request_id text
      )`);
    await q.query(`CREATE INDEX idx_audit_log_resource_time ON audit_log (resource_type, resource_id, "timestamp", id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE messages`);
    await q.query(`DROP TABLE chats`);
  }
}
