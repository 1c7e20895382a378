import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { ChatsSchema1764150000000 } from '../migrations/1764150000000-ChatsSchema.js';
import { dataSourceOptions } from '../src/database/data-source.js';

let url: string;
let db: DataSource;

const tables = async () =>
  (
    await db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('chats', 'messages', 'audit_log') ORDER BY 1`,
    )
  ).map((r: { table_name: string }) => r.table_name);

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: process.env.TALLY_TEST_PG_URL });
  await admin.connect();
  const name = `tally_test_mig_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(process.env.TALLY_TEST_PG_URL!);
  target.pathname = `/${name}`;
  url = target.toString();
  db = new DataSource(dataSourceOptions(url));
  await db.initialize();
});

afterAll(async () => {
  await db.destroy();
});

it('creates chats, messages and audit_log with their indexes, and its down removes exactly those', async () => {
  await db.runMigrations({ transaction: 'each' });
  expect(await tables()).toEqual(['audit_log', 'chats', 'messages']);
  const indexes = (await db.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('messages', 'audit_log')`)) as {
    indexname: string;
    indexdef: string;
  }[];
  expect(indexes.find((i) => i.indexname === 'idx_messages_chat_created')?.indexdef).toMatch(/\(chat_id, created_at, id\)/);
  expect(indexes.find((i) => i.indexname === 'idx_audit_log_resource_time')?.indexdef).toMatch(
    /\(resource_type, resource_id, "timestamp", id\)/,
  );

  const lastApplied = async () => (await db.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`))[0].name;
  // Undo any later migrations first, then this one.
  while ((await lastApplied()) !== new ChatsSchema1764150000000().name) await db.undoLastMigration({ transaction: 'each' });
  await db.undoLastMigration({ transaction: 'each' });
  expect(await tables()).toEqual([]);
  // The tables before it are untouched, and up again works.
  expect((await db.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'users'`))[0].n).toBe(1);
  await db.runMigrations({ transaction: 'each' });
  expect(await tables()).toEqual(['audit_log', 'chats', 'messages']);
});
