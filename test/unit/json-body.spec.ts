import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jsonBodyMiddleware, jsonDepthExceeds, MAX_JSON_DEPTH, valueDepthExceeds } from '../../src/common/http-middleware.js';
import type { TallyRequest } from '../../src/common/request-context.js';
import { prng } from '../support/fuzz.js';

/** A random JSON value whose containers nest exactly `depth` deep on at least one path. */
function nested(random: () => number, depth: number): unknown {
  if (depth === 0) {
    const leaves = [null, true, 1.5, 'a "quoted" [bracket] {brace} \\ string', ''];
    return leaves[Math.floor(random() * leaves.length)];
  }
  const width = 1 + Math.floor(random() * 3);
  const deepAt = Math.floor(random() * width);
  const children = Array.from({ length: width }, (_, i) =>
    nested(random, i === deepAt ? depth - 1 : Math.floor(random() * depth)),
  );
  if (random() < 0.5) return children;
  return Object.fromEntries(children.map((child, i) => [`k${i}[{"`, child]));
}

describe('valueDepthExceeds', () => {
  it('counts nesting as the text scan does, on 2000 random values around the limit', () => {
    const random = prng(1234);
    for (let i = 0; i < 2000; i++) {
      const depth = Math.floor(random() * 10);
      const limit = Math.floor(random() * 10);
      const value = nested(random, depth);
      const text = JSON.stringify(value);
      expect(valueDepthExceeds(value, limit)).toBe(jsonDepthExceeds(text, limit));
      expect(valueDepthExceeds(value, limit)).toBe(depth > limit);
    }
  });

  it('stops at the limit on a value nested far deeper (no recursion past it)', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(valueDepthExceeds(deep, MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('jsonBodyMiddleware over HTTP', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const readBody = jsonBodyMiddleware(1024 * 1024);
    server = createServer((req, res) =>
      readBody(req, res, () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ parsed: (req as TallyRequest).parsedBody }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = async (body: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { parsed?: unknown; error?: { code: string; message: string } } };
  };
  const depthMessage = `Request body nests deeper than ${MAX_JSON_DEPTH} levels.`;

  it('takes a body nested exactly to the limit, and a long prompt, as parsed', async () => {
    const atLimit = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(await post(atLimit)).toEqual({ status: 200, body: { parsed: JSON.parse(atLimit) } });
    const prompt = { model: 'm', messages: [{ role: 'user', content: 'x{['.repeat(20_000) }] };
    expect(await post(JSON.stringify(prompt))).toEqual({ status: 200, body: { parsed: prompt } });
  });

  it('refuses a valid body one level deeper than the limit as too deep', async () => {
    const res = await post(`{"a":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', message: depthMessage });
  });

  it('refuses a deep body that does not parse as too deep, and a shallow one as not JSON', async () => {
    const deepBroken = await post(`${'['.repeat(MAX_JSON_DEPTH + 1)}1,`);
    expect(deepBroken.status).toBe(400);
    expect(deepBroken.body.error).toMatchObject({ code: 'invalid_request', message: depthMessage });
    const shallowBroken = await post('{"model": "m",');
    expect(shallowBroken.status).toBe(400);
    expect(shallowBroken.body.error).toMatchObject({ code: 'invalid_request', message: 'Request body is not valid JSON.' });
  });
});
