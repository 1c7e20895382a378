import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cheaper routing-log INSERT (one row per completion, on the request path), the read paths served
 * as before (docs/decisions.md, "Overhead against a peer (issue 13)"):
 *
 * - The primary key becomes ("timestamp", id): still the row's identity (the same two columns, so
 *   the writer's idempotency is unchanged), now also the time order the admin browser, usage ranges
 *   and retention read, so `idx_inference_log_timestamp` ("timestamp" DESC, id DESC) goes — one index
 *   fewer per row, and the key index grows at its right edge instead of at a random uuid.
 * - `idx_inference_log_chat_time` covers only rows with a chat (every read of it filters on a chat
 *   id); gateway calls without one no longer add an entry.
 * - No foreign key from `user_id` to `users`: its check ran per row and locked the user's row
 *   (a WAL record, and a MultiXact whenever two writers held it at once). A user with routing-log
 *   rows still cannot be deleted or renumbered: a trigger on `users` checks on that rare write.
 *
 * Indexes on the partitioned parent cascade to every partition (and to partitions attached later).
 * The new key and index are built under the migration's lock: on a large log this is a
 * maintenance-window step, like the partitioning migration.
 */
export class RoutingLogLeanInsert1764190000000 implements MigrationInterface {
  name = 'RoutingLogLeanInsert1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE inference_routing_log
        DROP CONSTRAINT inference_routing_log_pkey,
        ADD CONSTRAINT inference_routing_log_pkey PRIMARY KEY ("timestamp", id)`);
    await q.query(`DROP INDEX idx_inference_log_timestamp`);
    await q.query(`DROP INDEX idx_inference_log_chat_time`);
    await q.query(
      `CREATE INDEX idx_inference_log_chat_time ON inference_routing_log (chat_id, "timestamp") WHERE chat_id IS NOT NULL`,
    );
    // Its name depends on the history (the partitioning migration built the table beside the old one).
    await q.query(`
      DO $$
      DECLARE fk text;
      BEGIN
        FOR fk IN SELECT conname FROM pg_constraint
                   WHERE conrelid = 'inference_routing_log'::regclass AND contype = 'f' AND confrelid = 'users'::regclass LOOP
          EXECUTE format('ALTER TABLE inference_routing_log DROP CONSTRAINT %I', fk);
        END LOOP;
      END $$`);
    await q.query(`
      CREATE FUNCTION routing_log_keep_users() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id)
           AND EXISTS (SELECT 1 FROM inference_routing_log WHERE user_id = OLD.id) THEN
          RAISE EXCEPTION 'user % has routing-log rows', OLD.id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'users';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(`
      CREATE TRIGGER routing_log_keep_users BEFORE DELETE OR UPDATE OF id ON users
        FOR EACH ROW EXECUTE FUNCTION routing_log_keep_users()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER routing_log_keep_users ON users`);
    await q.query(`DROP FUNCTION routing_log_keep_users()`);
    await q.query(
      `ALTER TABLE inference_routing_log ADD CONSTRAINT inference_routing_log_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)`,
    );
    await q.query(`DROP INDEX idx_inference_log_chat_time`);
    await q.query(`CREATE INDEX idx_inference_log_chat_time ON inference_routing_log (chat_id, "timestamp")`);
    await q.query(`CREATE INDEX idx_inference_log_timestamp ON inference_routing_log ("timestamp" DESC, id DESC)`);
    await q.query(`
      ALTER TABLE inference_routing_log
        DROP CONSTRAINT inference_routing_log_pkey,
        ADD CONSTRAINT inference_routing_log_pkey PRIMARY KEY (id, "timestamp")`);
  }
}
