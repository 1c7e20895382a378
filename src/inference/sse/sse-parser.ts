export interface SseEvent {
  event: string | undefined;
  data: string;
}

/**
 * Incremental parser for `text/event-stream` (WHATWG rules): text arrives in arbitrary pieces, a frame
 * ends at a blank line, `data:` lines of one frame join with `\n`, comments and unknown fields are
 * ignored, and `\r\n`, `\r` and `\n` all end a line. Feed it already-decoded text (see `feed`).
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event: string | undefined;
  private readonly decoder = new TextDecoder('utf-8');

  /** Decodes bytes incrementally (a UTF-8 sequence split across reads is held) and parses them. */
  feed(bytes: Uint8Array): SseEvent[] {
    return this.push(this.decoder.decode(bytes, { stream: true }));
  }

  /** Flushes the decoder and any frame left without its terminating blank line. */
  end(): SseEvent[] {
    const events = this.push(`${this.decoder.decode()}\n\n`);
    this.buffer = '';
    return events;
  }

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (c === 13 && i === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, i), events);
      if (c === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push({ event: this.event, data: this.data.join('\n') });
      this.data = [];
      this.event = undefined;
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ":" comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}
