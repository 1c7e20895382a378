import { describe, expect, it } from '@jest/globals';
import { NdjsonParser } from '../../src/inference/providers/ndjson-parser.js';
import { parseInPieces } from '../support/parse-in-pieces.js';

const STREAM =
  '{"message":{"content":"héllo ☃ 👋"},"done":false}\n' +
  '\n' +
  '{"message":{"content":"crlf"},"done":false}\r\n' +
  '   \n' +
  '{"done":true,"eval_count":3}\n';

const EXPECTED = [
  '{"message":{"content":"héllo ☃ 👋"},"done":false}',
  '{"message":{"content":"crlf"},"done":false}',
  '{"done":true,"eval_count":3}',
];

describe('NdjsonParser', () => {
  const bytes = Buffer.from(STREAM, 'utf8');

  it('parses a whole stream, skipping blank lines and dropping the \\r of \\r\\n', () => {
    expect(parseInPieces(new NdjsonParser(), bytes, [])).toEqual(EXPECTED);
  });

  it('gives the same lines for a split at every byte, including inside multi-byte UTF-8 and \\r\\n', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      expect([cut, parseInPieces(new NdjsonParser(), bytes, [cut])]).toEqual([cut, EXPECTED]);
    }
  });

  it('gives the same lines when fed one byte at a time', () => {
    expect(
      parseInPieces(
        new NdjsonParser(),
        bytes,
        Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(EXPECTED);
  });

  it('holds a line until its newline, and returns a last line without one at the end', () => {
    const parser = new NdjsonParser();
    expect(parser.feed(Buffer.from('{"a":1}\n{"b":'))).toEqual(['{"a":1}']);
    expect(parser.feed(Buffer.from('2}'))).toEqual([]);
    expect(parser.end()).toEqual(['{"b":2}']);
  });

  it('never emits half of a character split across reads', () => {
    const parser = new NdjsonParser();
    const snowman = Buffer.from('"☃"\n', 'utf8'); // ☃ is three bytes
    expect(parser.feed(snowman.subarray(0, 2))).toEqual([]);
    expect(parser.feed(snowman.subarray(2))).toEqual(['"☃"']);
  });
});
