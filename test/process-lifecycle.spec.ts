import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { spawnService } from './support/service-process.js';
import { ADMIN_KEY, postSse, type SseResult } from './support/test-app.js';

const YAML = `providers:
  - { name: medium, type: simulated, tier: 1, models: [m], options: { ttft_ms: 5, chunk_ms: 30 } }
  - { name: slow, type: simulated, tier: 1, models: [s], options: { ttft_ms: 5, chunk_ms: 600 } }
anonymization: { enabled: false }
`;

async function createMember(url: string): Promise<string> {
  const res = await fetch(`${url}/admin/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: `m${Date.now()}${Math.random()}@example.com` }),
  });
  return ((await res.json()) as { api_key: { key: string } }).api_key.key;
}

/** The service as a real process: SIGTERM drains live streams; SIGKILL with spooled rows loses none. */
describe('process lifecycle', () => {
  let dir: string;
  let database: EmbeddedDatabase;
  let db: pg.Pool;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tally-process-'));
    writeFileSync(join(dir, 'gateway.yaml'), YAML);
    database = await startEmbeddedPostgres(join(dir, 'pg-owner'), 'tally');
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    db.on('error', () => undefined); // idle connections die when the test stops the database
  }, 60_000);

  afterAll(async () => {
    await db.end();
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    DATABASE_URL: database.url,
    DATA_DIR: join(dir, 'data'),
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    ADMIN_API_KEY: ADMIN_KEY,
  });

  it('on SIGTERM lets short streams finish, cuts long ones at the grace deadline, writes every row and exits 0', async () => {
    const service = await spawnService({ ...env(), SHUTDOWN_GRACE_MS: '1500' });
    const key = await createMember(service.url);
    let firstFrames = 0;
    const streams: Promise<SseResult>[] = Array.from({ length: 50 }, (_, i) =>
      postSse(
        service.url,
        key,
        { model: i % 2 === 0 ? 'medium/m' : 'slow/s', stream: true, messages: [{ role: 'user', content: `stream ${i}` }] },
        {
          headers: { 'X-Request-Id': `term-${i}` },
          onFrame: (_d, index) => {
            if (index === 0) firstFrames++;
            return undefined;
          },
        },
      ),
    );
    while (firstFrames < 50) await new Promise((r) => setTimeout(r, 10));
    const signalled = Date.now();
    service.proc.kill('SIGTERM');
    const results = await Promise.all(streams);
    const exit = await service.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(1500 + 3000);

    for (const [i, result] of results.entries()) {
      expect(result.frames.at(-1)).toBe('[DONE]');
      if (i % 2 === 1) expect(JSON.parse(result.frames.at(-2)!).error.code).toBe('service_unavailable');
    }
    const { rows } = await db.query(
      `SELECT request_id, outcome, count(*) OVER (PARTITION BY request_id)::int AS n FROM inference_routing_log WHERE request_id LIKE 'term-%'`,
    );
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const outcome = (i: number) => rows.find((r) => r.request_id === `term-${i}`)?.outcome;
    for (let i = 0; i < 50; i++) expect(outcome(i)).toBe(i % 2 === 0 ? 'completed' : 'shutdown');
  }, 60_000);

  it('replays spooled rows exactly once after a SIGKILL and a restart', async () => {
    const first = await spawnService({ ...env(), SHUTDOWN_GRACE_MS: '1000' });
    const key = await createMember(first.url);
    // One request while the database is up, so the key is known when it goes away.
    const warm = await fetch(`${first.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(warm.status).toBe(200);
    await database.stop();
    for (let i = 0; i < 20; i++) {
      const body = { model: 'medium/m', stream: i % 2 === 0, messages: [{ role: 'user', content: `k${i}` }] };
      const res = await postSse(first.url, key, body, { headers: { 'X-Request-Id': `kill-${i}` } });
      expect(res.status).toBe(200);
      if (body.stream) expect(res.frames.at(-1)).toBe('[DONE]');
    }
    const ready = (await (await fetch(`${first.url}/ready`)).json()) as { spool_depth: number };
    expect(ready.spool_depth).toBe(20);
    first.proc.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    await database.start();
    const second = await spawnService({ ...env(), SHUTDOWN_GRACE_MS: '1000' });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const state = (await (await fetch(`${second.url}/ready`)).json()) as { spool_depth: number; status: string };
      if (state.status === 'ready' && state.spool_depth === 0) break;
      if (Date.now() > deadline) throw new Error(`spool did not drain: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows } = await db.query(
      `SELECT request_id, count(*)::int AS n FROM inference_routing_log WHERE request_id LIKE 'kill-%' GROUP BY request_id`,
    );
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 90_000);
});
