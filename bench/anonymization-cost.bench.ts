/**
 * What anonymization costs per prompt, CPU and allocation: `npm run bench:anon-cost`.
 *
 * For the gateway bench's 2 kB / 10-entity prompt (scenario anon-on) and the 20 kB labelled prompt of
 * `npm run bench:anonymization`, per call:
 *   detect      `EntityDetector.detect(text)` (all entity types, as the gateway's default configuration);
 *   pseudonymise what `CompletionAnonymizer.messagesFor` does: a new `Pseudonymizer` and
 *               `anonymizeMessages` over the request's messages (one user message);
 *   rehydrate   `Pseudonymizer.rehydrate` of the pseudonymised text (an answer quoting every placeholder);
 *   stream      the same text through a `StreamRehydrator` in 1–12 character deltas;
 *   round trip  a request's whole work: pseudonymise, then rehydrate an answer quoting placeholders.
 * And a 12-message conversation (2.4 kB, values unique to each call as in real requests): pseudonymise.
 *
 * Two implementations side by side in one run, interleaved round by round so that both see the same
 * machine state: `new` (src/anonymization) and `ref` (test/anonymization/reference, the frozen copy
 * of the code before the perf-anon cuts). Compare the ratio column: the machine is shared and noisy.
 *
 * CPU: `process.cpuUsage()` (the whole process, so GC helper threads included) over batches of calls:
 * median and minimum of the per-call means (the minimum is the least disturbed by other load).
 * Allocation: heap growth over a small batch run right after a full GC; batches during which a
 * collection ran anyway are discarded (`v8.GCProfiler`). Needs `--expose-gc`. The allocation passes run
 * after all the timing, as their full GCs drop compiled code and would slow the next timed calls.
 *
 * Options: `--side=new|ref` (one implementation only, e.g. under `node --cpu-prof`), `--rounds=N`,
 * `--warmup-ms=N` (per operation and implementation).
 */
import { GCProfiler } from 'node:v8';
import * as current from '../src/anonymization/index.js';
import { ALL_ENTITY_TYPES } from '../src/anonymization/types.js';
import * as refPseudonymizer from '../test/anonymization/reference/pseudonymizer.js';
import * as refRecognizers from '../test/anonymization/reference/recognizers.js';
import * as refStream from '../test/anonymization/reference/stream-rehydrator.js';
import { ANON_PROMPT, LABELLED, labelledPrompt } from './anonymization-prompts.js';

interface Impl {
  detector: { detect(text: string): unknown[] };
  pseudonymise(messages: { role: string; content: string }[]): {
    out: { role: string; content?: unknown }[];
    p: { rehydrate(text: string): string };
  };
  stream(p: unknown, pieces: readonly string[]): string;
}

const impls: Record<'new' | 'ref', Impl> = {
  new: {
    detector: new current.EntityDetector(),
    pseudonymise(messages) {
      const p = new current.Pseudonymizer({ entities: ALL_ENTITY_TYPES });
      return { out: current.anonymizeMessages(messages, p), p };
    },
    stream(p, pieces) {
      const r = new current.StreamRehydrator(p as current.Pseudonymizer);
      let out = '';
      for (const piece of pieces) out += r.push(piece);
      return out + r.flush();
    },
  },
  ref: {
    detector: new refRecognizers.EntityDetector(),
    pseudonymise(messages) {
      const p = new refPseudonymizer.Pseudonymizer({ entities: ALL_ENTITY_TYPES });
      return { out: refPseudonymizer.anonymizeMessages(messages, p), p };
    },
    stream(p, pieces) {
      const r = new refStream.StreamRehydrator(p as refPseudonymizer.Pseudonymizer);
      let out = '';
      for (const piece of pieces) out += r.push(piece);
      return out + r.flush();
    },
  },
};

const args = new Map(
  process.argv
    .slice(2)
    .map((a) => a.replace(/^--/, '').split('='))
    .map(([k, v]) => [k!, v ?? 'true'] as const),
);
const sides = (args.has('side') ? [args.get('side')] : ['ref', 'new']) as ('new' | 'ref')[];
const ROUNDS = Number(args.get('rounds') ?? 7);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (npm run bench:anon-cost)');

let seed = 7;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const chunk = (text: string): string[] => {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(rand() * 12);
    pieces.push(text.slice(i, i + n));
    i += n;
  }
  return pieces;
};

/** As the gateway gets them: flat strings out of JSON.parse (not the concatenated or sliced ones built here). */
const asParsed = (text: string): string => JSON.parse(JSON.stringify(text)) as string;
const prompts = { '2 kB': asParsed(ANON_PROMPT), '20 kB': asParsed(labelledPrompt(20_000)), chat: '' };

interface Op {
  name: string;
  prompt: keyof typeof prompts;
  /** calls per CPU batch */
  batch: number;
  run: Record<'new' | 'ref', () => unknown>;
}

