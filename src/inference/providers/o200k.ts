import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * OpenAI's o200k_base tokenizer over compact tables: the vocabulary's bytes in one buffer, an offset per
 * rank and an open-addressing hash of byte sequences → rank (~5 MB), instead of gpt-tokenizer's
 * Map of 200k strings built from a 2.4 MB JavaScript literal (~50 MB resident). Same ranks (read
 * from gpt-tokenizer's own `data/o200k_base.tiktoken`), same pre-tokenising pattern, and tiktoken's
 * byte-pair merge, so the token ids are the same; test/unit/o200k.spec.ts compares them with
 * gpt-tokenizer. Special tokens (`<|endoftext|>` …) are ordinary text here (tiktoken's
 * `encode_ordinary`); gpt-tokenizer's `encode` would throw on them.
 */
export interface O200kTokenizer {
  encode(text: string): number[];
  /** UTF-8 of the tokens' bytes; a character cut at the end decodes to U+FFFD. */
  decode(tokens: readonly number[]): string;
}

// gpt-tokenizer's O200K_TOKEN_SPLIT_PATTERN (encodingParams/constants), written out to load nothing else.
const CONTRACTION = `(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`;
const SPLIT = new RegExp(
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+${CONTRACTION}|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*${CONTRACTION}|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  'gu',
);

const utf8 = new TextEncoder();
const MERGE_CACHE_SIZE = 4096;
const decoder = new TextDecoder('utf-8');

class CompactBpe implements O200kTokenizer {
  private readonly mask: number;
  /** UTF-8 of the piece being looked up (one buffer, not one per piece). */
  private scratch = new Uint8Array(256);
  /** Pieces that needed merging → their ranks (bounded; cleared when full). */
  private readonly merged = new Map<string, number[]>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly offsets: Uint32Array,
    private readonly table: Int32Array,
  ) {
    this.mask = table.length - 1;
  }

  /** The rank of `piece[start, end)`, or -1. */
  rank(piece: Uint8Array, start: number, end: number): number {
    const { bytes, offsets, table, mask } = this;
    const length = end - start;
    for (let slot = hash(piece, start, end) & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot];
      if (entry === 0) return -1;
      const rank = entry - 1;
      const at = offsets[rank];
      if (offsets[rank + 1] - at !== length) continue;
      let i = 0;
      while (i < length && bytes[at + i] === piece[start + i]) i++;
      if (i === length) return rank;
    }
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const [match] of text.matchAll(SPLIT)) {
      if (this.scratch.length < match.length * 3) this.scratch = new Uint8Array(match.length * 3);
      const length = utf8.encodeInto(match, this.scratch).written;
      const whole = this.rank(this.scratch, 0, length);
      if (whole >= 0) {
        out.push(whole);
        continue;
      }
      const cached = this.merged.get(match);
      if (cached) {
        for (const rank of cached) out.push(rank);
        continue;
      }
      const ranks = this.merge(this.scratch.slice(0, length));
      if (this.merged.size >= MERGE_CACHE_SIZE) this.merged.clear();
      this.merged.set(match, ranks);
      for (const rank of ranks) out.push(rank);
    }
    return out;
  }

  /** tiktoken's byte_pair_merge: repeatedly join the adjacent pair of lowest rank. */
  private merge(piece: Uint8Array): number[] {
    const out: number[] = [];
    const starts: number[] = [];
    const ranks: number[] = [];
    const pairRank = (i: number) => {
      const end = starts[i + 2];
      if (end === undefined) return Number.POSITIVE_INFINITY;
      const rank = this.rank(piece, starts[i], end);
      return rank < 0 ? Number.POSITIVE_INFINITY : rank;
    };
    for (let i = 0; i <= piece.length; i++) starts.push(i);
    for (let i = 0; i <= piece.length; i++) ranks.push(i < piece.length - 1 ? pairRank(i) : Number.POSITIVE_INFINITY);
    while (starts.length > 1) {
      let lowest = Number.POSITIVE_INFINITY;
      let at = -1;
      for (let i = 0; i < ranks.length - 1; i++) {
        if (ranks[i] < lowest) {
          lowest = ranks[i];
          at = i;
        }
      }
      if (at === -1) break;
      starts.splice(at + 1, 1);
      ranks.splice(at, 1);
      ranks[at] = pairRank(at);
      if (at > 0) ranks[at - 1] = pairRank(at - 1);
    }
    for (let i = 0; i < starts.length - 1; i++) {
      const rank = this.rank(piece, starts[i], starts[i + 1]);
      if (rank < 0) throw new Error('o200k: a single byte has no rank');
      out.push(rank);
    }
    return out;
  }

  decode(tokens: readonly number[]): string {
    const { bytes, offsets } = this;
    let size = 0;
    for (const token of tokens) {
      if (!(token >= 0 && token < offsets.length - 1)) throw new Error(`o200k: token ${token} is not in the vocabulary`);
      size += offsets[token + 1] - offsets[token];
    }
    const joined = new Uint8Array(size);
    let at = 0;
    for (const token of tokens) {
      joined.set(bytes.subarray(offsets[token], offsets[token + 1]), at);
      at += offsets[token + 1] - offsets[token];
    }
    return decoder.decode(joined);
  }
}

/** FNV-1a over a byte range. */
function hash(piece: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ piece[i], 0x01000193);
  return h >>> 0;
}

const BASE64 = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries())
  BASE64[c.charCodeAt(0)] = i;

/**
 * Reads `<base64 bytes> <rank>` lines (the .tiktoken format, ranks 0, 1, 2 … in order) in one pass,
 * decoding in place (base64 is longer than its bytes, so writing never overtakes reading).
 */
export function loadO200k(): O200kTokenizer {
  const path = createRequire(import.meta.url).resolve('gpt-tokenizer/data/o200k_base.tiktoken');
  const file = readFileSync(path);
  const offsets: number[] = [];
  let at = 0;
  let i = 0;
  while (i < file.length) {
    offsets.push(at);
    let bits = 0;
    let held = 0;
    for (; file[i] !== 0x20; i++) {
      const value = BASE64[file[i]];
      if (value < 0) continue; // '=' padding
      bits = ((bits << 6) | value) & 0xffff;
      held += 6;
      if (held >= 8) {
        held -= 8;
        file[at++] = (bits >> held) & 0xff;
      }
    }
    let rank = 0;
    for (i++; i < file.length && file[i] !== 0x0a; i++) rank = rank * 10 + file[i] - 0x30;
    i++;
    if (rank !== offsets.length - 1) throw new Error(`o200k: rank ${rank} out of order in ${path}`);
  }
  offsets.push(at);
  const bytes = new Uint8Array(file.subarray(0, at)); // a copy (Buffer#slice would share), so the file's buffer can go
  const count = offsets.length - 1;
  let size = 1;
  while (size < count * 2) size *= 2;
  const table = new Int32Array(size);
  const mask = size - 1;
  for (let rank = 0; rank < count; rank++) {
    let slot = hash(bytes, offsets[rank], offsets[rank + 1]) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = rank + 1;
  }
  return new CompactBpe(bytes, Uint32Array.from(offsets), table);
}
