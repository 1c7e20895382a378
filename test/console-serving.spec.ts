import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONSOLE_CSP } from '../src/console/console-headers.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

/** A raw GET (no automatic decompression), so the bytes on the wire can be checked. */
function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = httpRequest(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

const envelope = (body: Buffer) => JSON.parse(body.toString('utf8')).error?.code;

describe('serving the web console', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml());
  });
  afterAll(async () => {
    await app.close();
  });

  it('redirects / and /console to /console/', async () => {
    for (const path of ['/', '/console']) {
      const res = await rawGet(`${app.url}${path}`);
      expect([path, res.status, res.headers.location]).toEqual([path, 302, '/console/']);
    }
  });

  it('answers every client route under /console/ with index.html: never cached, strict CSP, no inline script or style', async () => {
    const paths = [
      '/console/',
      '/console/chats/5f0c6a8e-1d2b-4c3a-9e8f-0a1b2c3d4e5f',
      '/console/admin/routing-log',
      '/console/x/y?z=1',
    ];
    const bodies = new Set<string>();
    for (const path of paths) {
      const res = await rawGet(`${app.url}${path}`);
      expect([path, res.status, res.headers['content-type'], res.headers['cache-control']]).toEqual([
        path,
        200,
        'text/html; charset=utf-8',
        'no-cache',
      ]);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      bodies.add(res.body.toString('utf8'));
    }
    expect(bodies.size).toBe(1);
    const html = [...bodies][0];
    for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(body).toBe('');
      expect(attrs).toMatch(/src="\/console\/assets\//);
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|https?:\/\//i);
    expect(CONSOLE_CSP.split('; ')).toEqual(
      expect.arrayContaining(["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]),
    );
  });

  it('serves hashed assets for a year, gzipped when asked, and 404s an unknown one with the JSON envelope', async () => {
    const html = (await rawGet(`${app.url}/console/`)).body.toString('utf8');
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.filter((a) => a.endsWith('.js'))).toHaveLength(1);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const plain = await rawGet(`${app.url}${asset}`);
      expect([asset, plain.status, plain.headers['cache-control']]).toEqual([asset, 200, 'public, max-age=31536000, immutable']);
      const zipped = await rawGet(`${app.url}${asset}`, { 'accept-encoding': 'gzip, br' });
      if (plain.body.length > 1024) {
        expect(zipped.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
        expect(zipped.body.length).toBeLessThan(plain.body.length);
      }
    }
    const missing = await rawGet(`${app.url}/console/assets/index-missing.js`);
    expect([missing.status, envelope(missing.body)]).toEqual([404, 'not_found']);
    const traversal = await rawGet(`${app.url}/console/assets/..%2F..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
    const head = await rawGet(`${app.url}/console/`, {}, 'HEAD');
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });

  it('never shadows the API: its routes answer as before, unknown API paths 404 with the envelope', async () => {
    expect((await rawGet(`${app.url}/health`)).body.toString()).toBe('{"status":"ok"}');
    for (const path of ['/v1/models', '/chats', '/admin/users', '/admin/routing-log']) {
      const res = await rawGet(`${app.url}${path}`);
      expect([path, res.status, envelope(res.body)]).toEqual([path, 401, 'unauthorized']);
    }
    for (const path of ['/nope', '/v1/nope', '/chats/x/y/z', '/admin/nope', '/consoles', '/index.html', '/assets/index.js']) {
      const res = await rawGet(`${app.url}${path}`, { authorization: `Bearer ${app.adminKey}` });
      expect([path, res.status, envelope(res.body)]).toEqual([path, 404, 'not_found']);
    }
    // Only GET and HEAD are console requests.
    const post = await rawGet(`${app.url}/console/`, {}, 'POST');
    expect([post.status, envelope(post.body)]).toEqual([404, 'not_found']);
  });

  it('says so when the console was not built, and the API still works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tally-no-console-'));
    const bare = await startTestApp(gatewayYaml(), { CONSOLE_DIR: empty });
    try {
      const res = await rawGet(`${bare.url}/console/`);
      expect(res.status).toBe(503);
      expect(res.body.toString()).toContain('npm run build:web');
      expect((await rawGet(`${bare.url}/docs`)).status).toBe(503);
      expect((await rawGet(`${bare.url}/health`)).status).toBe(200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
