/**
 * A read-only set of the lines of one text (as `new Set(text.split('\n'))` has them), without a
 * string per line: the text stays one string, and an open-addressing table maps a line's hash to its
 * offset. For the 274k-word dictionary: ~8 MB and ~30 ms to build, against ~44 MB and ~1 s for a Set.
 */
export class LineSet {
  /** starts[i]: offset of line i; starts[count]: text.length + 1, so line i ends at starts[i + 1] - 1. */
  private readonly starts: Int32Array;
  /** slot → line index + 1; 0 is an empty slot. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(private readonly text: string) {
    let count = 1;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) count++;
    this.starts = new Int32Array(count + 1);
    for (let i = 0, line = 1; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts[line++] = i + 1;
    this.starts[count] = text.length + 1;
    let size = 1;
    while (size < count * 2) size <<= 1;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let line = 0; line < count; line++) {
      const start = this.starts[line];
      const end = this.starts[line + 1] - 1;
      let slot = hash(text, start, end) & this.mask;
      for (;;) {
        const taken = this.slots[slot];
        if (taken === 0) {
          this.slots[slot] = line + 1;
          break;
        }
        if (this.equals(taken - 1, text, start, end)) break; // a repeated line
        slot = (slot + 1) & this.mask;
      }
    }
  }

  has(value: string): boolean {
    let slot = hash(value, 0, value.length) & this.mask;
    for (;;) {
      const taken = this.slots[slot];
      if (taken === 0) return false;
      // the line equals `value`: same length and `value` at its offset (a native comparison)
      const from = this.starts[taken - 1];
      if (this.starts[taken] - 1 - from === value.length && this.text.startsWith(value, from)) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  private equals(line: number, other: string, start: number, end: number): boolean {
    const from = this.starts[line];
    const length = this.starts[line + 1] - 1 - from;
    if (length !== end - start) return false;
    for (let i = 0; i < length; i++) if (this.text.charCodeAt(from + i) !== other.charCodeAt(start + i)) return false;
    return true;
  }
}

/** FNV-1a over UTF-16 code units of `text[start, end)`. */
function hash(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
