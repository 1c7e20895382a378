import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FuzzCase, fuzzCase, prng } from './support/fuzz.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

/** Codes that mean "this passed validation and became a completion", so it must have exactly one row. */
const COMPLETION_CODES = new Set(['invalid_model', 'tier_below_minimum', 'provider_unavailable']);

function send(url: string, c: FuzzCase, key: string, requestId: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'x-request-id': requestId };
    if (c.contentType) headers['content-type'] = c.contentType;
    if (c.auth !== 'none') headers.authorization = c.auth === 'garbage' ? 'Bearer \u00ff\u00fe garbage' : `Bearer ${key}`;
    if (c.body) headers['content-length'] = String(c.body.length);
    const req = httpRequest(`${url}${c.path}`, { method: c.method, headers: headers });
    req.on('error', () => resolve({ status: 0, code: 'socket' }));
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let code: string | undefined;
        try {
          code = JSON.parse(text)?.error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, code });
      });
    });
    req.end(c.body);
  });
}

describe('fuzzing every route', () => {
  let app: TestApp;
  let member: { id: string; key: string };

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml(), { MAX_BODY_BYTES: '2097152' });
    member = await app.createUser();
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers 5,000 generated requests with zero 5xx, rows only for completions, and stays healthy', async () => {
    const r = prng(20261126);
    const total = Number(process.env.FUZZ_TOTAL ?? 5000);
    const results: { status: number; code: string | undefined; path: string; requestId: string }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const c = fuzzCase(r, member.id);
        const requestId = `fuzz-${i}`;
        const key = c.auth === 'admin' ? app.adminKey : member.key;
        const res = await send(app.url, c, key, requestId);
        results.push({ ...res, path: c.path, requestId });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    expect(results).toHaveLength(total);
    expect(results.filter((x) => x.status === 0)).toEqual([]);
    expect(results.filter((x) => x.status >= 500)).toEqual([]);
    // Every error answer uses the envelope with a code.
    expect(results.filter((x) => x.status >= 400 && !x.code)).toEqual([]);

    const { rows } = await app.db.query(
      `SELECT request_id, count(*)::int AS n FROM inference_routing_log WHERE request_id LIKE 'fuzz-%' GROUP BY request_id`,
    );
    const rowCount = new Map(rows.map((row) => [row.request_id as string, row.n as number]));
    const completions = results.filter(
      (x) => x.path === '/v1/chat/completions' && (x.status === 200 || (x.code !== undefined && COMPLETION_CODES.has(x.code))),
    );
    expect(completions.length).toBeGreaterThan(50);
    for (const x of results) {
      const expected = completions.includes(x) ? 1 : 0;
      if ((rowCount.get(x.requestId) ?? 0) !== expected)
        throw new Error(`${x.requestId} ${x.path} ${x.status} ${x.code}: ${rowCount.get(x.requestId) ?? 0} rows`);
    }
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/ready`)).status).toBe(200);
    const ok = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'still alive?' }] }),
    });
    expect(ok.status).toBe(200);
  }, 180_000);
});
