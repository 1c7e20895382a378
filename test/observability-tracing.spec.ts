import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chatsClient } from './chats-client.js';
import { errorOf, FakeOpenAi } from './support/fake-openai.js';
import { FakeOtlpCollector, type ReceivedSpan, SPAN_KIND, STATUS_ERROR } from './support/fake-otlp-collector.js';
import { spawnService } from './support/service-process.js';
import { ADMIN_KEY, gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

const FALLBACK_ALIAS = `aliases:
  resilient:
    primary: { provider: cloud-a, model: cloud-a-model }
    fallback: [{ provider: local-b, model: local-b-model }]`;

/** A caller's W3C trace context: a fresh trace id and the caller's span id, sampled. */
function callerContext() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'caller=1' };
}

function one(spans: ReceivedSpan[], predicate: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0];
}

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);
}

describe('tracing: OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  let collector: FakeOtlpCollector;
  let primary: FakeOpenAi;
  let backup: FakeOpenAi;
  let app: TestApp;
  const callers = {
    json: callerContext(),
    stream: callerContext(),
    embed: callerContext(),
    refused: callerContext(),
    turn: callerContext(),
  };
  const answers: Record<string, { status: number; completionId: string | null }> = {};
  let rows: Record<string, any>[] = [];
  let chatId = '';

  beforeAll(async () => {
    collector = await new FakeOtlpCollector().start();
    primary = await new FakeOpenAi().start();
    backup = await new FakeOpenAi().start();
    primary.behaviour = () => errorOf(500);
    app = await startTestApp(
      gatewayYaml({ upstreams: { 'cloud-a': primary.baseUrl, 'local-b': backup.baseUrl }, extra: FALLBACK_ALIAS }),
      { OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin, OTEL_SERVICE_NAME: 'tally-under-test' },
    );
    const { key } = await app.createUser();
    const post = async (name: keyof typeof callers, path: string, body: unknown) => {
      const { traceparent, tracestate } = callers[name];
      const res = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          traceparent,
          tracestate,
          'x-request-id': `req-${name}`,
        },
        body: JSON.stringify(body),
      });
      await res.text();
      answers[name] = { status: res.status, completionId: res.headers.get('x-completion-id') };
    };
    // A chat request may label itself with any purpose: it is still a chat operation, not an embeddings one.
    await post('json', '/v1/chat/completions', {
      model: 'resilient',
      purpose: 'embedding',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await post('embed', '/v1/embeddings', { model: 'resilient', input: 'embed me' });
    await post('refused', '/v1/chat/completions', {
      model: 'cloud-a/cloud-a-model',
      minimum_inference_tier: 1,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const streamed = await postSse(
      app.url,
      key,
      { model: 'resilient', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { traceparent: callers.stream.traceparent, 'x-request-id': 'req-stream' } },
    );
    answers.stream = { status: streamed.status, completionId: String(streamed.headers['x-completion-id']) };
    const chats = chatsClient(app, key);
    chatId = (await chats.createChat()).id;
    const turn = await chats.turn(chatId, { content: 'a turn', model: 'resilient' }, { traceparent: callers.turn.traceparent });
    answers.turn = { status: turn.status, completionId: turn.headers.get('x-completion-id') };
    rows = await app.rows();
    // Closing the app shuts the SDK down, which flushes the spans not yet exported.
    await app.close();
  });

  afterAll(async () => {
    await primary.stop();
    await backup.stop();
    await collector.stop();
  });

  const completionSpan = (name: keyof typeof callers) =>
    one(
      collector.spans,
      (s) => s.traceId === callers[name].traceId && s.parentSpanId === callers[name].spanId,
      `completion span of ${name}`,
    );

  it('answers as without tracing, and the collector received the spans as OTLP/JSON with the service name', () => {
    expect(answers.json.status).toBe(200);
    expect(answers.stream.status).toBe(200);
    expect(answers.embed.status).toBe(200);
    expect(answers.refused.status).toBe(403);
    expect(answers.turn.status).toBe(201);
    expect(rows).toHaveLength(5);
    expect(collector.exports).toBeGreaterThan(0);
    expect(new Set(collector.spans.map((s) => s.resource['service.name']))).toEqual(new Set(['tally-under-test']));
    expect(new Set(collector.spans.map((s) => s.scope))).toEqual(new Set(['tally']));
  });

  it('makes the completion span a child of the caller span, named and attributed per the GenAI conventions', () => {
    const span = completionSpan('json');
    const row = rows.find((r) => r.request_id === 'req-json')!;
    expect(span.name).toBe('chat resilient');
    expect(span.kind).toBe(SPAN_KIND.CLIENT);
    expect(span.status).not.toBe(STATUS_ERROR);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai_compatible',
      'gen_ai.request.model': 'resilient',
      'gen_ai.response.model': 'local-b-model',
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 5,
      'tally.inference_tier': 1,
      'tally.outcome': 'completed',
      'tally.completion_id': answers.json.completionId,
      'tally.request_id': 'req-json',
      'tally.anonymization_applied': false,
      'tally.provider': 'local-b',
      'tally.purpose': 'embedding',
    });
    expect(span.attributes['tally.completion_id']).toBe(row.id);
  });

  it('has a routing span, one upstream span per candidate tried (the failed one with its reason), and a row-write span', () => {
    const span = completionSpan('json');
    const children = childrenOf(collector.spans, span);
    expect(children.map((s) => s.name).sort()).toEqual(
      ['chat cloud-a-model', 'chat local-b-model', 'tally.route', 'tally.routing_log.write'].sort(),
    );
    const route = children.find((s) => s.name === 'tally.route')!;
    expect(route.attributes['tally.route.candidates']).toEqual(['cloud-a/cloud-a-model:tier=4', 'local-b/local-b-model:tier=1']);
    const failed = children.find((s) => s.name === 'chat cloud-a-model')!;
    expect(failed.kind).toBe(SPAN_KIND.CLIENT);
    expect(failed.status).toBe(STATUS_ERROR);
    expect(failed.attributes).toMatchObject({
      'error.type': 'upstream_error:provider_unavailable:status=500:http',
      'tally.provider': 'cloud-a',
      'tally.inference_tier': 4,
      'tally.attempt': 0,
      'gen_ai.request.model': 'cloud-a-model',
      'http.response.status_code': 500,
    });
    const served = children.find((s) => s.name === 'chat local-b-model')!;
    expect(served.status).not.toBe(STATUS_ERROR);
    expect(served.attributes).toMatchObject({
      'tally.provider': 'local-b',
      'tally.attempt': 1,
      'tally.candidate_role': 'fallback',
    });
    const write = children.find((s) => s.name === 'tally.routing_log.write')!;
    expect(write.attributes).toMatchObject({ 'tally.write_result': 'committed', 'db.collection.name': 'inference_routing_log' });
  });

  it("propagates each attempt's span to its upstream request as traceparent, with the caller's trace id and tracestate", () => {
    const span = completionSpan('json');
    const children = childrenOf(collector.spans, span);
    const failedId = children.find((s) => s.name === 'chat cloud-a-model')!.spanId;
    const servedId = children.find((s) => s.name === 'chat local-b-model')!.spanId;
    const sent = (server: FakeOpenAi) =>
      server.requests.filter((r) => String(r.headers.traceparent ?? '').includes(callers.json.traceId)).map((r) => r.headers);
    expect(sent(primary).map((h) => h.traceparent)).toEqual([`00-${callers.json.traceId}-${failedId}-01`]);
    expect(sent(backup).map((h) => h.traceparent)).toEqual([`00-${callers.json.traceId}-${servedId}-01`]);
    expect(sent(backup)[0].tracestate).toBe('caller=1');
  });

  it('traces a streamed completion the same way, the served attempt carrying the usage', () => {
    const span = completionSpan('stream');
    expect(span.attributes).toMatchObject({
      'tally.outcome': 'completed',
      'tally.stream': true,
      'tally.request_id': 'req-stream',
    });
    const children = childrenOf(collector.spans, span);
    expect(children.map((s) => s.name).sort()).toEqual(
      ['chat cloud-a-model', 'chat local-b-model', 'tally.route', 'tally.routing_log.write'].sort(),
    );
    const served = children.find((s) => s.name === 'chat local-b-model')!;
    expect(served.attributes['gen_ai.usage.output_tokens']).toBe(span.attributes['gen_ai.usage.output_tokens']);
    expect(typeof served.attributes['gen_ai.usage.output_tokens']).toBe('number');
  });

  it('traces embeddings as an embeddings operation with its fallback', () => {
    const span = completionSpan('embed');
    expect(span.name).toBe('embeddings resilient');
    expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'tally.outcome': 'completed' });
    expect(
      childrenOf(collector.spans, span)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['embeddings cloud-a-model', 'embeddings local-b-model', 'tally.route', 'tally.routing_log.write'].sort());
  });

  it('marks a refused completion as an error with error.type, and its routing span too', () => {
    const span = completionSpan('refused');
    expect(span.status).toBe(STATUS_ERROR);
    expect(span.attributes).toMatchObject({ 'tally.outcome': 'refused', 'error.type': 'tier_below_minimum' });
    const route = one(childrenOf(collector.spans, span), (s) => s.name === 'tally.route', 'routing span');
    expect(route.status).toBe(STATUS_ERROR);
    expect(route.attributes['tally.floor']).toBe(1);
  });

  it('traces a chat turn, which calls the inference pipeline in-process, under the caller of the chats API', () => {
    const span = completionSpan('turn');
    expect(span.name).toBe('chat resilient');
    expect(span.attributes).toMatchObject({ 'tally.outcome': 'completed', 'tally.chat_id': chatId, 'tally.purpose': 'chat' });
    expect(span.attributes['tally.completion_id']).toBe(answers.turn.completionId);
    expect(childrenOf(collector.spans, span)).toHaveLength(4);
  });

  it('an app without the variable, in the same process, sends no traceparent upstream and exports nothing', async () => {
    const exportsBefore = collector.exports;
    const plain = await startTestApp(gatewayYaml({ upstreams: { 'local-b': backup.baseUrl } }));
    try {
      const { key } = await plain.createUser();
      const caller = callerContext();
      const res = await fetch(`${plain.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', traceparent: caller.traceparent },
        body: JSON.stringify({ model: 'local-b/local-b-model', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const last = backup.requests[backup.requests.length - 1];
      expect(last.headers.traceparent).toBeUndefined();
    } finally {
      await plain.close();
    }
    expect(collector.exports).toBe(exportsBefore);
  });
});

/**
 * The service as its own process, with a module-resolution hook (test/support/record-modules.mjs)
 * that writes down every module the ESM loader resolves: the only honest way to see that the SDK is
 * not loaded at all when the variable is unset.
 */
describe('tracing: the SDK is loaded only when configured (service process)', () => {
  let dir: string;
  let collector: FakeOtlpCollector;
  const hook = resolve('test/support/record-modules.mjs');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tally-tracing-'));
    writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml());
    collector = await new FakeOtlpCollector().start();
  });

  afterAll(async () => {
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, env: Record<string, string>): Promise<string[]> {
    const log = join(dir, `${name}.modules`);
    writeFileSync(log, '');
    const databaseUrl = new URL(process.env.TALLY_TEST_PG_URL!);
    databaseUrl.pathname = `/tally_trace_${randomBytes(5).toString('hex')}`;
    const admin = await import('pg');
    const client = new admin.default.Client({ connectionString: process.env.TALLY_TEST_PG_URL });
    await client.connect();
    await client.query(`CREATE DATABASE ${databaseUrl.pathname.slice(1)}`);
    await client.end();
    const service = await spawnService({
      NODE_OPTIONS: `--import ${hook}`,
      TALLY_MODULE_LOG: log,
      DATABASE_URL: databaseUrl.toString(),
      DATA_DIR: join(dir, `${name}-data`),
      GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
      ADMIN_API_KEY: ADMIN_KEY,
      ...env,
    });
    const caller = callerContext();
    const res = await fetch(`${service.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', traceparent: caller.traceparent },
      body: JSON.stringify({ model: 'local-sim/sim-small', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    service.proc.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    const spans = collector.spans.filter((s) => s.traceId === caller.traceId);
    return [...readFileSync(log, 'utf8').split('\n').filter(Boolean), ...spans.map((s) => `span ${s.name}`)];
  }

  const otel = (lines: string[]) => lines.filter((l) => l.includes('@opentelemetry/'));

  it('unset: no @opentelemetry module is resolved at all, and the service serves', async () => {
    const lines = await run('off', {});
    // The hook sees the packages the service imports (swc resolves the project's own .ts files itself),
    // so an empty list means "not loaded", not "not recorded".
    expect(lines.some((l) => l.startsWith('rxjs '))).toBe(true);
    expect(lines.some((l) => l.startsWith('@nestjs/core '))).toBe(true);
    expect(otel(lines)).toEqual([]);
  });

  it('set: the SDK and the OTLP/HTTP exporter are loaded, and SIGTERM flushes the last span before exit', async () => {
    const lines = await run('on', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin });
    expect(otel(lines).some((l) => l.startsWith('@opentelemetry/sdk-node '))).toBe(true);
    expect(otel(lines).some((l) => l.startsWith('@opentelemetry/exporter-trace-otlp-http '))).toBe(true);
    expect(lines).toContain('span chat local-sim/sim-small');
  });
});
