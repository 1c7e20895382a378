import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../migrations/index.js';
import { dataSourceOptions } from '../src/database/data-source.js';

let url: string;
let db: pg.Client;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: process.env.TALLY_TEST_PG_URL });
  await admin.connect();
  const name = `tally_test_lean_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(process.env.TALLY_TEST_PG_URL!);
  u.pathname = `/${name}`;
  url = u.toString();
  db = new pg.Client({ connectionString: url });
  await db.connect();
});

afterAll(async () => {
  await db.end();
});

/** The partitioned parent's indexes, as `name: method (columns) [WHERE …]`. */
async function indexes(): Promise<string[]> {
  const { rows } = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'inference_routing_log' ORDER BY indexname`,
  );
  return rows.map((r) => `${r.indexname}: ${r.indexdef.replace(/^.* USING /, '')}`);
}

/** The tables the parent's foreign keys point at. */
async function foreignKeys(): Promise<string[]> {
  const { rows } = await db.query<{ target: string }>(
    `SELECT confrelid::regclass::text AS target FROM pg_constraint
      WHERE conrelid = 'inference_routing_log'::regclass AND contype = 'f' ORDER BY 1`,
  );
  return rows.map((r) => r.target);
}

const LEAN = [
  'idx_inference_log_api_key_time: btree (api_key_id, "timestamp") INCLUDE (cost_usd) WHERE (api_key_id IS NOT NULL)',
  'idx_inference_log_chat_time: btree (chat_id, "timestamp") WHERE (chat_id IS NOT NULL)',
  'idx_inference_log_message: btree (message_id) WHERE (message_id IS NOT NULL)',
  'idx_inference_log_request_id: btree (request_id)',
  'idx_inference_log_user_time: btree (user_id, "timestamp" DESC)',
  'inference_routing_log_pkey: btree ("timestamp", id)',
];

const BEFORE = [
  'idx_inference_log_api_key_time: btree (api_key_id, "timestamp") INCLUDE (cost_usd) WHERE (api_key_id IS NOT NULL)',
  'idx_inference_log_chat_time: btree (chat_id, "timestamp")',
  'idx_inference_log_message: btree (message_id) WHERE (message_id IS NOT NULL)',
  'idx_inference_log_request_id: btree (request_id)',
  'idx_inference_log_timestamp: btree ("timestamp" DESC, id DESC)',
  'idx_inference_log_user_time: btree (user_id, "timestamp" DESC)',
  'inference_routing_log_pkey: btree (id, "timestamp")',
];

it('the lean-insert migration: key ("timestamp", id), no time index, partial chat index, no foreign key, users still guarded; down and up keep every row', async () => {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    expect(await indexes()).toEqual(LEAN);
    expect(await foreignKeys()).toEqual([]);
    // Every partition carries the parent's indexes.
    const { rows: parts } = await db.query<{ part: string; n: number }>(
      `SELECT c.relname AS part, (SELECT count(*)::int FROM pg_index x WHERE x.indrelid = c.oid) AS n
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'inference_routing_log'::regclass`,
    );
    expect(parts.length).toBeGreaterThanOrEqual(4); // three months and the DEFAULT
    for (const p of parts) expect(p).toEqual({ part: p.part, n: LEAN.length });

    const [keeper, other] = [randomUUID(), randomUUID()];
    for (const id of [keeper, other]) {
      await db.query(`INSERT INTO users (id, email, role) VALUES ($1, $2, 'member')`, [id, `${id}@example.com`]);
    }
    await db.query(
      `INSERT INTO inference_routing_log (id, request_id, "timestamp", user_id, routed_provider, routed_model, routed_inference_tier, stream, outcome)
       VALUES ($1, 'lean-1', now(), $2, 'p', 'm', 1, false, 'completed')`,
      [randomUUID(), keeper],
    );
    // A user with routing-log rows can be neither deleted nor renumbered; other changes and other users can.
    await expect(db.query('DELETE FROM users WHERE id = $1', [keeper])).rejects.toMatchObject({ code: '23503' });
    await expect(db.query('UPDATE users SET id = $2 WHERE id = $1', [keeper, randomUUID()])).rejects.toMatchObject({
      code: '23503',
    });
    await db.query(`UPDATE users SET email = 'renamed@example.com' WHERE id = $1`, [keeper]);
    await db.query('DELETE FROM users WHERE id = $1', [other]);

    await ds.undoLastMigration({ transaction: 'each' });
    expect(await indexes()).toEqual(BEFORE);
    expect(await foreignKeys()).toEqual(['users']);
    expect((await db.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'routing_log_keep_users'`)).rows[0].n).toBe(
      0,
    );
    await expect(db.query('DELETE FROM users WHERE id = $1', [keeper])).rejects.toMatchObject({ code: '23503' });

    await ds.runMigrations({ transaction: 'each' });
    expect(await indexes()).toEqual(LEAN);
    expect((await db.query(`SELECT count(*)::int AS n FROM inference_routing_log WHERE request_id = 'lean-1'`)).rows[0].n).toBe(
      1,
    );
    expect(migrations.at(-1)!.name).toBe('RoutingLogLeanInsert1764190000000');
  } finally {
    await ds.destroy();
  }
});
