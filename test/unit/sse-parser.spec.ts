import { describe, expect, it } from '@jest/globals';
import { type SseEvent, SseParser, Utf8Stream } from '../../src/inference/sse/sse-parser.js';
import { parseInPieces } from '../support/parse-in-pieces.js';

const STREAM =
  'data: {"a":"héllo ☃ 👋"}\n\n' +
  ': keep-alive comment\n\n' +
  'event: message\r\ndata: {"b":1}\r\n\r\n' +
  'data: line one\ndata: line two\n\n' +
  'data: [DONE]\n\n';

const EXPECTED = ['{"a":"héllo ☃ 👋"}', '{"b":1}', 'line one\nline two', '[DONE]'];

/** The data of every frame found in `bytes` fed in pieces cut at `cuts`. */
const dataInPieces = (bytes: Buffer, cuts: number[]) => parseInPieces(new SseParser(), bytes, cuts).map((e) => e.data);

describe('SseParser', () => {
  const bytes = Buffer.from(STREAM, 'utf8');

  it('parses a whole stream', () => {
    expect(dataInPieces(bytes, [])).toEqual(EXPECTED);
  });

  it('gives the same frames for a split at every byte, including inside multi-byte UTF-8 and \\r\\n', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(dataInPieces(bytes, [cut])).toEqual(EXPECTED);
    }
  });

  it('gives the same frames when fed one byte at a time', () => {
    expect(
      dataInPieces(
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

/** The WHATWG event-stream rules applied to the whole text at once: the reference the incremental parser must match. */
function referenceParse(text: string): { event: string | undefined; data: string }[] {
  const events: { event: string | undefined; data: string }[] = [];
  let data: string[] = [];
  let event: string | undefined;
  for (const line of `${text}\n\n`.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0) events.push({ event, data: data.join('\n') });
      data = [];
      event = undefined;
    } else if (!line.startsWith(':')) {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
  }
  return events;
}

/** Seeded random streams of SSE lines: data (with and without the space), events, comments, other fields, multi-byte text, every line ending. */
function randomStream(seed: number): string {
  let s = seed >>> 0 || 1;
  const next = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
  const words = ['{"a":1}', 'é', '☃', '👋', '𝄞', 'x:y', ' lead', 'trail ', '[DONE]', '', 'data', ':'];
  const heads = ['data: ', 'data:', 'data', 'event: ', 'event:', ': ', ':', 'id: ', 'retry: ', 'datum: ', 'Data: ', ''];
  const ends = ['\n', '\r\n', '\r', '\n\n', '\r\n\r\n', '\r\r', '\n\r'];
  let text = '';
  for (let lines = 5 + next(40); lines > 0; lines--) {
    text += heads[next(heads.length)];
    for (let w = next(4); w > 0; w--) text += words[next(words.length)];
    text += ends[next(ends.length)];
  }
  return text;
}

describe('SseParser against the reference rules', () => {
  it('gives the reference events for 500 random streams cut at random byte boundaries', () => {
    let cutSeed = 7;
    const nextCut = (n: number) => {
      cutSeed = (Math.imul(cutSeed, 1103515245) + 12345) >>> 0;
      return 1 + Math.floor((cutSeed / 2 ** 32) * n);
    };
    for (let seed = 1; seed <= 500; seed++) {
      const text = randomStream(seed);
      const bytes = Buffer.from(text, 'utf8');
      const cuts: number[] = [];
      for (let at = nextCut(8); at < bytes.length; at += nextCut(8)) cuts.push(at);
      const parser = new SseParser();
      const got: SseEvent[] = [];
      let start = 0;
      for (const cut of [...cuts, bytes.length]) {
        got.push(...parser.feed(bytes.subarray(start, cut)));
        start = cut;
      }
      got.push(...parser.end());
      expect({ seed, events: got }).toEqual({ seed, events: referenceParse(text) });
    }
  });

  it('gives the reference events for a stream mixing every line ending, cut at every byte', () => {
    const text = 'data: a\r\ndata:b\rdata\n\nevent: é\r\r: c\ndata: 👋\r\n\r\nid: 1\ndata: x:y\n\r';
    const bytes = Buffer.from(text, 'utf8');
    const expected = referenceParse(text);
    expect(expected).toEqual([
      { event: undefined, data: 'a\nb\n' },
      { event: undefined, data: '👋' },
      { event: undefined, data: 'x:y' },
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const second of [cut + 1, cut + 3]) {
        expect(parseInPieces(new SseParser(), bytes, [cut, Math.min(second, bytes.length)])).toEqual(expected);
      }
    }
  });

  it('holds a long line that arrives in many small reads until it ends', () => {
    const value = 'v'.repeat(100_000);
    const bytes = Buffer.from(`data: ${value}\n\n`);
    const parser = new SseParser();
    const got: SseEvent[] = [];
    for (let at = 0; at < bytes.length; at += 1000) got.push(...parser.feed(bytes.subarray(at, at + 1000)));
    expect(got).toEqual([{ event: undefined, data: value }]);
  });
});

describe('Utf8Stream (the parsers’ decoder)', () => {
  /** Decodes `bytes` fed in pieces at `cuts` with both decoders. */
  const both = (bytes: Buffer, cuts: number[]) => {
    const reference = new TextDecoder('utf-8');
    const ours = new Utf8Stream();
    let a = '';
    let b = '';
    let start = 0;
    for (const cut of [...cuts, bytes.length]) {
      a += reference.decode(bytes.subarray(start, cut), { stream: true });
      b += ours.write(bytes.subarray(start, cut));
      start = cut;
    }
    return { reference: a + reference.decode(), ours: b + ours.end() };
  };

  it('decodes as a streaming TextDecoder does: split and invalid sequences, 20000 random byte strings', () => {
    let s = 3;
    const next = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return Math.floor((s / 2 ** 32) * n);
    };
    // ASCII, the lead and continuation bytes of 2-, 3- and 4-byte sequences, overlongs, surrogates, bytes never valid.
    const pool = [
      0x41, 0x0a, 0xc3, 0xa9, 0xe2, 0x98, 0x83, 0xf0, 0x9f, 0x91, 0x8b, 0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff, 0xed, 0xa0, 0xef,
      0xbb, 0xe0, 0xf4, 0x90,
    ];
    for (let t = 0; t < 20000; t++) {
      const bytes = Buffer.from(Array.from({ length: 1 + next(12) }, () => pool[next(pool.length)]));
      const cuts: number[] = [];
      for (let i = 1; i < bytes.length; i++) if (next(3) === 0) cuts.push(i);
      const { reference, ours } = both(bytes, cuts);
      expect({ bytes: [...bytes], cuts, text: ours }).toEqual({ bytes: [...bytes], cuts, text: reference });
    }
  });

  it('drops one byte order mark at the start, also split across reads, and keeps any other', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const text = Buffer.concat([bom, Buffer.from('data: x'), bom, Buffer.from('\n')]);
    for (let cut = 0; cut <= text.length; cut++) {
      const { reference, ours } = both(text, cut === 0 || cut === text.length ? [] : [cut]);
      expect(ours).toBe(reference);
      expect(ours).toBe('data: x\ufeff\n');
    }
    expect(both(Buffer.concat([Buffer.from('a'), bom]), []).ours).toBe('a\ufeff');
  });
});
