import { describe, expect, it } from '@jest/globals';
import { SseParser } from '../../src/inference/sse/sse-parser.js';

const STREAM =
  'data: {"a":"héllo ☃ 👋"}\n\n' +
  ': keep-alive comment\n\n' +
  'event: message\r\ndata: {"b":1}\r\n\r\n' +
  'data: line one\ndata: line two\n\n' +
  'data: [DONE]\n\n';

const EXPECTED = ['{"a":"héllo ☃ 👋"}', '{"b":1}', 'line one\nline two', '[DONE]'];

function parseInPieces(bytes: Buffer, cuts: number[]): string[] {
  const parser = new SseParser();
  const out: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...parser.feed(bytes.subarray(start, cut)).map((e) => e.data));
    start = cut;
  }
  out.push(...parser.end().map((e) => e.data));
  return out;
}

describe('SseParser', () => {
  const bytes = Buffer.from(STREAM, 'utf8');

  it('parses a whole stream', () => {
    expect(parseInPieces(bytes, [])).toEqual(EXPECTED);
  });

  it('gives the same frames for a split at every byte, including inside multi-byte UTF-8 and \\r\\n', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseInPieces(bytes, [cut])).toEqual(EXPECTED);
    }
  });

  it('gives the same frames when fed one byte at a time', () => {
    expect(
      parseInPieces(
        bytes,
        Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(EXPECTED);
  });

  it('keeps the event name and flushes a final frame without its blank line', () => {
    const parser = new SseParser();
    expect(parser.feed(Buffer.from('event: error\ndata: {"x":1}\n\ndata: tail'))).toEqual([{ event: 'error', data: '{"x":1}' }]);
    expect(parser.end()).toEqual([{ event: undefined, data: 'tail' }]);
  });
});
