/**
 * The load client for `npm run bench:gateway`, in its own process (forked by the bench), so its work
 * never shares an event loop with the gateway. Plain `node:http` with a keep-alive agent of exactly
 * `concurrency` sockets; `concurrency` workers issue requests back to back.
 *
 * Protocol over the IPC channel: receives a `ClientJob`; runs the warm-up; sends `{ type: 'warm' }`;
 * waits for `'go'` (the bench snapshots its counters in between); runs the measured requests; sends
 * `{ type: 'result', ... }` and exits.
 */
import { Agent, request } from 'node:http';

export interface ClientJob {
  readonly url: string;
  readonly key: string;
  readonly model: string;
  readonly stream: boolean;
  readonly concurrency: number;
  readonly warmup: number;
  readonly requests: number;
  /** Content chunks each streamed answer must carry. */
  readonly chunks: number;
  /** Extra request headers (Portkey's routing headers). */
  readonly headers?: Record<string, string>;
  /** Alternate streamed and non-streamed requests (even ones streamed), whatever `stream` says. */
  readonly mixed?: boolean;
  /** The user message (default: a short one). */
  readonly prompt?: string;
}

/** One request's timings in ms from just before the request was written. */
export interface Sample {
  /** First byte of the response body. */
  readonly ttfb: number;
  /** Last byte of the response. */
  readonly total: number;
  /** Streams: arrival of the last frame before `[DONE]`. */
  readonly last: number;
  /** Streams: arrival of `[DONE]`. */
  readonly done: number;
}

export interface ClientResult {
  readonly type: 'result';
  readonly samples: Sample[];
  readonly wallMs: number;
  readonly failures: number;
  readonly firstFailure: string | null;
}

const DONE = 'data: [DONE]';
const CONTENT = '"delta":{"content":';

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function once(job: ClientJob, agent: Agent, payload: string, stream: boolean): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(job.url, {
      method: 'POST',
      agent,
      headers: {
        authorization: `Bearer ${job.key}`,
        'content-type': 'application/json',
        ...job.headers,
        'content-length': Buffer.byteLength(payload),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let ttfb = 0;
      let last = 0;
      let done = 0;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (piece: string) => {
        const at = performance.now() - started;
        if (ttfb === 0) ttfb = at;
        text += piece;
        if (!stream) return;
        const doneAt = piece.indexOf(DONE);
        if (doneAt === -1) last = at;
        else {
          done = at;
          if (doneAt > 0) last = at;
        }
      });
      res.on('error', reject);
      res.on('end', () => {
        const total = performance.now() - started;
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        if (stream) {
          const contents = count(text, CONTENT);
          if (!text.endsWith(`${DONE}\n\n`) || contents !== job.chunks) {
            return reject(new Error(`stream with ${contents} content chunks, ending ${JSON.stringify(text.slice(-120))}`));
          }
          return resolve({ ttfb, total, last: last || ttfb, done: done || total });
        }
        try {
          const body = JSON.parse(text) as { choices?: { message?: { content?: string } }[] };
          if (!body.choices?.[0]?.message?.content) throw new Error('no content');
        } catch (error) {
          return reject(new Error(`unusable JSON answer (${(error as Error).message}): ${text.slice(0, 300)}`));
        }
        resolve({ ttfb, total, last: total, done: total });
      });
    });
    req.end(payload);
  });
}

async function run(job: ClientJob, agent: Agent, n: number): Promise<Omit<ClientResult, 'type'>> {
  const payloadOf = (stream: boolean) =>
    JSON.stringify({
      model: job.model,
      stream,
      // The bench upstream streams this many content chunks.
      ...(stream ? { max_tokens: job.chunks } : {}),
      messages: [{ role: 'user', content: job.prompt ?? 'Benchmark: answer with anything.' }],
    });
  const payloads = [payloadOf(false), payloadOf(true)];
  const samples: Sample[] = [];
  let issued = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const worker = async () => {
    while (issued < n) {
      const stream = job.mixed ? issued % 2 === 0 : job.stream;
      issued++;
      try {
        samples.push(await once(job, agent, payloads[stream ? 1 : 0], stream));
      } catch (error) {
        failures++;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { samples, wallMs: performance.now() - started, failures, firstFailure };
}

process.once('message', async (job: ClientJob) => {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency });
  const warm = await run(job, agent, job.warmup);
  if (warm.failures > 0) {
    const result: ClientResult = {
      type: 'result',
      samples: [],
      wallMs: 0,
      failures: warm.failures,
      firstFailure: warm.firstFailure,
    };
    agent.destroy();
    process.send!(result, () => process.disconnect());
    return;
  }
  process.send!({ type: 'warm' });
  process.once('message', async () => {
    const result: ClientResult = { type: 'result', ...(await run(job, agent, job.requests)) };
    agent.destroy();
    process.send!(result, () => process.disconnect());
  });
});