const ops: Op[] = [];
for (const [label, text] of Object.entries(prompts) as [keyof typeof prompts, string][]) {
  if (label === 'chat') continue;
  const messages = [{ role: 'user', content: text }];
  const prepared = Object.fromEntries(
    (['new', 'ref'] as const).map((side) => {
      const { out, p } = impls[side].pseudonymise(messages);
      const anonymized = out[0]!.content as string;
      if (p.rehydrate(anonymized) !== text) throw new Error(`${side}: round trip failed`);
      return [side, { p, anonymized, pieces: chunk(anonymized) }];
    }),
  ) as Record<'new' | 'ref', { p: { rehydrate(text: string): string }; anonymized: string; pieces: string[] }>;
  if (prepared.new.anonymized !== prepared.ref.anonymized) throw new Error(`${label}: new and ref pseudonymise differently`);
  const batch = label === '2 kB' ? 40 : 4;
  const answer = `Summary: ${prepared.ref.anonymized.slice(0, 600)}`;
  const both = <T>(f: (side: 'new' | 'ref') => T) => ({ new: f('new'), ref: f('ref') });
  ops.push(
    { name: 'detect', prompt: label, batch, run: both((s) => () => impls[s].detector.detect(text)) },
    { name: 'pseudonymise', prompt: label, batch, run: both((s) => () => impls[s].pseudonymise(messages)) },
    {
      name: 'rehydrate',
      prompt: label,
      batch: batch * 10,
      run: both((s) => () => prepared[s].p.rehydrate(prepared[s].anonymized)),
    },
    {
      name: 'stream',
      prompt: label,
      batch: Math.max(1, batch / 4),
      run: both((s) => () => impls[s].stream(prepared[s].p, prepared[s].pieces)),
    },
    {
      // a request's whole work: pseudonymise, then re-identify an answer quoting some placeholders
      name: 'round trip',
      prompt: label,
      batch,
      run: both((s) => () => impls[s].pseudonymise(messages).p.rehydrate(answer)),
    },
  );
}

// A conversation: 12 messages (2.4 kB) of the labelled passages, the first with an address unique to the
// call, as every request brings values of its own (so that no compiled expression can be reused).
const conversation = LABELLED.slice(0, 12).map((l, i) => ({
  role: i % 2 === 0 ? 'user' : 'assistant',
  content: asParsed(l.text),
}));
let caller = 0;
const chatRequest = () => {
  caller++;
  return conversation.map((m, i) => (i === 0 ? { ...m, content: `${m.content} Reply to caller${caller}@example.com.` } : m));
};
ops.push({
  name: 'pseudonymise',
  prompt: 'chat',
  batch: 10,
  run: { new: () => impls.new.pseudonymise(chatRequest()), ref: () => impls.ref.pseudonymise(chatRequest()) },
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** µs of CPU per call, for one batch. */
function cpuBatch(fn: () => unknown, n: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

/** Bytes allocated per call, for one batch; undefined when a GC ran inside it. */
function allocBatch(fn: () => unknown, n: number): number | undefined {
  gc!();
  const keep: unknown[] = new Array(n);
  const profiler = new GCProfiler();
  profiler.start();
  const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) keep[i] = fn();
  const h1 = process.memoryUsage().heapUsed;
  const collections = profiler.stop().statistics.length;
  keep.length = 0;
  return collections === 0 ? (h1 - h0) / n : undefined;
}

const cpu = new Map<string, number[]>();
const alloc = new Map<string, number[]>();
const key = (op: Op, side: string) => `${op.prompt}\u0000${op.name}\u0000${side}`;
const push = (m: Map<string, number[]>, k: string, v: number) => {
  const list = m.get(k) ?? [];
  list.push(v);
  m.set(k, list);
};

// warm-up: every operation of both implementations for WARMUP_MS, so that the JIT has settled
const WARMUP_MS = Number(args.get('warmup-ms') ?? 400);
for (const op of ops) {
  for (const side of sides) {
    const until = performance.now() + WARMUP_MS;
    while (performance.now() < until) for (let i = 0; i < op.batch; i++) op.run[side]();
  }
}

// CPU first, every round interleaving the implementations (alternating which goes first); then the
// allocation passes, whose full GCs would otherwise disturb the timing (they drop compiled code).
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? sides : [...sides].reverse();
  for (const op of ops) {
    for (const side of order) {
      cpuBatch(op.run[side], op.batch); // untimed
      for (let b = 0; b < 5; b++) push(cpu, key(op, side), cpuBatch(op.run[side], op.batch));
    }
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const op of ops) {
    for (const side of sides) {
      const bytes = allocBatch(op.run[side], Math.max(1, Math.floor(op.batch / 4)));
      if (bytes !== undefined) push(alloc, key(op, side), bytes);
    }
  }
}

const kb = (b: number) => (Number.isNaN(b) ? 'n/a' : `${(b / 1024).toFixed(1)} kB`);
const us = (u: number) => `${u.toFixed(1)}`;
const min = (xs: number[]) => (xs.length === 0 ? Number.NaN : Math.min(...xs));
console.log(
  `node ${process.version}; ${ROUNDS} rounds; per call: CPU µs (user+system) median and min of the batches; heap allocated (median)`,
);
const header = ['prompt', 'operation', ...sides.flatMap((s) => [`${s} CPU med`, `${s} min`, `${s} alloc`])];
if (sides.length === 2) header.push('CPU ref/new med', 'min', 'alloc ref/new');
const rows = [header];
for (const op of ops) {
  const c = sides.map((s) => median(cpu.get(key(op, s)) ?? []));
  const m = sides.map((s) => min(cpu.get(key(op, s)) ?? []));
  const a = sides.map((s) => median(alloc.get(key(op, s)) ?? []));
  const row = [op.prompt, op.name, ...sides.flatMap((_, i) => [us(c[i]!), us(m[i]!), kb(a[i]!)])];
  if (sides.length === 2)
    row.push(`${(c[0]! / c[1]!).toFixed(2)}×`, `${(m[0]! / m[1]!).toFixed(2)}×`, `${(a[0]! / a[1]!).toFixed(2)}×`);
  rows.push(row);
}
const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
