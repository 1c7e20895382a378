import { Utf8Stream } from '../sse/sse-parser.js';

/**
 * Incremental parser for newline-delimited JSON (`application/x-ndjson`): bytes arrive in arbitrary
 * pieces, a UTF-8 sequence split across reads is held, a line split across reads is buffered until
 * its `\n`, `\r\n` ends a line too, and blank lines are skipped. It yields each line's text; parsing
 * the JSON is the caller's (so a malformed line can fail the stream rather than vanish).
 */
export class NdjsonParser {
  private buffer = '';
  private readonly decoder = new Utf8Stream();

  /** Decodes `bytes` and returns the complete lines they finish. */
  feed(bytes: Uint8Array): string[] {
    return this.push(this.decoder.write(bytes));
  }

  /** Flushes the decoder; a last line without its `\n` is still a line. */
  end(): string[] {
    const lines = this.push(`${this.decoder.end()}\n`);
    this.buffer = '';
    return lines;
  }

  private push(text: string): string[] {
    this.buffer += text;
    const lines: string[] = [];
    let start = 0;
    let newline = this.buffer.indexOf('\n', start);
    while (newline !== -1) {
      const end = newline > start && this.buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      const line = this.buffer.slice(start, end);
      if (line.trim() !== '') lines.push(line);
      start = newline + 1;
      newline = this.buffer.indexOf('\n', start);
    }
    this.buffer = this.buffer.slice(start);
    return lines;
  }
}
