import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Limits and budgets per key and per user, and the tables replicas share their counters through
 * (every `limits.sync_ms`, off the request path).
 */
export class SharedLimits1764170000000 implements MigrationInterface {
  name = 'SharedLimits1764170000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['api_keys', 'users']) {
      await q.query(`
        ALTER TABLE ${table}
          ADD COLUMN requests_per_minute integer CHECK (requests_per_minute > 0),
          ADD COLUMN budget_usd_per_day numeric(20, 12) CHECK (budget_usd_per_day >= 0),
          ADD COLUMN budget_usd_per_month numeric(20, 12) CHECK (budget_usd_per_month >= 0)`);
    }
    // One row per replica and counter: each replica upserts its own absolute value, so a retried sync
    // can never count twice; the global value is the sum over replicas.
    await q.query(`
      CREATE TABLE limit_counters (
        metric text NOT NULL,
        subject text NOT NULL,
        window_id bigint NOT NULL,
        replica_id text NOT NULL,
        value integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (metric, subject, window_id, replica_id)
      )`);
    await q.query(`
      CREATE TABLE limit_replicas (
        replica_id text PRIMARY KEY,
        seen_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE limit_replicas`);
    await q.query(`DROP TABLE limit_counters`);
    for (const table of ['api_keys', 'users']) {
      await q.query(
        `ALTER TABLE ${table} DROP COLUMN requests_per_minute, DROP COLUMN budget_usd_per_day, DROP COLUMN budget_usd_per_month`,
      );
    }
  }
}
