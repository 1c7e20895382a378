import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { PartitionRoutingLog1764180000000 } from '../migrations/1764180000000-PartitionRoutingLog.js';
import { migrations } from '../migrations/index.js';
import { createApp } from '../src/app.factory.js';
import { loadConfig } from '../src/config/app-config.js';
import type { GatewayConfigHolder } from '../src/config/gateway-config.holder.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { DurableWriter } from '../src/durability/durable-writer.js';
import { monthStart, PartitionMaintainer } from '../src/routing-log/partition-maintainer.js';
import { chatsClient } from './chats-client.js';
import { ADMIN_KEY, eventually, gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: process.env.TALLY_TEST_PG_URL });
  await admin.connect();
  const name = `tally_test_part_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.TALLY_TEST_PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

const partName = (at: Date) => `inference_routing_log_p${at.toISOString().slice(0, 7).replace('-', '')}`;

/** A routing-log row as the writer and the spool carry it. */
function row(userId: string, timestamp: Date, extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    request_id: `part-${timestamp.toISOString()}`,
    timestamp: timestamp.toISOString(),
    user_id: userId,
    api_key_id: null,
    chat_id: null,
    message_id: null,
    requested_model: 'm',
    routed_provider: 'local-sim',
    routed_model: 'sim-small',
    routed_inference_tier: 1,
    stream: false,
    outcome: 'completed',
    tokens_in: 1,
    tokens_out: 2,
    cost_usd: '0.000001000000',
    latency_ms: 1,
    ttft_ms: null,
    refused: false,
    refusal_reason: null,
    error_code: null,
    error_reason: null,
    anonymization_applied: false,
    anonymized_entities: null,
    anonymization_skip_reason: null,
    fallbacks: [],
    purpose: 'chat',
    ...extra,
  };
}

describe('the routing log partitioned by month', () => {
  let app: TestApp;
  let member: { id: string; key: string };

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml());
    member = await app.createUser();
  });

  afterAll(async () => {
    await app.close();
  });

  it('has this month and the next two at start, and a completion lands in its month', async () => {
    const now = new Date();
    const { rows } = await app.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'inference_routing_log'::regclass`,
    );
    const names = rows.map((r) => r.name);
    for (const offset of [0, 1, 2]) expect(names).toContain(partName(monthStart(now, offset)));
    expect(names).toContain('inference_routing_log_default');
    const res = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.key}`, 'content-type': 'application/json', 'x-request-id': 'part-now' },
      body: JSON.stringify({ model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    const [where] = (
      await app.db.query(
        `SELECT tableoid::regclass::text AS part, "timestamp" FROM inference_routing_log WHERE request_id = 'part-now'`,
      )
    ).rows;
    expect(where.part).toBe(partName(where.timestamp));
  });

  it('keeps ON CONFLICT idempotency on (id, timestamp): the same row written twice is one row', async () => {
    const ts = new Date();
    const r = row(member.id, ts);
    const cols = Object.keys(r);
    const insert = () =>
      app.db.query(
        `INSERT INTO inference_routing_log (${cols.map((c) => `"${c}"`).join(',')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(',')})
         ON CONFLICT (id, "timestamp") DO NOTHING`,
        cols.map((c) => {
          const v = (r as Record<string, unknown>)[c];
          return c === 'fallbacks' ? JSON.stringify(v) : v;
        }),
      );
    await insert();
    await insert();
    expect((await app.db.query('SELECT count(*)::int AS n FROM inference_routing_log WHERE id = $1', [r.id])).rows[0].n).toBe(1);
  });

  it('the writer sends a row again (alone, or in a group) without ON CONFLICT: still one row, committed, never rejected', async () => {
    const durable = app.running.app.get(DurableWriter);
    const a = row(member.id, new Date());
    const b = row(member.id, new Date());
    expect(await durable.write('routing_log', a)).toBe('committed');
    // Written at once: the first goes alone, the next two as one group that meets `a` again.
    const results = await Promise.all([
      durable.write('routing_log', a),
      durable.write('routing_log', b),
      durable.write('routing_log', a),
    ]);
    expect(results).toEqual(['committed', 'committed', 'committed']);
    const { rows } = await app.db.query(
      'SELECT id, count(*)::int AS n FROM inference_routing_log WHERE id = ANY($1) GROUP BY id',
      [[a.id, b.id]],
    );
    expect(rows.map((r) => r.n)).toEqual([1, 1]);
    expect(existsSync(join(app.dataDir, 'spool', 'rejected.jsonl'))).toBe(false);
  });

  it('replays a spool across a month boundary into the right partitions, exactly once, on a restarted replica', async () => {
    const now = new Date();
    const boundary = monthStart(now); // the first instant of this month
    const lastOfPrevious = new Date(boundary.getTime() - 1);
    await app.db.query('SELECT routing_log_ensure_partition($1::date)', [monthStart(now, -1).toISOString().slice(0, 10)]);
    const before = row(member.id, lastOfPrevious);
    const after = row(member.id, boundary);
    // The spool holds `before` twice (a retried append): replay still leaves one row each.
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-part-spool-'));
    mkdirSync(join(dataDir, 'spool'), { recursive: true });
    const records = [before, after, before].map((r) => JSON.stringify({ kind: 'routing_log', row: r }));
    writeFileSync(join(dataDir, 'spool', 'replay-0000000000000001.jsonl'), `${records.join('\n')}\n`);
    const dir = mkdtempSync(join(tmpdir(), 'tally-part-yaml-'));
    writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml());
    const replica = await createApp(
      loadConfig({
        DATABASE_URL: app.running.databaseUrl,
        GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
        DATA_DIR: dataDir,
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'error',
      }),
    );
    try {
      await replica.app.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(replica.app.getHttpServer().address() as AddressInfo).port}`;
      await eventually(
        async () => ((await (await fetch(`${url}/ready`)).json()) as { spool_depth: number }).spool_depth === 0,
        15_000,
      );
      const { rows } = await app.db.query(
        `SELECT id, tableoid::regclass::text AS part, "timestamp" FROM inference_routing_log WHERE id = ANY($1) ORDER BY "timestamp"`,
        [[before.id, after.id]],
      );
      expect(rows.map((r) => [r.id, r.part, r.timestamp.toISOString()])).toEqual([
        [before.id, partName(lastOfPrevious), lastOfPrevious.toISOString()],
        [after.id, partName(boundary), boundary.toISOString()],
      ]);
      // The duplicate was recognised as already stored, not refused.
      expect(existsSync(join(dataDir, 'spool', 'rejected.jsonl'))).toBe(false);
    } finally {
      await replica.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retention drops a whole past partition, and the receipts of a chat whose rows went still answer', async () => {
    const client = chatsClient(app, member.key);
    const chat = await client.createChat({ title: 'old' });
    const turn = await client.turn(chat.id, { content: 'hello', model: 'local-sim/sim-small' });
    expect(turn.status).toBe(201);
    // Move the chat's routing-log row five months back, into a partition of its own.
    const now = new Date();
    const old = monthStart(now, -5);
    await app.db.query('SELECT routing_log_ensure_partition($1::date)', [old.toISOString().slice(0, 10)]);
    // Updating the partition key moves the row between partitions.
    await app.db.query(`UPDATE inference_routing_log SET "timestamp" = $2 WHERE chat_id = $1`, [
      chat.id,
      new Date(old.getTime() + 3_600_000),
    ]);
    const [moved] = (
      await app.db.query(`SELECT tableoid::regclass::text AS part FROM inference_routing_log WHERE chat_id = $1`, [chat.id])
    ).rows;
    expect(moved.part).toBe(partName(old));

    const maintainer = new PartitionMaintainer(app.running.app.get(DataSource), {
      current: { retention: { routing_log_days: 100 } },
    } as GatewayConfigHolder);
    const { dropped } = await maintainer.maintain(now);
    expect(dropped).toContain(partName(old));
    expect((await app.db.query(`SELECT to_regclass($1) AS t`, [partName(old)])).rows[0].t).toBeNull();
    // The current month is untouched.
    expect((await app.db.query(`SELECT to_regclass($1) AS t`, [partName(now)])).rows[0].t).not.toBeNull();
    expect(
      (await app.db.query('SELECT count(*)::int AS n FROM inference_routing_log WHERE chat_id = $1', [chat.id])).rows[0].n,
    ).toBe(0);

    const receipts = await client.receipts(chat.id);
    expect(receipts.status).toBe(200);
    expect(receipts.body.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['message']));
    expect(receipts.body.some((e: { kind: string }) => e.kind === 'inference')).toBe(false);
    expect(receipts.body.filter((e: { kind: string }) => e.kind === 'message')).toHaveLength(2);
  });
});

