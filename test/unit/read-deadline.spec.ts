import type { ClientRequest } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { ReadDeadline } from '../../src/inference/providers/upstream-http.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stand-in for the ClientRequest: records why it was destroyed and when. */
function request() {
  const started = performance.now();
  const fake = { reason: undefined as Error | undefined, after: 0 };
  const req = {
    destroy(reason: Error) {
      fake.reason ??= reason;
      fake.after = performance.now() - started;
    },
  } as unknown as ClientRequest;
  return { req, fake };
}

describe('ReadDeadline (one lazy timer, the request destroyed directly)', () => {
  it('cancels after the read timeout of silence, and a touch restarts the clock', async () => {
    const { req, fake } = request();
    const deadline = new ReadDeadline(60, 10_000, new AbortController().signal);
    deadline.attach(req);
    for (let i = 0; i < 4; i++) {
      await sleep(30);
      deadline.touch();
    }
    expect(fake.reason).toBeUndefined();
    await sleep(120);
    expect(fake.reason?.message).toBe('read timeout');
    expect(deadline.timedOut).toBe('read');
    expect(fake.after).toBeGreaterThanOrEqual(120 + 60 - 5);
    deadline.dispose();
  });

  it('cancels at the total duration however often it is touched', async () => {
    const { req, fake } = request();
    const deadline = new ReadDeadline(50, 150, new AbortController().signal);
    deadline.attach(req);
    const touching = setInterval(() => deadline.touch(), 10);
    await sleep(250);
    clearInterval(touching);
    expect(deadline.timedOut).toBe('total');
    expect(fake.reason?.message).toBe('total timeout');
    expect(fake.after).toBeGreaterThanOrEqual(145);
    deadline.dispose();
  });

  it('after settle, waits only the grace (500 ms), not the read timeout', async () => {
    const { req, fake } = request();
    const deadline = new ReadDeadline(60_000, 120_000, new AbortController().signal);
    deadline.attach(req);
    deadline.settle();
    await sleep(700);
    expect(deadline.timedOut).toBe('read');
    expect(fake.after).toBeGreaterThanOrEqual(495);
    deadline.dispose();
  });

  it('cancels when the caller aborts, and a request attached later is cancelled at once', async () => {
    const caller = new AbortController();
    const first = request();
    const deadline = new ReadDeadline(60_000, 120_000, caller.signal);
    deadline.attach(first.req);
    caller.abort();
    expect(first.fake.reason?.message).toBe('aborted by caller');
    const retry = request();
    deadline.attach(retry.req);
    expect(retry.fake.reason?.message).toBe('aborted by caller');
    expect(deadline.timedOut).toBeUndefined();
    deadline.dispose();

    const gone = request();
    const late = new ReadDeadline(60_000, 120_000, caller.signal);
    late.attach(gone.req);
    expect(gone.fake.reason?.message).toBe('aborted by caller');
    late.dispose();
  });

  it('never fires once disposed', async () => {
    const { req, fake } = request();
    const deadline = new ReadDeadline(20, 40, new AbortController().signal);
    deadline.attach(req);
    deadline.dispose();
    await sleep(80);
    expect(fake.reason).toBeUndefined();
  });
});
