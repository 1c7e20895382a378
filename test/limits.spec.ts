import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

describe('limits', () => {
  let app: TestApp;

  beforeAll(async () => {
    const yaml = gatewayYaml({
      limits:
        '{ max_messages: 3, max_chars: 100, rate_per_key: { requests_per_minute: 60, burst: 4 }, concurrent_streams_per_key: 2 }',
    }).replace(
      'prices:',
      '  - { name: slow, type: simulated, tier: 1, models: [s], options: { ttft_ms: 5, chunk_ms: 300 } }\nprices:',
    );
    app = await startTestApp(yaml, { MAX_BODY_BYTES: '4096' });
  });

  afterAll(async () => {
    await app.close();
  });

  const complete = (key: string, body: unknown, requestId: string) =>
    fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    });

  it('answers 429 with Retry-After once a key has used its burst, and writes no row for it', async () => {
    const { key } = await app.createUser();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await complete(key, { model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'x' }] }, `rate-${i}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect(await app.rows('request_id = $1', ['rate-4'])).toHaveLength(0);
    // Another key has its own bucket.
    const other = await app.createUser();
    expect(
      (await complete(other.key, { model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'x' }] }, 'rate-other'))
        .status,
    ).toBe(200);
  });

  it('caps concurrent streams per key: the extra stream is refused with 429 and a refused row', async () => {
    const { key } = await app.createUser();
    const body = { model: 'slow/s', stream: true, messages: [{ role: 'user', content: 'x' }] };
    let opened = 0;
    const live = [0, 1].map((i) =>
      postSse(app.url, key, body, {
        headers: { 'X-Request-Id': `conc-${i}` },
        onFrame: (_d, index) => {
          if (index === 0) opened++;
          return index >= 3 ? 'close' : undefined;
        },
      }),
    );
    while (opened < 2) await new Promise((r) => setTimeout(r, 10));
    const third = await postSse(app.url, key, body, { headers: { 'X-Request-Id': 'conc-2' } });
    expect(third.status).toBe(429);
    expect(JSON.parse(third.raw).error.code).toBe('rate_limit_exceeded');
    const rows = await app.rows('request_id = $1', ['conc-2']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'refused', refused: true, refusal_reason: 'concurrent_streams:limit=2' });
    await Promise.all(live);
  });

  it('enforces messages and characters per request (400) and body size (413)', async () => {
    const { key } = await app.createUser();
    const many = await complete(
      key,
      { model: 'local-sim/sim-small', messages: Array(4).fill({ role: 'user', content: 'x' }) },
      'lim-msgs',
    );
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { details: { limit: number } } }).error.details.limit).toBe(3);
    const long = await complete(
      key,
      { model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'x'.repeat(101) }] },
      'lim-chars',
    );
    expect(long.status).toBe(400);
    const big = await complete(
      key,
      { model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'x' }], pad: 'y'.repeat(5000) },
      'lim-body',
    );
    expect(big.status).toBe(413);
    expect(await app.rows("request_id LIKE 'lim-%'")).toHaveLength(0);
  });
});