it('the conversion migration moves every row of an existing table into monthly partitions', async () => {
  const url = await freshDatabase();
  const partitioning = migrations.indexOf(PartitionRoutingLog1764180000000);
  const before = migrations.slice(0, partitioning);
  const old = new DataSource({ ...dataSourceOptions(url), migrations: before });
  await old.initialize();
  await old.runMigrations({ transaction: 'each' });
  const userId = randomUUID();
  await old.query(`INSERT INTO users (id, email, role) VALUES ($1, 'p@example.com', 'member')`, [userId]);
  const months = [-14, -7, -3, -1, 0, 1, 5]; // a year back, through months beyond the usual two ahead
  let n = 0;
  for (const offset of months) {
    const start = monthStart(new Date(), offset);
    for (const ts of [
      start,
      new Date(start.getTime() + 86_400_000 * 10),
      new Date(monthStart(new Date(), offset + 1).getTime() - 1),
    ]) {
      const r = row(userId, ts, {
        api_key_id: n % 2 ? randomUUID() : null,
        fallbacks: JSON.stringify([]),
        request_id: `conv-${n++}`,
      });
      const cols = Object.keys(r);
      await old.query(
        `INSERT INTO inference_routing_log (${cols.map((c) => `"${c}"`).join(',')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(',')})`,
        cols.map((c) => (r as Record<string, unknown>)[c]),
      );
    }
  }
  const fingerprint = `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY id)) AS digest
                         FROM (SELECT id, request_id, "timestamp", user_id, cost_usd, api_key_id, fallbacks, outcome FROM inference_routing_log) t`;
  const [original] = await old.query(fingerprint);
  expect(original.n).toBe(months.length * 3);
  await old.destroy();

  const all = new DataSource({ ...dataSourceOptions(url), migrations: migrations.slice(0, partitioning + 1) });
  await all.initialize();
  try {
    const applied = await all.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(['PartitionRoutingLog1764180000000']);
    expect(await all.query(fingerprint)).toEqual([original]);
    const placed: { part: string; ts: Date }[] = await all.query(
      `SELECT tableoid::regclass::text AS part, "timestamp" AS ts FROM inference_routing_log`,
    );
    for (const p of placed) expect(p.part).toBe(partName(p.ts));
    const [{ kind }] = await all.query(`SELECT relkind AS kind FROM pg_class WHERE relname = 'inference_routing_log'`);
    expect(kind).toBe('p');
    // And back: down keeps every row too.
    await all.undoLastMigration({ transaction: 'each' });
    expect(await all.query(fingerprint)).toEqual([original]);
    expect((await all.query(`SELECT relkind AS kind FROM pg_class WHERE relname = 'inference_routing_log'`))[0].kind).toBe('r');
  } finally {
    await all.destroy();
  }
});
