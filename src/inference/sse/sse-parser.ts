import { StringDecoder } from 'node:string_decoder';

/**
 * UTF-8 decoding of a byte stream, as `new TextDecoder('utf-8')` with `{ stream: true }` does it (a
 * sequence split across reads is held, invalid bytes become U+FFFD, one leading byte order mark is
 * dropped), on node's StringDecoder: the same text, several times faster on a large read.
 */
export class Utf8Stream {
  private readonly decoder = new StringDecoder('utf8');
  private started = false;

  write(bytes: Uint8Array): string {
    return this.first(this.decoder.write(bytes as Buffer));
  }

  end(): string {
    return this.first(this.decoder.end());
  }

  private first(text: string): string {
    if (this.started || text.length === 0) return text;
    this.started = true;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

export interface SseEvent {
  event: string | undefined;
  data: string;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/**
 * Incremental parser for `text/event-stream` (WHATWG rules): text arrives in arbitrary pieces, a frame
 * ends at a blank line, `data:` lines of one frame join with `\n`, comments and unknown fields are
 * ignored, and `\r\n`, `\r` and `\n` all end a line. Feed it already-decoded text (see `feed`).
 *
 * It runs once per upstream read over everything that read brought (often a whole stream): lines are
 * found with `indexOf` and read in place, so a frame costs one slice for its data and no arrays.
 */
export class SseParser {
  /** Text after the last complete line (a line still arriving). */
  private buffer = '';
  /** The frame's `data` so far; undefined until a `data` line (a frame without one is not an event). */
  private data: string | undefined;
  private event: string | undefined;
  private readonly decoder = new Utf8Stream();

  /** Decodes bytes incrementally (a UTF-8 sequence split across reads is held) and parses them. */
  feed(bytes: Uint8Array): SseEvent[] {
    return this.push(this.decoder.write(bytes));
  }

  /** Flushes the decoder and any frame left without its terminating blank line. */
  end(): SseEvent[] {
    const events = this.push(`${this.decoder.end()}\n\n`);
    this.buffer = '';
    return events;
  }

  push(text: string): SseEvent[] {
    // What is held has no line end in it, except perhaps a last lone \r: the search resumes there.
    const held = this.buffer;
    const buffer = held.length === 0 ? text : held + text;
    const events: SseEvent[] = [];
    const n = buffer.length;
    let start = 0;
    if (text.indexOf('\r') === -1 && held.charCodeAt(held.length - 1) !== CR) {
      // Lines end in \n only (what every upstream we know sends).
      for (let end = buffer.indexOf('\n', held.length); end !== -1; end = buffer.indexOf('\n', start)) {
        this.line(buffer, start, end, events);
        start = end + 1;
      }
    } else {
      for (let i = Math.max(0, held.length - 1); i < n; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== LF && c !== CR) continue;
        // A lone \r at the very end may be the first half of \r\n: wait for more.
        if (c === CR && i === n - 1) break;
        this.line(buffer, start, i, events);
        if (c === CR && buffer.charCodeAt(i + 1) === LF) i++;
        start = i + 1;
      }
    }
    this.buffer = start === 0 ? buffer : start === n ? '' : buffer.slice(start);
    return events;
  }

  /** The line `text.slice(start, end)`. */
  private line(text: string, start: number, end: number, events: SseEvent[]): void {
    if (start === end) {
      if (this.data !== undefined) events.push({ event: this.event, data: this.data });
      this.data = undefined;
      this.event = undefined;
      return;
    }
    const first = text.charCodeAt(start);
    if (first === COLON) return; // ":" comment (keep-alive)
    // The common line, `data: …`, without looking for the colon.
    if (first === 100 && text.startsWith('data:', start)) {
      this.addData(text.slice(text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5, end));
      return;
    }
    let colon = start;
    while (colon < end && text.charCodeAt(colon) !== COLON) colon++;
    const field = text.slice(start, colon);
    let from = colon === end ? end : colon + 1;
    if (from < end && text.charCodeAt(from) === SPACE) from++;
    if (field === 'data') this.addData(text.slice(from, end));
    else if (field === 'event') this.event = text.slice(from, end);
  }

  private addData(value: string): void {
    this.data = this.data === undefined ? value : `${this.data}\n${value}`;
  }
}
