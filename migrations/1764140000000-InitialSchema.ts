import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764140000000 implements MigrationInterface {
  name = 'InitialSchema1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('member', 'admin')),
        -- millisecond precision so a cursor carried through JSON round-trips exactly
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key_hash bytea NOT NULL,
        key_prefix text NOT NULL,
        minimum_inference_tier smallint CHECK (minimum_inference_tier BETWEEN 1 AND 5),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash)`);
    await q.query(`CREATE INDEX api_keys_user_idx ON api_keys (user_id)`);
    await q.query(`
      CREATE TABLE inference_routing_log (
        id uuid PRIMARY KEY,
        request_id text NOT NULL,
        "timestamp" timestamptz NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id),
        chat_id uuid,
        message_id uuid,
        requested_model text,
        routed_provider text NOT NULL,
        routed_model text NOT NULL,
        routed_inference_tier smallint NOT NULL CONSTRAINT chk_inference_log_tier_range CHECK (routed_inference_tier BETWEEN 1 AND 5),
        stream boolean NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('completed', 'failed', 'refused', 'client_closed', 'shutdown')),
        tokens_in integer,
        tokens_out integer,
        cost_usd numeric(20, 12),
        latency_ms integer,
        ttft_ms integer,
        refused boolean NOT NULL DEFAULT false,
        refusal_reason text,
        error_code text,
        error_reason text,
        anonymization_applied boolean NOT NULL DEFAULT false,
        anonymized_entities jsonb,
        anonymization_skip_reason text,
        fallbacks jsonb NOT NULL DEFAULT '[]'::jsonb,
        purpose varchar(64) NOT NULL DEFAULT 'chat'
      )`);
    await q.query(`CREATE INDEX idx_inference_log_request_id ON inference_routing_log (request_id)`);
    await q.query(`CREATE INDEX idx_inference_log_chat_time ON inference_routing_log (chat_id, "timestamp")`);
    await q.query(`CREATE INDEX idx_inference_log_timestamp ON inference_routing_log ("timestamp" DESC, id DESC)`);
    await q.query(`CREATE INDEX idx_inference_log_message ON inference_routing_log (message_id) WHERE message_id IS NOT NULL`);
    await q.query(`CREATE INDEX idx_inference_log_user_time ON inference_routing_log (user_id, "timestamp" DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inference_routing_log`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE users`);
  }
}
