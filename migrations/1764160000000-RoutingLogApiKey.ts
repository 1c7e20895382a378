import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The API key that made each call (its id, never the key). Rows written before this keep a null. */
export class RoutingLogApiKey1764160000000 implements MigrationInterface {
  name = 'RoutingLogApiKey1764160000000';

  async up(q: QueryRunner): Promise<void> {
    // Not a foreign key: a receipt is written whatever happens to the key, and spooled rows replay as they are.
    await q.query(`ALTER TABLE inference_routing_log ADD COLUMN api_key_id uuid`);
    // Serves the api_key_id filter and the per-key spend of budgets (cost in the index: no heap visit).
    await q.query(
      `CREATE INDEX idx_inference_log_api_key_time ON inference_routing_log (api_key_id, "timestamp") INCLUDE (cost_usd) WHERE api_key_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_inference_log_api_key_time`);
    await q.query(`ALTER TABLE inference_routing_log DROP COLUMN api_key_id`);
  }
}
