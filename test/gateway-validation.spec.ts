import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, any>;
}

/** Sends exact bytes, so malformed bodies reach the server as they are. */
function raw(app: TestApp, path: string, body: string | Buffer, headers: Record<string, string>): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
    });
    req.end(body);
  });
}

function expectEnvelope(result: RawResult, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.body).toEqual({
    error: { code, message: expect.any(String), type: code, param: null, details: expect.any(Object) },
  });
  expect(result.headers['x-request-id']).toEqual(expect.any(String));
}

describe('bad input gets the right 4xx, the envelope, and no row', () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml(), { MAX_BODY_BYTES: '65536' });
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
  });

  const valid = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };
  const cases: [string, string | Buffer, number, string][] = [
    ['not JSON', '{"model": "fast", "messages": [', 400, 'invalid_request'],
    ['a JSON array', JSON.stringify([valid]), 400, 'invalid_request'],
    ['a JSON string', '"hello"', 400, 'invalid_request'],
    ['JSON null', 'null', 400, 'invalid_request'],
    ['an empty body', '', 400, 'invalid_request'],
    ['missing model', JSON.stringify({ messages: valid.messages }), 400, 'invalid_request'],
    ['empty model', JSON.stringify({ ...valid, model: '' }), 400, 'invalid_request'],
    ['messages not an array', JSON.stringify({ ...valid, messages: { role: 'user' } }), 400, 'invalid_request'],
    ['empty messages', JSON.stringify({ ...valid, messages: [] }), 400, 'invalid_request'],
    ['a message without role', JSON.stringify({ ...valid, messages: [{ content: 'x' }] }), 400, 'invalid_request'],
    [
      'content of the wrong type',
      JSON.stringify({ ...valid, messages: [{ role: 'user', content: 42 }] }),
      400,
      'invalid_request',
    ],
    ['stream not a boolean', JSON.stringify({ ...valid, stream: 'yes' }), 400, 'invalid_request'],
    ['temperature out of range', JSON.stringify({ ...valid, temperature: 3 }), 400, 'invalid_request'],
    ['n: 2', JSON.stringify({ ...valid, n: 2 }), 400, 'invalid_request'],
    ['minimum_inference_tier: 9', JSON.stringify({ ...valid, minimum_inference_tier: 9 }), 400, 'invalid_request'],
    ['chat_id not a UUID', JSON.stringify({ ...valid, chat_id: 'abc' }), 400, 'invalid_request'],
    ['purpose with spaces', JSON.stringify({ ...valid, purpose: 'two words' }), 400, 'invalid_request'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x7d]), 400, 'invalid_request'],
    [
      'nesting 10,000 levels deep',
      `{"model":"fast","messages":[{"role":"user","content":"x"}],"x":${'['.repeat(10000)}${']'.repeat(10000)}}`,
      400,
      'invalid_request',
    ],
    ['a body over the limit', JSON.stringify({ ...valid, pad: 'x'.repeat(70000) }), 413, 'payload_too_large'],
  ];

  for (const [label, body, status, code] of cases) {
    it(`answers ${status} ${code} for ${label}`, async () => {
      const requestId = `bad-${label.replace(/\W+/g, '-')}`;
      const result = await raw(app, '/v1/chat/completions', body, {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      });
      expectEnvelope(result, status, code);
      expect(await app.rows('request_id = $1', [requestId])).toHaveLength(0);
    });
  }

  it('never echoes the offending input in validation details', async () => {
    const secret = 'sk-live-should-not-be-echoed';
    const result = await raw(
      app,
      '/v1/chat/completions',
      JSON.stringify({ ...valid, messages: [{ role: secret, content: 'x' }] }),
      {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
      },
    );
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.body)).not.toContain(secret);
  });

  it('answers 400 for multipart content', async () => {
    const result = await raw(app, '/v1/chat/completions', JSON.stringify(valid), {
      authorization: `Bearer ${key}`,
      'content-type': 'multipart/form-data; boundary=x',
    });
    expectEnvelope(result, 400, 'invalid_request');
  });

  for (const [label, header] of [
    ['no auth', undefined],
    ['a wrong key', 'Bearer tly_this_key_does_not_exist_anywhere'],
    ['a malformed header', 'Basic dXNlcjpwYXNz'],
  ] as const) {
    it(`answers 401 for ${label}, and writes no row`, async () => {
      const requestId = `auth-${label.replace(/\W+/g, '-')}`;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-request-id': requestId,
      };
      if (header) headers.authorization = header;
      const result = await raw(app, '/v1/chat/completions', JSON.stringify(valid), headers);
      expectEnvelope(result, 401, 'unauthorized');
      expect(await app.rows('request_id = $1', [requestId])).toHaveLength(0);
    });
  }

  it('rejects a revoked key', async () => {
    const user = await app.createUser();
    const issued = (await (
      await fetch(`${app.url}/admin/users/${user.id}/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { id: string; key: string };
    const ok = await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${issued.key}` } });
    expect(ok.status).toBe(200);
    const revoke = await fetch(`${app.url}/admin/api-keys/${issued.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${app.adminKey}` },
    });
    expect(revoke.status).toBe(204);
    const after = await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${issued.key}` } });
    expect(after.status).toBe(401);
    // The user's first key still works.
    expect((await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${user.key}` } })).status).toBe(200);
  });

  it('looks a key up once for the requests that arrive together, and never caches a lookup a revocation overlapped', async () => {
    const user = await app.createUser();
    const db = app.running.app.get(DataSource);
    const query = db.query.bind(db);
    const lookups = jest.spyOn(db, 'query');
    const keyLookups = () => lookups.mock.calls.filter(([sql]) => String(sql).includes('FROM api_keys k JOIN users u')).length;
    /** The next query answers only once the returned release is called. */
    const holdNextQuery = () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      lookups.mockImplementationOnce(async (...args: Parameters<DataSource['query']>) => {
        const rows = await query(...args);
        await held;
        return rows;
      });
      return release;
    };
    const models = (key: string) => fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    try {
      // The key's first lookup is held until all twenty requests are in: they wait for it, not ask again.
      const releaseFirst = holdNextQuery();
      const statuses = Promise.all(Array.from({ length: 20 }, () => models(user.key).then((r) => r.status)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      releaseFirst();
      expect(await statuses).toEqual(Array(20).fill(200));
      expect(keyLookups()).toBe(1);

      // A second key, revoked while its first lookup is out: a request after the revocation does not
      // join that lookup, and the lookup's answer (it found the key) is not kept.
      const issued = (await (
        await fetch(`${app.url}/admin/users/${user.id}/api-keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { id: string; key: string };
      const before = keyLookups();
      const release = holdNextQuery();
      const first = models(issued.key);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const revoke = await fetch(`${app.url}/admin/api-keys/${issued.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${app.adminKey}` },
      });
      expect(revoke.status).toBe(204);
      expect((await models(issued.key)).status).toBe(401);
      release();
      expect((await first).status).toBe(200);
      expect((await models(issued.key)).status).toBe(401);
      expect(keyLookups() - before).toBe(3);
    } finally {
      lookups.mockRestore();
    }
  });

  it('stores only key hashes', async () => {
    const user = await app.createUser();
    const { rows } = await app.db.query('SELECT key_hash, key_prefix FROM api_keys WHERE user_id = $1', [user.id]);
    expect(rows).toHaveLength(1);
    expect(Buffer.isBuffer(rows[0].key_hash)).toBe(true);
    expect(rows[0].key_hash.toString('utf8')).not.toContain(user.key);
    expect(rows[0].key_hash).toHaveLength(32);
  });

  it('answers the envelope for unknown routes and malformed ids', async () => {
    const unknown = await fetch(`${app.url}/v1/nope`, { headers: { authorization: `Bearer ${key}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const malformed = await fetch(`${app.url}/admin/api-keys/not-a-uuid`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${app.adminKey}` },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });

  it('echoes X-Request-Id, or X-Correlation-Id, or mints one', async () => {
    const a = await fetch(`${app.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(a.headers.get('x-request-id')).toBe('abc-123');
    const b = await fetch(`${app.url}/health`, { headers: { 'x-correlation-id': 'corr-9' } });
    expect(b.headers.get('x-request-id')).toBe('corr-9');
    const c = await fetch(`${app.url}/health`);
    expect(c.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });
});
