import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ProviderConfig } from '../../src/config/app-config.js';
import { NdjsonParser } from '../../src/inference/providers/ndjson-parser.js';
import { ProviderError } from '../../src/inference/providers/provider-error.js';
import { openAiErrorFields, type PostOptions, UpstreamHttp } from '../../src/inference/providers/upstream-http.js';
import { type SseEvent, SseParser } from '../../src/inference/sse/sse-parser.js';
import { type IncomingCall, LoopbackServer, type ReceivedRequest } from '../support/loopback-server.js';

/** A `take` that passes every frame on as it is (the answer never completes early). */
function everyFrame<F>(frame: F, batch: F[]): boolean {
  batch.push(frame);
  return false;
}

/** The shared client itself, against a loopback server whose answer each test chooses. */
class Upstream extends LoopbackServer {
  answer: (res: ServerResponse, call: IncomingCall) => void = (res) => res.end('{}');
  protected respond(call: IncomingCall): void {
    this.answer(call.res, call);
  }
}

/** Waits until the server saw the response's connection go before the response finished. */
async function closed(record: ReceivedRequest): Promise<void> {
  for (let i = 0; i < 200 && !record.closed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(record).toMatchObject({ closed: true, aborted: true });
}

const OPTIONS: PostOptions = { headers: { 'x-test': 'yes' }, accept: 'application/json', errorFields: openAiErrorFields };
const config = (timeoutMs: number) => ({ name: 'up', timeoutMs, maxDurationMs: 60_000 }) as ProviderConfig;

describe('UpstreamHttp (the client every HTTP adapter shares)', () => {
  let upstream: Upstream;
  let url: URL;

  beforeAll(async () => {
    upstream = await new Upstream().start();
    url = new URL(`${upstream.origin}/v1/x`);
  });
  afterAll(() => upstream.stop());

  it('streams frames through the parser it is given, SSE and NDJSON alike', async () => {
    const http = new UpstreamHttp(config(5_000), upstream.origin);
    upstream.answer = (res, { body }) => {
      res.writeHead(200);
      if (body.ndjson) res.end('{"a":1}\n{"b":2}');
      else res.end('data: one\n\nevent: named\ndata: two\n\n');
    };
    const read = async <T>(body: unknown, parser: { feed(b: Uint8Array): T[]; end(): T[] }) => {
      const deadline = http.deadline(new AbortController().signal);
      try {
        const res = await http.post(url, body, deadline, OPTIONS);
        const out: T[] = [];
        for await (const frames of http.chunks(res, deadline, parser, everyFrame<T>)) out.push(...frames);
        return out;
      } finally {
        deadline.dispose();
      }
    };
    expect((await read({}, new SseParser())).map((e) => [e.event, e.data])).toEqual([
      [undefined, 'one'],
      ['named', 'two'],
    ]);
    expect(await read({ ndjson: true }, new NdjsonParser())).toEqual(['{"a":1}', '{"b":2}']);
    expect(upstream.requests.at(-1)?.headers).toMatchObject({ 'x-test': 'yes', accept: 'application/json' });
  });

  it('after settle() waits only briefly for a response that never ends, then drops it', async () => {
    const http = new UpstreamHttp(config(30_000), upstream.origin);
    upstream.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: hello\n\ndata: [DONE]\n\n'); // and the response is never ended
    };
    const deadline = http.deadline(new AbortController().signal);
    const started = Date.now();
    const seen: string[] = [];
    let failure: unknown;
    const res = await http.post(url, {}, deadline, OPTIONS);
    try {
      // `take` says the answer is complete at [DONE]: chunks() settles the deadline itself.
      const take = (event: SseEvent, batch: SseEvent[]) => {
        batch.push(event);
        return event.data === '[DONE]';
      };
      for await (const events of http.chunks(res, deadline, new SseParser(), take)) {
        for (const event of events) seen.push(event.data);
      }
    } catch (error) {
      failure = error;
    } finally {
      deadline.dispose();
    }
    expect(seen).toEqual(['hello', '[DONE]']);
    expect(failure).toBeDefined(); // the adapters ignore it: the answer was complete
    expect(deadline.timedOut).toBe('read');
    expect(Date.now() - started).toBeLessThan(5_000); // the grace, not the 30 s read timeout
    expect(res.destroyed).toBe(true);
    await closed(upstream.requests.at(-1)!);
  });

  it('keeps a response read to its end for the pool, and drops one abandoned half-way', async () => {
    const http = new UpstreamHttp(config(5_000), upstream.origin);
    upstream.answer = (res, { body }) => {
      res.writeHead(200);
      if (body.half) res.write('data: partial\n\n');
      else res.end('{"ok":true}');
    };
    const before = upstream.connections;
    for (let i = 0; i < 3; i++) {
      const deadline = http.deadline(new AbortController().signal);
      const res = await http.post(url, {}, deadline, OPTIONS);
      expect(await http.readJson(res, deadline)).toEqual({ ok: true });
      deadline.dispose();
      expect(res.complete).toBe(true);
    }
    expect(upstream.connections - before).toBe(1); // one pooled connection served all three

    const deadline = http.deadline(new AbortController().signal);
    const res = await http.post(url, { half: true }, deadline, OPTIONS);
    deadline.dispose();
    expect(res.destroyed).toBe(true);
    await closed(upstream.requests.at(-1)!);
    const next = http.deadline(new AbortController().signal);
    await http.readJson(await http.post(url, {}, next, OPTIONS), next);
    next.dispose();
    expect(upstream.connections - before).toBe(2); // the dropped socket did not go back to the pool
  });

  it("classifies error bodies nested as error.{message,type} (OpenAI's and Anthropic's), never echoing the raw body", async () => {
    const http = new UpstreamHttp(config(5_000), upstream.origin);
    upstream.answer = (res, { body }) => {
      res.writeHead(Number(body.status), { 'content-type': 'application/json' });
      res.end(
        body.raw
          ? 'secret upstream page'
          : JSON.stringify({ type: 'error', error: { type: body.type, message: `${body.type} happened` } }),
      );
    };
    const failure = async (body: Record<string, unknown>) => {
      const deadline = http.deadline(new AbortController().signal);
      try {
        await http.post(url, body, deadline, OPTIONS);
        throw new Error('expected a ProviderError');
      } catch (error) {
        return http.classify(error, deadline);
      } finally {
        deadline.dispose();
      }
    };
    expect(await failure({ status: 529, type: 'overloaded_error' })).toMatchObject({
      kind: 'http',
      upstreamStatus: 529,
      upstreamErrorType: 'overloaded_error',
      message: 'overloaded_error happened',
    });
    expect(await failure({ status: 401, type: 'authentication_error' })).toMatchObject({ kind: 'auth', upstreamStatus: 401 });
    const raw = await failure({ status: 500, raw: true });
    expect(raw).toBeInstanceOf(ProviderError);
    expect(raw.message).toBe('up returned HTTP 500');
  });

  it('times out a silence longer than the read timeout, and never a trickle that keeps within it', async () => {
    const http = new UpstreamHttp(config(250), upstream.origin);
    upstream.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // A frame every 100 ms for ~1 s (four read timeouts' worth), then silence with the response open.
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || ++sent > 10) return clearInterval(timer);
        res.write(`data: ${sent}\n\n`);
      }, 100);
    };
    const deadline = http.deadline(new AbortController().signal);
    const seen: string[] = [];
    let failure: unknown;
    let lastAt = 0;
    const res = await http.post(url, {}, deadline, OPTIONS);
    try {
      for await (const events of http.chunks(res, deadline, new SseParser(), everyFrame<SseEvent>)) {
        for (const event of events) seen.push(event.data);
        lastAt = performance.now();
      }
    } catch (error) {
      failure = error;
    } finally {
      deadline.dispose();
    }
    const silence = performance.now() - lastAt;
    expect(seen).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(failure).toBeDefined();
    expect(deadline.timedOut).toBe('read');
    expect(silence).toBeGreaterThanOrEqual(240);
    expect(silence).toBeLessThan(1_000);
  });
});
