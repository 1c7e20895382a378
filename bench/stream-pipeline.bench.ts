/**
 * The per-chunk CPU of the streaming path, in-process (not part of `npm test`):
 * `node --import @swc-node/register/esm-register bench/stream-pipeline.bench.ts [--base <dir>]`.
 *
 * Pre-built SSE bytes, as the fake OpenAI upstream of `npm run bench:gateway` sends them (role chunk, N
 * content chunks, finish, usage-only chunk, `[DONE]`), go through the real code from the upstream
 * response on: `OpenAiProvider.stream` (SSE parser, chunk checks) → `InferenceService.openStream`
 * (accounting, stamp, rehydrator when anonymizing) → the controller's frames pipeline → `writeSse` into
 * a real `ServerResponse` (chunked encoding) on a socket that accepts every write at once. Only the
 * upstream request (`UpstreamHttp.post`, which returns the canned response) and the database
 * (the recorder) are stubbed; both cost the same per stream, whatever N.
 *
 * The upstream response is a Readable that receives, per read of `BENCH_READ_BYTES` (default 64 KiB:
 * the whole 200-chunk stream in one read, as Tally reads it in bench:gateway; 190 is one frame per
 * read, as a model streams tokens), one push per upstream write, as llhttp does for a chunked body;
 * reads arrive a macrotask apart.
 *
 * Per-chunk CPU is the slope of CPU per stream between BENCH_CHUNKS (20) and BENCH_LONG_CHUNKS (200).
 * `--base <dir>` also loads another checkout's src/ (e.g. `git archive HEAD~3 | tar -x -C /tmp/base`,
 * with node_modules linked) and interleaves the two in blocks, so before and after come from one run.
 * BENCH_STREAMS (400) streams per block, BENCH_ROUNDS (5) rounds; BENCH_ANON=1 routes through the
 * rehydrator (a request with a name, anonymization applied).
 */
import 'reflect-metadata';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { resolve } from 'node:path';
import { Duplex, Readable } from 'node:stream';
import express from 'express';

