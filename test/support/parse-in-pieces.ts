import type { FrameParser } from '../../src/inference/providers/upstream-http.js';

/** Everything `parser` finds in `bytes` fed in pieces cut at `cuts` (ascending offsets), its end included. */
export function parseInPieces<T>(parser: FrameParser<T>, bytes: Uint8Array, cuts: readonly number[]): T[] {
  const out: T[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...parser.feed(bytes.subarray(start, cut)));
    start = cut;
  }
  out.push(...parser.end());
  return out;
}
