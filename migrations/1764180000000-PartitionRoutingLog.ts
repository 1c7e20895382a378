import type { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = `id, request_id, "timestamp", user_id, chat_id, message_id, requested_model, routed_provider, routed_model,
  routed_inference_tier, stream, outcome, tokens_in, tokens_out, cost_usd, latency_ms, ttft_ms, refused, refusal_reason,
  error_code, error_reason, anonymization_applied, anonymized_entities, anonymization_skip_reason, fallbacks, purpose, api_key_id`;

function table(name: string, tail: string): string {
  return `
    CREATE TABLE ${name} (
      id uuid NOT NULL,
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
      purpose varchar(64) NOT NULL DEFAULT 'chat',
      api_key_id uuid,
      ${tail}`;
}

const INDEXES = [
  `CREATE INDEX idx_inference_log_request_id ON inference_routing_log (request_id)`,
  `CREATE INDEX idx_inference_log_chat_time ON inference_routing_log (chat_id, "timestamp")`,
  `CREATE INDEX idx_inference_log_timestamp ON inference_routing_log ("timestamp" DESC, id DESC)`,
  `CREATE INDEX idx_inference_log_message ON inference_routing_log (message_id) WHERE message_id IS NOT NULL`,
  `CREATE INDEX idx_inference_log_user_time ON inference_routing_log (user_id, "timestamp" DESC)`,
  `CREATE INDEX idx_inference_log_api_key_time ON inference_routing_log (api_key_id, "timestamp") INCLUDE (cost_usd) WHERE api_key_id IS NOT NULL`,
];
const INDEX_NAMES = INDEXES.map((sql) => /CREATE INDEX (\S+)/.exec(sql)![1]);

/**
 * The routing log partitioned by UTC month on `timestamp`, moving every existing row. The primary key
 * becomes (id, timestamp): a completion's id and arrival time are minted together and every write
 * (retry, spool replay) carries both, so ON CONFLICT (id, timestamp) still means "the same row".
 * A DEFAULT partition catches a row no monthly partition covers (never an insert that fails);
 * `routing_log_ensure_partition` creates a month (moving any such rows in first), under an advisory
 * lock so replicas can call it at once. Plain SQL that runs on PostgreSQL 15.
 */
export class PartitionRoutingLog1764180000000 implements MigrationInterface {
  name = 'PartitionRoutingLog1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inference_routing_log RENAME TO inference_routing_log_unpartitioned`);
    await q.query(
      `ALTER TABLE inference_routing_log_unpartitioned RENAME CONSTRAINT inference_routing_log_pkey TO inference_routing_log_unpartitioned_pkey`,
    );
    for (const name of INDEX_NAMES) await q.query(`DROP INDEX IF EXISTS ${name}`);
    await q.query(table('inference_routing_log', `PRIMARY KEY (id, "timestamp")\n    ) PARTITION BY RANGE ("timestamp")`));
    for (const sql of INDEXES) await q.query(sql);
    await q.query(`CREATE TABLE inference_routing_log_default PARTITION OF inference_routing_log DEFAULT`);
    await q.query(`
      CREATE FUNCTION routing_log_ensure_partition(month date) RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        lower_bound timestamptz := date_trunc('month', month)::timestamp AT TIME ZONE 'UTC';
        upper_bound timestamptz := (date_trunc('month', month) + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        part text := 'inference_routing_log_p' || to_char(month, 'YYYYMM');
      BEGIN
        PERFORM pg_advisory_xact_lock(7243012);
        IF to_regclass(part) IS NOT NULL THEN
          RETURN NULL;
        END IF;
        EXECUTE format('CREATE TABLE %I (LIKE inference_routing_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        -- Rows the DEFAULT partition caught for this month move in before the month is attached.
        EXECUTE format(
          'WITH moved AS (DELETE FROM inference_routing_log_default WHERE "timestamp" >= %L AND "timestamp" < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
          lower_bound, upper_bound, part);
        EXECUTE format('ALTER TABLE inference_routing_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lower_bound, upper_bound);
        RETURN part;
      END $$`);
    // A partition for every month the old rows cover, through two months ahead.
    await q.query(`
      SELECT routing_log_ensure_partition(m::date)
        FROM generate_series(
               date_trunc('month', least(coalesce((SELECT min("timestamp") FROM inference_routing_log_unpartitioned), now()), now()) AT TIME ZONE 'UTC'),
               date_trunc('month', greatest(coalesce((SELECT max("timestamp") FROM inference_routing_log_unpartitioned), now()), now() + interval '2 months') AT TIME ZONE 'UTC'),
               interval '1 month') AS m`);
    await q.query(`INSERT INTO inference_routing_log (${COLUMNS}) SELECT ${COLUMNS} FROM inference_routing_log_unpartitioned`);
    await q.query(`
      DO $$
      DECLARE before bigint; after bigint;
      BEGIN
        SELECT count(*) INTO before FROM inference_routing_log_unpartitioned;
        SELECT count(*) INTO after FROM inference_routing_log;
        IF before <> after THEN
          RAISE EXCEPTION 'routing log conversion moved % of % rows', after, before;
        END IF;
      END $$`);
    await q.query(`DROP TABLE inference_routing_log_unpartitioned`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inference_routing_log RENAME TO inference_routing_log_partitioned`);
    await q.query(
      `ALTER TABLE inference_routing_log_partitioned RENAME CONSTRAINT inference_routing_log_pkey TO inference_routing_log_partitioned_pkey`,
    );
    for (const name of INDEX_NAMES) await q.query(`DROP INDEX IF EXISTS ${name}`);
    await q.query(table('inference_routing_log', 'CONSTRAINT inference_routing_log_pkey PRIMARY KEY (id)\n    )'));
    for (const sql of INDEXES) await q.query(sql);
    await q.query(`INSERT INTO inference_routing_log (${COLUMNS}) SELECT ${COLUMNS} FROM inference_routing_log_partitioned`);
    await q.query(`DROP TABLE inference_routing_log_partitioned`);
    await q.query(`DROP FUNCTION routing_log_ensure_partition(date)`);
  }
}