const SHORT = Number(process.env.BENCH_CHUNKS ?? 20);
const LONG = Number(process.env.BENCH_LONG_CHUNKS ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const READ_BYTES = Number(process.env.BENCH_READ_BYTES ?? 65536);
const ANON = process.env.BENCH_ANON === '1';
const baseArg = process.argv.indexOf('--base');
const roots: Record<string, string> = { current: resolve(import.meta.dirname, '..') };
if (baseArg !== -1) roots.base = resolve(process.argv[baseArg + 1]);

/** The upstream's bytes, one Buffer per upstream write (frame), as bench/gateway-upstream.ts streams them. */
function upstreamWrites(n: number): Buffer[] {
  const id = 'chatcmpl-fake0123456789ab';
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    Buffer.from(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1764144000, model: 'bench-model', choices, ...extra })}\n\n`,
    );
  const out = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  for (let i = 0; i < n; i++) {
    const text = ANON && i % 10 === 3 ? 'PERSON_0001 ' : `tok${String(i).padStart(3, '0')} `;
    out.push(chunk([{ index: 0, delta: { content: text }, finish_reason: null }]));
  }
  out.push(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  out.push(chunk([], { usage: { prompt_tokens: 11, completion_tokens: n, total_tokens: 11 + n } }));
  out.push(Buffer.from('data: [DONE]\n\n'));
  return out;
}

/** The writes grouped into socket reads of READ_BYTES (a write cut by a read boundary is pushed in two parts). */
function reads(writes: Buffer[]): Buffer[][] {
  const groups: Buffer[][] = [[]];
  let room = READ_BYTES;
  for (let w of writes) {
    while (w.length > room) {
      if (room > 0) groups.at(-1)!.push(w.subarray(0, room));
      w = w.subarray(room);
      groups.push([]);
      room = READ_BYTES;
    }
    groups.at(-1)!.push(w);
    room -= w.length;
  }
  return groups;
}

function fakeResponse(groups: Buffer[][]): IncomingMessage {
  const res = new Readable({ read() {} }) as unknown as IncomingMessage & { complete: boolean };
  res.statusCode = 200;
  res.complete = false;
  let i = 0;
  const next = () => {
    for (const piece of groups[i]) res.push(piece);
    if (++i < groups.length) setImmediate(next);
    else {
      res.complete = true;
      res.push(null);
    }
  };
  setImmediate(next);
  return res;
}

/** A socket that takes every write at once; counts the writes (syscalls, for a real socket) and bytes. */
class SinkSocket extends Duplex {
  writes = 0;
  bytes = 0;
  /** Set to keep what was written. */
  parts: Buffer[] | undefined;
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this._writev([{ chunk }], cb);
  }
  override _writev(chunks: { chunk: Buffer }[], cb: () => void): void {
    this.writes++;
    for (const { chunk } of chunks) {
      this.bytes += chunk.length;
      this.parts?.push(Buffer.from(chunk));
    }
    cb();
  }
}

interface Variant {
  name: string;
  /** Runs one stream of n content chunks; resolves when the response finished. */
  stream(n: number, capture?: boolean): Promise<{ writes: number; bytes: number; body: string | undefined }>;
}

async function load(name: string, root: string): Promise<Variant> {
  const at = (p: string) => import(`${root}/src/${p}`);
  const { OpenAiProvider } = await at('inference/providers/openai.provider.js');
  const { UpstreamHttp } = await at('inference/providers/upstream-http.js');
  const { InferenceService } = await at('inference/inference.service.js');
  const { InferenceController } = await at('inference/inference.controller.js');
  const { CompletionAnonymizer } = await at('anonymization/completion-anonymizer.js');
  const { NOOP_SPAN } = await at('observability/tracing.js');
  const { whenWritable } = await at('common/backpressure.js');

  let canned: IncomingMessage | undefined;
  UpstreamHttp.prototype.post = async (_url: URL, _body: unknown, deadline: { response?: unknown; touch(): void }) => {
    deadline.response = canned;
    deadline.touch();
    return canned;
  };
  const providerConfig = {
    name: 'bench-upstream',
    type: 'openai_compatible',
    baseUrl: 'http://127.0.0.1:9/v1',
    apiKey: undefined,
    apiVersion: undefined,
    enabled: true,
    disabledReason: undefined,
    tier: ANON ? 4 : 1,
    models: ['bench-model'],
    timeoutMs: 30_000,
    maxDurationMs: 600_000,
    options: {},
  };
  const provider = new OpenAiProvider(providerConfig);
  const candidate = { provider: providerConfig, model: 'bench-model', tier: providerConfig.tier, role: 'primary' };
  const shutdown = { onDeadline: () => () => undefined, deadlinePassed: false, draining: false };
  const service = new InferenceService(undefined, undefined, shutdown, undefined);
  const anonymization = {
    enabled: true,
    apply_at_tiers: [3, 4, 5],
    entity_types: ['PERSON', 'EMAIL', 'PHONE'],
  };
  const messages = [
    { role: 'user', content: ANON ? 'Write to Alice Johnson about the invoice.' : 'Benchmark: answer with anything.' },
  ];

  const completionFor = () => {
    let row: Record<string, unknown> | undefined;
    const after: (() => void)[] = [];
    const recorder = {
      get recorded() {
        return row !== undefined;
      },
      get recordedRow() {
        return row;
      },
      whenRecorded(fn: () => void) {
        if (row) fn();
        else after.push(fn);
      },
      async record(columns: Record<string, unknown>) {
        if (row) return;
        row = columns;
        for (const fn of after) fn();
        await Promise.resolve();
      },
    };
    const request = { model: 'bench-model', stream: true, max_tokens: 0, messages };
    return {
      id: 'cmpl-bench',
      routing: { providers: new Map([[provider.name, provider]]), pricing: { cost: () => null } },
      requestId: 'req-bench',
      request,
      recorder,
      candidates: [candidate],
      skipped: [],
      started: performance.now(),
      anonymizer: new CompletionAnonymizer(anonymization, { privileged: false, optOut: false }, messages),
      span: NOOP_SPAN,
    };
  };
  let completion: ReturnType<typeof completionFor>;
  const inference = {
    begin: async () => completion,
    openStream: (c: unknown, client: unknown) => service.openStream(c, client),
    abandon: (c: unknown) => service.abandon(c),
  };
  const gateway = { current: { limits: { max_messages: 1000, max_chars: 1_000_000 } } };
  const controller = new InferenceController(inference, undefined, gateway);
  const groupsBy = new Map<number, Buffer[][]>();

  return {
    name,
    stream(n, capture = false) {
      let groups = groupsBy.get(n);
      if (!groups) {
        groups = reads(upstreamWrites(n));
        groupsBy.set(n, groups);
      }
      canned = fakeResponse(groups);
      completion = completionFor();
      const socket = new SinkSocket();
      const req = new IncomingMessage(socket as unknown as Socket);
      req.method = 'POST';
      req.httpVersionMajor = 1;
      req.httpVersionMinor = 1;
      req.httpVersion = '1.1';
      const res = new ServerResponse(req);
      Object.setPrototypeOf(res, express.response);
      res.assignSocket(socket as unknown as Socket);
      // What node:http's server installs on its sockets: a drained socket drains the response on it.
      const needDrain = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kNeedDrain')!;
      const flags = res as unknown as Record<symbol, boolean>;
      socket.on('drain', () => {
        if (!res.writableFinished && flags[needDrain]) {
          flags[needDrain] = false;
          res.emit('drain');
        }
      });
      let body: string | undefined;
      if (capture) {
        socket.parts = [];
        res.on('finish', () => {
          body = Buffer.concat(socket.parts!).toString();
        });
      }
      const controllerReq = {
        parsedBody: { model: 'bench-model', stream: true, messages },
        user: { id: 'u', apiKeyId: 'k', keyMinimumTier: null },
        requestId: 'req-bench',
        headers: {},
      };
      const client = { signal: new AbortController().signal, backpressure: () => whenWritable(res) };
      return new Promise((done, fail) => {
        res.on('finish', () => setImmediate(() => done({ writes: socket.writes, bytes: socket.bytes, body })));
        res.on('error', fail);
        controller.createChatCompletion(controllerReq, client, res).catch(fail);
      });
    },
  };
}

const variants = await Promise.all(Object.entries(roots).map(([name, root]) => load(name, root)));

/** The SSE body a client reads, with HTTP/1.1 chunked framing removed (so variants compare byte for byte). */
function dechunk(raw: string): string {
  let rest = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  let out = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

const bodies = new Map<string, string>();
for (const v of variants) {
  const s = await v.stream(SHORT, true);
  const l = await v.stream(LONG, true);
  bodies.set(v.name, dechunk(l.body!));
  console.log(
    `${v.name}: socket writes per stream ${s.writes} (${SHORT} chunks) / ${l.writes} (${LONG}); bytes ${s.bytes} / ${l.bytes}`,
  );
}
if (bodies.size > 1 && new Set(bodies.values()).size > 1) console.log('!! the variants sent different SSE bodies');
else
  console.log(
    `SSE body (${LONG} chunks) identical across variants; it ends ${JSON.stringify(bodies.get('current')!.slice(-160))}`,
  );

async function block(v: Variant, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < STREAMS; i++) await v.stream(n);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / STREAMS;
}

for (const v of variants) {
  // Warm-up: the JIT settles before anything is measured.
  await block(v, SHORT);
  await block(v, LONG);
}
const results = new Map(variants.map((v) => [v.name, { short: [] as number[], long: [] as number[] }]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    results.get(v.name)!.short.push(await block(v, SHORT));
    results.get(v.name)!.long.push(await block(v, LONG));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `\nCPU µs per stream (median of ${ROUNDS} blocks of ${STREAMS}; ${ANON ? 'anonymized' : 'plain'}; reads of ${READ_BYTES} B)`,
);
for (const [name, r] of results) {
  const s = median(r.short);
  const l = median(r.long);
  const perChunk = r.short.map((_, i) => (r.long[i] - r.short[i]) / (LONG - SHORT));
  console.log(
    `  ${name.padEnd(8)} ${SHORT} chunks ${s.toFixed(0).padStart(6)}   ${LONG} chunks ${l.toFixed(0).padStart(6)}   per chunk ${((l - s) / (LONG - SHORT)).toFixed(2)} µs  (rounds: ${perChunk.map((x) => x.toFixed(2)).join(' ')})`,
  );
}
