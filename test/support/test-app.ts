import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import pg from 'pg';
import { createApp, type RunningApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';

export const ADMIN_KEY = 'tly_test_admin_key_0123456789abcdef';

export interface TestApp {
  readonly url: string;
  readonly dataDir: string;
  readonly adminKey: string;
  readonly db: pg.Pool;
  readonly running: RunningApp;
  /** Creates a member (or admin) and returns its id and key. */
  createUser(role?: 'member' | 'admin'): Promise<{ id: string; key: string }>;
  /** Rows of inference_routing_log, oldest first. */
  rows(where?: string, params?: unknown[]): Promise<Record<string, any>[]>;
  close(): Promise<void>;
}

/** A gateway.yaml with the simulated provider plus, when given, a fake OpenAI-compatible upstream. */
export function gatewayYaml(
  opts: { upstreams?: Record<string, string>; extra?: string; prices?: string; limits?: string; anonymization?: string } = {},
): string {
  const upstreams = Object.entries(opts.upstreams ?? {})
    .map(
      ([name, url]) => `  - name: ${name}
    type: openai_compatible
    base_url: ${url}
    tier: ${name.startsWith('cloud') ? 4 : 1}
    timeout_s: 2
    models: [${name}-model]`,
    )
    .join('\n');
  return `providers:
  - name: local-sim
    type: simulated
    tier: 1
    models: [sim-small, sim-large]
    options: { ttft_ms: 1, chunk_ms: 1 }
${upstreams}
${opts.extra ?? ''}
prices:
  "local-sim/sim-small": { input: 0.05, output: 0.10 }
${opts.prices ?? ''}
anonymization: ${opts.anonymization ?? '{ enabled: false }'}
limits: ${opts.limits ?? '{ rate_per_key: { requests_per_minute: 1000000, burst: 100000 } }'}
`;
}

/** A fresh, empty database on the test server; returns its URL. */
export async function createDatabase(adminUrl: string): Promise<string> {
  const name = `tally_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Boots the real service (Nest + PostgreSQL + migrations) on a fresh database and a free port. */
export async function startTestApp(
  yaml: string,
  env: Record<string, string> = {},
  server = process.env.TALLY_TEST_PG_URL,
  logger?: LoggerService,
): Promise<TestApp> {
  const adminUrl = server;
  if (!adminUrl) throw new Error('TALLY_TEST_PG_URL is not set: run through jest (global setup)');
  const dir = mkdtempSync(join(tmpdir(), 'tally-test-'));
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  const databaseUrl = await createDatabase(adminUrl);
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    DATA_DIR: join(dir, 'data'),
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'error',
    SHUTDOWN_GRACE_MS: '2000',
    ...env,
  });
  const running = await createApp(config, { logger });
  await running.app.listen(0, '127.0.0.1');
  const { port } = running.app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  db.on('error', () => undefined); // idle connections die when a test stops the database
  return {
    url,
    dataDir: config.dataDir,
    adminKey: ADMIN_KEY,
    db,
    running,
    async createUser(role = 'member') {
      const res = await fetch(`${url}/admin/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${randomBytes(5).toString('hex')}@example.com`, role }),
      });
      if (res.status !== 201) throw new Error(`createUser: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { user: { id: string }; api_key: { key: string } };
      return { id: body.user.id, key: body.api_key.key };
    },
    async rows(where = 'true', params: unknown[] = []) {
      const result = await db.query(`SELECT * FROM inference_routing_log WHERE ${where} ORDER BY "timestamp", id`, params);
      return result.rows;
    },
    async close() {
      await db.end();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SseResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every `data:` payload in order, `[DONE]` included. */
  frames: string[];
  /** Raw body text as received. */
  raw: string;
  /** True when the client hung up itself (onFrame asked to). */
  closedByClient: boolean;
}

/**
 * Posts a chat completion over a raw socket and reads the SSE body frame by frame. `onFrame` may
 * return 'close' to destroy the socket on the spot, the way a client closing on `[DONE]` does.
 */
export function postSse(
  url: string,
  key: string,
  body: unknown,
  opts: {
    headers?: Record<string, string>;
    onFrame?: (data: string, index: number) => 'close' | undefined;
    /** Hang up as soon as the status line and headers arrived, before any frame. */
    closeOnHeaders?: boolean;
    path?: string;
  } = {},
): Promise<SseResult> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(`${url}${opts.path ?? '/v1/chat/completions'}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        ...opts.headers,
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const result: SseResult = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames: [],
        raw: '',
        closedByClient: false,
      };
      let buffer = '';
      if (opts.closeOnHeaders) {
        result.closedByClient = true;
        req.destroy();
        res.destroy();
        resolve(result);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        if (result.closedByClient) return;
        result.raw += text;
        buffer += text;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          result.frames.push(data);
          if (opts.onFrame?.(data, result.frames.length - 1) === 'close') {
            result.closedByClient = true;
            req.destroy();
            res.destroy();
            resolve(result);
            return;
          }
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('end', () => resolve(result));
      res.on('error', () => resolve(result));
      res.on('close', () => resolve(result));
    });
    req.end(payload);
  });
}

/** Waits until `check` returns true, polling; for effects that happen after a client has gone. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}
