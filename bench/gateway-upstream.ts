/**
 * The fake OpenAI upstream for `npm run bench:gateway`, in its own process (forked by the bench, IPC
 * channel for control): the tests' FakeOpenAi, answering every streaming request with `max_tokens` (else
 * `BENCH_CHUNKS`) content chunks and no artificial delay, and every other request with one JSON completion.
 *
 * Messages: sends `{ baseUrl }` once listening; answers `'stats'` with `{ served, connections }` (totals so
 * far); `'stop'` exits.
 */
import type { Server } from 'node:http';
import { type Behaviour, completionOf, FakeOpenAi, streamOf } from '../test/support/fake-openai.js';

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const streams = new Map<number, Behaviour>();
/** `n` content chunks (`max_tokens` of the request picks `n`), then the finish, usage and [DONE] frames. */
function streamOfLength(n: number): Behaviour {
  let stream = streams.get(n);
  if (!stream) {
    const pieces = Array.from({ length: n }, (_, i) => `tok${String(i).padStart(3, '0')} `);
    stream = streamOf(pieces, { prompt: 11, completion: n });
    streams.set(n, stream);
  }
  return stream;
}
const json = completionOf('Hello from the benchmark upstream.', { prompt: 11, completion: 6 });

const fake = new FakeOpenAi();
let served = 0;
fake.behaviour = (body) => {
  served++;
  // FakeOpenAi records every request for the tests; keep that bookkeeping from growing without bound.
  if (fake.requests.length >= 1000) fake.requests.length = 0;
  if (!body.stream) return json;
  return streamOfLength(typeof body.max_tokens === 'number' ? body.max_tokens : CHUNKS);
};
await fake.start();
// The tests use a 300 ms keep-alive to spot leaked sockets; a benchmark pauses between runs, and a
// server closing an idle pooled socket just as the gateway reuses it would fail a request spuriously.
const server = (fake as unknown as { server: Server }).server;
server.keepAliveTimeout = 65_000;
// New TCP connections per run show whether callers reuse pooled keep-alive connections.
let connections = 0;
server.on('connection', () => {
  connections++;
});

process.on('message', (message) => {
  if (message === 'stats') process.send!({ served, connections });
  else if (message === 'stop') void fake.stop().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
process.send!({ baseUrl: fake.baseUrl });
