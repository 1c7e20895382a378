import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { completionOf, FakeOpenAi, sleep, streamOf } from './support/fake-openai.js';
import { eventually, gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

/**
 * PostgreSQL goes away in the middle of traffic: every completion still ends normally, its receipt
 * is spooled, and once the database is back the spool drains to exactly one row per completion.
 * This file runs its own PostgreSQL so stopping it does not disturb other test files.
 */
describe('durability: the database stops mid-traffic', () => {
  let pgDir: string;
  let database: EmbeddedDatabase;
  let fake: FakeOpenAi;
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    pgDir = mkdtempSync(join(tmpdir(), 'tally-durability-pg-'));
    database = await startEmbeddedPostgres(pgDir, 'postgres');
    fake = await new FakeOpenAi().start();
    fake.behaviour = (body) =>
      body.stream ? streamOf(['a', 'b', 'c', 'd', 'e'], { prompt: 3, completion: 5 }, 20) : completionOf('ok');
    app = await startTestApp(gatewayYaml({ upstreams: { 'local-x': fake.baseUrl } }), {}, database.url);
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
    await database.destroy();
    rmSync(pgDir, { recursive: true, force: true });
  });

  it('keeps rows = completions with no duplicates through a 4 s outage, and every stream ends with [DONE]', async () => {
    const total = 200;
    let started = 0;
    const outcomes: { id: string; ok: boolean; stream: boolean }[] = [];
    const one = async (i: number) => {
      const id = `outage-${i}`;
      const stream = i % 2 === 0;
      const body = { model: 'local-x/local-x-model', stream, messages: [{ role: 'user', content: `n${i}` }] };
      if (stream) {
        const res = await postSse(app.url, key, body, { headers: { 'X-Request-Id': id } });
        outcomes.push({ id, stream, ok: res.status === 200 && res.frames.at(-1) === '[DONE]' && !res.raw.includes('"error"') });
      } else {
        const res = await fetch(`${app.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify(body),
        });
        outcomes.push({ id, stream, ok: res.status === 200 });
      }
    };
    const worker = async () => {
      while (started < total) {
        const i = started++;
        await one(i);
        await sleep(10);
      }
    };
    const workers = Array.from({ length: 10 }, worker);
    await eventually(async () => started >= 50, 20_000);
    await database.stop();
    await sleep(4000);
    const duringOutage = started;
    await database.start();
    await Promise.all(workers);

    expect(duringOutage).toBeGreaterThan(60); // traffic really flowed while the database was down
    expect(outcomes).toHaveLength(total);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    await eventually(async () => {
      const ready = (await (await fetch(`${app.url}/ready`)).json()) as { spool_depth: number; status: string };
      return ready.status === 'ready' && ready.spool_depth === 0;
    }, 20_000);
    const { rows } = await app.db.query(
      `SELECT request_id, count(*)::int AS n, min(outcome) AS outcome FROM inference_routing_log WHERE request_id LIKE 'outage-%' GROUP BY request_id`,
    );
    expect(rows).toHaveLength(total);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.filter((r) => r.outcome !== 'completed')).toEqual([]);
    // The outage really exercised the spool (rows were not simply retried until the database came back).
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const spooled = /tally_durable_rows_total\{table="inference_routing_log",result="spooled"\} (\d+)/.exec(metrics);
    expect(Number(spooled?.[1] ?? 0)).toBeGreaterThan(10);
  }, 90_000);

  it('finishes a chat turn in flight when the database goes away: [DONE], then its message and row once it is back', async () => {
    fake.behaviour = () => streamOf(['The ', 'answer ', 'arrives ', 'slowly', '.'], { prompt: 3, completion: 5 }, 400);
    const chat = (await (
      await fetch(`${app.url}/chats`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { id: string };
    let stopping: Promise<void> | undefined;
    const turn = await postSse(
      app.url,
      key,
      { content: 'Tell me slowly.', model: 'local-x/local-x-model', stream: true },
      {
        path: `/chats/${chat.id}/messages`,
        onFrame: (data) => {
          if (!stopping && data.includes('"type":"delta"')) stopping = database.stop();
          return undefined;
        },
      },
    );
    await stopping;
    const frames = turn.frames.slice(0, -1).map((f) => JSON.parse(f));
    expect(turn.frames.at(-1)).toBe('[DONE]');
    const complete = frames.find((f) => f.type === 'complete');
    expect(complete?.message.content).toBe('The answer arrives slowly.');
    expect(frames.some((f) => f.type === 'error')).toBe(false);
    await database.start();
    await eventually(async () => {
      const ready = (await (await fetch(`${app.url}/ready`)).json()) as { spool_depth: number; status: string };
      return ready.status === 'ready' && ready.spool_depth === 0;
    }, 20_000);
    const messages = await app.db.query('SELECT id, role, content FROM messages WHERE chat_id = $1 ORDER BY created_at', [
      chat.id,
    ]);
    expect(messages.rows.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Tell me slowly.'],
      ['assistant', 'The answer arrives slowly.'],
    ]);
    const rows = await app.rows('message_id = $1', [complete.message_id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'completed', chat_id: chat.id });
  }, 60_000);
});
