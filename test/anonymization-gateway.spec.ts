import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { CORPUS } from './anonymization/corpus.js';
import { type Behaviour, completionOf, errorOf, FakeOpenAi, prngChunks, streamOf } from './support/fake-openai.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

/** Every log line the service writes, at every level. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record = (...args: unknown[]) => {
    this.lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
  log = this.record;
  error = this.record;
  warn = this.record;
  debug = this.record;
  verbose = this.record;
  fatal = this.record;
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = body.messages as { role: string; content: string }[];
  return [...messages].reverse().find((m) => m.role === 'user')!.content;
}

/** The fake model answers with exactly what it received, streamed in seeded random pieces. */
const echo: (seed: number) => Behaviour = (seed) => (ctx) => {
  const text = lastUserText(ctx.body);
  if (!ctx.body.stream) return completionOf(text)(ctx);
  return (async () => {
    ctx.sse.start();
    ctx.sse.role();
    for (const piece of prngChunks(text, seed)) ctx.sse.content(piece);
    ctx.sse.finish();
    ctx.sse.usage(10, 10);
    ctx.sse.done();
  })();
};

const PLACEHOLDER = /\b[A-Z][A-Z_]*_\d{4,}\b/g;

describe('anonymization through the gateway', () => {
  const logger = new CapturingLogger();
  let cloud: FakeOpenAi;
  let local: FakeOpenAi;
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    cloud = await new FakeOpenAi().start();
    local = await new FakeOpenAi().start();
    app = await startTestApp(
      gatewayYaml({
        upstreams: { 'cloud-a': cloud.baseUrl, 'local-b': local.baseUrl },
        anonymization: '{ enabled: true, apply_at_tiers: [3, 4, 5] }',
        extra: `aliases:
  failover:
    primary: { provider: cloud-a, model: cloud-a-model }
    fallback: [{ provider: local-b, model: local-b-model }]`,
      }),
      { LOG_LEVEL: 'debug' },
      undefined,
      logger,
    );
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await cloud.stop();
    await local.stop();
  });

  beforeEach(() => {
    cloud.behaviour = () => echo(7);
    local.behaviour = () => echo(7);
  });

  const json = async (body: Record<string, unknown>, requestId: string) => {
    const res = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it(`round-trips all ${CORPUS.length} corpus passages byte for byte, and the upstream never sees an original value`, async () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
    for (const [i, passage] of CORPUS.entries()) {
      for (const stream of [false, true]) {
        const requestId = `corpus-${i}-${stream}`;
        cloud.behaviour = () => echo(i);
        const body = { model: 'cloud-a/cloud-a-model', stream, messages: [{ role: 'user', content: passage.text }] };
        const before = cloud.requests.length;
        let answer: string;
        if (stream) {
          const res = await postSse(app.url, key, body, { headers: { 'X-Request-Id': requestId } });
          expect(res.frames.at(-1)).toBe('[DONE]');
          answer = res.frames
            .slice(0, -1)
            .map((f) => JSON.parse(f).choices?.[0]?.delta?.content ?? '')
            .join('');
        } else {
          const res = await json(body, requestId);
          expect(res.status).toBe(200);
          expect(res.body.anonymization_applied).toBe(true);
          answer = res.body.choices[0].message.content;
        }
        expect(answer).toBe(passage.text);
        const sent = lastUserText(cloud.requests[before].body);
        for (const span of passage.spans) expect(sent).not.toContain(span.value);
        expect(sent).toMatch(PLACEHOLDER);
        const [row] = await app.rows('request_id = $1', [requestId]);
        expect(row).toMatchObject({ anonymization_applied: true, anonymization_skip_reason: null });
        for (const span of passage.spans) expect(row.anonymized_entities[span.type]).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('re-identifies placeholders the model repeats in its own words, streamed and not', async () => {
    const reply: Behaviour = (ctx) => {
      const names = lastUserText(ctx.body).match(PLACEHOLDER) ?? [];
      return completionOf(`Dear ${names[0]}, I have written to ${names[1]}.`)(ctx);
    };
    cloud.behaviour = () => reply;
    const res = await json(
      {
        model: 'cloud-a/cloud-a-model',
        messages: [{ role: 'user', content: 'Please write to Jonathan Whitaker at j.whitaker@northwind-traders.com.' }],
      },
      'repeat-json',
    );
    expect(res.body.choices[0].message.content).toBe(
      'Dear Jonathan Whitaker, I have written to j.whitaker@northwind-traders.com.',
    );

    cloud.behaviour = () => (ctx) => {
      const names = lastUserText(ctx.body).match(PLACEHOLDER) ?? [];
      return streamOf(prngChunks(`Dear ${names[0]}, I have written to ${names[1]}.`, 3))(ctx);
    };
    const streamed = await postSse(app.url, key, {
      model: 'cloud-a/cloud-a-model',
      stream: true,
      messages: [{ role: 'user', content: 'Please write to Jonathan Whitaker at j.whitaker@northwind-traders.com.' }],
    });
    const text = streamed.frames
      .slice(0, -1)
      .map((f) => JSON.parse(f).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(text).toBe('Dear Jonathan Whitaker, I have written to j.whitaker@northwind-traders.com.');
  });

  it('flushes a placeholder split across the last content chunk and a usage-only final chunk', async () => {
    cloud.behaviour = () => (ctx) => {
      const [name] = lastUserText(ctx.body).match(PLACEHOLDER)!;
      ctx.sse.start();
      ctx.sse.role();
      ctx.sse.content('Regards, ');
      ctx.sse.content(`${name.slice(0, 4)}`);
      ctx.sse.content(`${name.slice(4)} and ${name.slice(0, 7)}`);
      ctx.sse.usage(5, 5); // no finish chunk: the usage-only chunk is the last one
      ctx.sse.done();
    };
    const res = await postSse(app.url, key, {
      model: 'cloud-a/cloud-a-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Sign it from Hannah Schmidt.' }],
    });
    const chunks = res.frames.slice(0, -1).map((f) => JSON.parse(f));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Regards, Hannah Schmidt and PERSON_');
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
  });

  it('passes tool-call arguments through unchanged', async () => {
    cloud.behaviour = () => (ctx) => {
      const [name] = lastUserText(ctx.body).match(PLACEHOLDER)!;
      ctx.res.writeHead(200, { 'content-type': 'application/json' });
      ctx.res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 1,
          model: 'cloud-a-model',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [{ id: 't', type: 'function', function: { name: 'lookup', arguments: `{"who":"${name}"}` } }],
              },
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    };
    const res = await json(
      { model: 'cloud-a/cloud-a-model', messages: [{ role: 'user', content: 'Look up Daniel Okafor.' }] },
      'tools',
    );
    expect(res.body.choices[0].message.tool_calls[0].function.arguments).toMatch(/^\{"who":"PERSON_\d{4}"\}$/);
  });

  describe('the gate', () => {
    it('skips a tier outside apply_at_tiers and says so', async () => {
      const before = local.requests.length;
      const res = await json(
        { model: 'local-b/local-b-model', messages: [{ role: 'user', content: 'Call Priya Raman.' }] },
        'gate-tier',
      );
      expect(res.body.anonymization_applied).toBe(false);
      expect(lastUserText(local.requests[before].body)).toBe('Call Priya Raman.');
      const [row] = await app.rows('request_id = $1', ['gate-tier']);
      expect(row).toMatchObject({
        anonymization_applied: false,
        anonymization_skip_reason: 'tier_not_in_apply_at_tiers',
        anonymized_entities: null,
      });
    });

    it('honours anonymize:false', async () => {
      const before = cloud.requests.length;
      await json(
        { model: 'cloud-a/cloud-a-model', anonymize: false, messages: [{ role: 'user', content: 'Call Priya Raman.' }] },
        'gate-optout',
      );
      expect(lastUserText(cloud.requests[before].body)).toBe('Call Priya Raman.');
      const [row] = await app.rows('request_id = $1', ['gate-optout']);
      expect(row).toMatchObject({ anonymization_applied: false, anonymization_skip_reason: 'request_opt_out' });
    });

    it('re-gates on fallback: the weaker-tier primary got placeholders, the tier-1 fallback the original, and the row says not applied', async () => {
      cloud.behaviour = () => errorOf(503);
      const before = { cloud: cloud.requests.length, local: local.requests.length };
      const res = await json(
        { model: 'failover', messages: [{ role: 'user', content: 'Email Hannah Schmidt today.' }] },
        'gate-fallback',
      );
      expect(res.body.choices[0].message.content).toBe('Email Hannah Schmidt today.');
      expect(lastUserText(cloud.requests[before.cloud].body)).toMatch(/^Email PERSON_\d{4} today\.$/);
      expect(lastUserText(local.requests[before.local].body)).toBe('Email Hannah Schmidt today.');
      const [row] = await app.rows('request_id = $1', ['gate-fallback']);
      expect(row).toMatchObject({
        routed_provider: 'local-b',
        anonymization_applied: false,
        anonymization_skip_reason: 'tier_not_in_apply_at_tiers',
      });
    });
  });

  it('keeps every original value and the mapping out of routing-log rows and logs', async () => {
    const secrets = CORPUS.flatMap((p) => p.spans.map((s) => s.value));
    const { rows } = await app.db.query('SELECT * FROM inference_routing_log');
    expect(rows.length).toBeGreaterThan(100);
    const stored = JSON.stringify(rows);
    const logged = logger.lines.join('\n');
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(stored).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
    expect(stored).not.toMatch(PLACEHOLDER);
    expect(logged).not.toMatch(PLACEHOLDER);
  });
});
