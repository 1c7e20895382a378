import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CORPUS } from './anonymization/corpus.js';
import { type Behaviour, completionOf, FakeOpenAi, prngChunks } from './support/fake-openai.js';
import { type ServiceProcess, spawnService } from './support/service-process.js';
import { createDatabase, gatewayYaml, postSse } from './support/test-app.js';

type LogLine = Record<string, unknown> & { level: string; time: string; msg: string };

/** The fake model answers with what it received (the placeholders), so the gateway re-identifies the answer. */
const echo: (seed: number) => Behaviour = (seed) => (ctx) => {
  const messages = ctx.body.messages as { content: string }[];
  const text = messages.at(-1)!.content;
  if (!ctx.body.stream) return completionOf(text, { prompt: 40, completion: 30 })(ctx);
  return (async () => {
    ctx.sse.start();
    ctx.sse.role();
    for (const piece of prngChunks(text, seed)) ctx.sse.content(piece);
    ctx.sse.finish();
    ctx.sse.usage(40, 30);
    ctx.sse.done();
  })();
};

describe('log output of the real service (child process, stdout as a pipe)', () => {
  let dir: string;
  let cloud: FakeOpenAi;
  let service: ServiceProcess;
  let adminKey: string;
  let lines: LogLine[];
  const sent: { requestId: string; completionId: string; stream: boolean }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tally-logs-'));
    cloud = await new FakeOpenAi().start();
    writeFileSync(
      join(dir, 'gateway.yaml'),
      gatewayYaml({
        upstreams: { 'cloud-a': cloud.baseUrl },
        anonymization: '{ enabled: true, apply_at_tiers: [3, 4, 5] }',
        prices: '  "cloud-a/cloud-a-model": { input: 2.5, output: 10 }',
      }),
    );
    // No ADMIN_API_KEY and no LOG_FORMAT: the first-start key file and the default format (json off a terminal).
    service = await spawnService({
      DATABASE_URL: await createDatabase(process.env.TALLY_TEST_PG_URL!),
      GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'info',
      LOG_FORMAT: '',
    });
    adminKey = readFileSync(join(dir, 'data', 'admin-api-key'), 'utf8').trim();

    for (const [i, passage] of CORPUS.entries()) {
      cloud.behaviour = () => echo(i);
      for (const stream of [false, true]) {
        const requestId = `logs-${i}-${stream}`;
        const body = { model: 'cloud-a/cloud-a-model', stream, messages: [{ role: 'user', content: passage.text }] };
        let completionId: string;
        if (stream) {
          const res = await postSse(service.url, adminKey, body, { headers: { 'X-Request-Id': requestId } });
          expect(res.frames.at(-1)).toBe('[DONE]');
          completionId = String(res.headers['x-completion-id']);
        } else {
          const res = await fetch(`${service.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
            body: JSON.stringify(body),
          });
          expect(res.status).toBe(200);
          // The client gets the originals back: the log must not.
          expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content).toBe(
            passage.text,
          );
          completionId = res.headers.get('x-completion-id')!;
        }
        sent.push({ requestId, completionId, stream });
      }
    }
    // A refusal (unknown model) is a completion too: one line, no provider reached.
    const refused = await fetch(`${service.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'x-request-id': 'logs-refused' },
      body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: CORPUS[0].text }] }),
    });
    expect(refused.status).toBe(400);
    service.proc.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
    lines = service
      .stdout()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          throw new Error(`stdout line is not JSON: ${line}`);
        }
      });
  }, 180_000);

  afterAll(async () => {
    if (service?.proc.exitCode === null) service.proc.kill('SIGKILL');
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes only JSON lines, each with a level, an ISO time and a message', () => {
    expect(lines.length).toBeGreaterThan(CORPUS.length * 4);
    for (const line of lines) {
      expect(typeof line.level).toBe('string');
      expect(new Date(line.time).toISOString()).toBe(line.time);
      expect(typeof line.msg).toBe('string');
    }
  });

  it('keeps the start-up and shutdown lines, as JSON through the same logger', () => {
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain(`admin API key (created on first start) is in ${join(dir, 'data', 'admin-api-key')}`);
    expect(lines.find((l) => l.msg.startsWith('admin API key'))).toMatchObject({ level: 'info', context: 'AuthService' });
    expect(messages.some((m) => /^listening on http:\/\/127\.0\.0\.1:\d+ \(started in \d+ ms\)$/.test(m))).toBe(true);
    expect(lines.find((l) => l.msg.startsWith('SIGTERM: draining'))).toMatchObject({ level: 'info', context: 'Tally' });
  });

  it('writes exactly one completion line per request, with its ids, key prefix, route, usage, cost and timings', () => {
    const completions = lines.filter((l) => l.event === 'completion');
    expect(completions).toHaveLength(sent.length + 1);
    for (const { requestId, completionId, stream } of sent) {
      const mine = completions.filter((l) => l.request_id === requestId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        level: 'info',
        completion_id: completionId,
        api_key_prefix: adminKey.slice(0, 8),
        provider: 'cloud-a',
        model: 'cloud-a-model',
        tier: 4,
        outcome: 'completed',
        stream,
        tokens_in: 40,
        tokens_out: 30,
        cost_usd: '0.000400000000',
        anonymized: true,
        persisted: 'committed',
      });
      expect(mine[0].user_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(mine[0].latency_ms).toEqual(expect.any(Number));
      if (stream) expect(mine[0].ttft_ms).toEqual(expect.any(Number));
      else expect(mine[0].ttft_ms).toBeNull();
    }
    expect(completions.filter((l) => l.request_id === 'logs-refused')).toMatchObject([
      { outcome: 'refused', provider: '<unresolved>', tokens_in: null },
    ]);
  });

  it('writes one line per HTTP request: method, route template, status, duration, request id', () => {
    const requests = lines.filter((l) => l.event === 'http_request');
    for (const { requestId } of sent) {
      expect(requests.filter((l) => l.request_id === requestId)).toMatchObject([
        { method: 'POST', route: '/v1/chat/completions', status: 200, duration_ms: expect.any(Number) },
      ]);
    }
    expect(requests.filter((l) => l.request_id === 'logs-refused')).toMatchObject([{ status: 400 }]);
    for (const line of requests)
      expect(Object.keys(line).sort()).toEqual([
        'aborted',
        'duration_ms',
        'event',
        'level',
        'method',
        'msg',
        'pid',
        'request_id',
        'route',
        'status',
        'time',
      ]);
  });

  it('never carries an original PII value, prompt text, the key or an Authorization header', () => {
    const output = service.output();
    const values = [...new Set(CORPUS.flatMap((p) => p.spans.map((s) => s.value)))];
    expect(values.length).toBeGreaterThan(100);
    const leaked = values.filter((v) => output.includes(v));
    expect(leaked).toEqual([]);
    for (const passage of CORPUS) expect(output).not.toContain(passage.text.slice(0, 40));
    expect(output).not.toContain(adminKey);
    expect(output).not.toMatch(/bearer|authorization/i);
  });
});
