// FROZEN REFERENCE (test fixture, not production code): a verbatim copy of src/anonymization/stream-rehydrator.ts as of
// commit 535a6e1, before the allocation/CPU cuts of branch perf-anon. test/anonymization/differential.spec.ts and
// bench/anonymization-cost.bench.ts use it as the oracle: the optimised code must give byte-identical results.
// Do not edit it to follow later changes of detection behaviour; re-freeze it instead (copy src/ over it).

/**
 * Re-identifies a streamed answer piece by piece.
 *
 * Hold-back rule (exact, not heuristic): text is held from the first position the scan reaches at which
 * the rest of the buffer is a *proper prefix of a placeholder of this request* — `P`, `PERS`, `PERSON_`,
 * `PERSON_00` while `PERSON_0012` exists, or a complete `PERSON_1000` while `PERSON_10000` also exists.
 * Everything before it is released at once, re-identified. A complete placeholder that no longer known
 * placeholder extends (the usual case) is released immediately: further digits could not change how it
 * is read (`PERSON_0001` + `2` is read as `PERSON_0001` followed by "2" by `rehydrate` too). Text that
 * can no longer become a placeholder — ALL-CAPS words, `PERSON_0005` when the request has no such
 * entity — is never held.
 *
 * Invariant: the concatenation of every `push` result and `flush()` equals
 * `pseudonymizer.rehydrate(concatenation of the pieces)`, byte for byte, for any chunking.
 * Call `flush()` when the stream ends — after the last content delta, on a usage-only final chunk and on
 * the error path — or the held tail is lost.
 */
import type { Pseudonymizer } from './pseudonymizer.js';

export class StreamRehydrator {
  #buffer = '';

  constructor(private readonly pseudonymizer: Pseudonymizer) {}

  /** Appends a piece of the answer; returns the re-identified text that can be released now. */
  push(piece: string): string {
    if (piece.length === 0) return '';
    const text = this.#buffer + piece;
    const { out, held } = this.pseudonymizer.scan(text, false);
    this.#buffer = held < text.length ? text.slice(held) : '';
    return out;
  }

  /** Ends the stream: returns whatever was held, re-identified, and resets the rehydrator. */
  flush(): string {
    if (this.#buffer.length === 0) return '';
    const out = this.pseudonymizer.scan(this.#buffer, true).out;
    this.#buffer = '';
    return out;
  }

  /** Length of the text currently held back (for tests and metrics; never its content). */
  get pending(): number {
    return this.#buffer.length;
  }
}
