import { describe, expect, it } from '@jest/globals';
import { Pseudonymizer } from '../../src/anonymization/pseudonymizer.js';
import { StreamRehydrator } from '../../src/anonymization/stream-rehydrator.js';
import type { Analyzer, Span } from '../../src/anonymization/types.js';
import { prng } from '../support/fuzz.js';
import { CORPUS } from './corpus.js';

/** Deterministic PRNG (mulberry32) so random chunkings are reproducible. */
const rng = prng;

function stream(p: Pseudonymizer, pieces: readonly string[]): string {
  const r = new StreamRehydrator(p);
  let out = '';
  for (const piece of pieces) out += r.push(piece);
  return out + r.flush();
}

function randomChunks(text: string, next: () => number, maxLen: number): string[] {
  const pieces: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = Math.floor(next() * (maxLen + 1)); // 0 allowed: empty deltas happen
    pieces.push(text.slice(i, i + n));
    i += n;
  }
  return pieces;
}

/** `count` persons named n0x … so that PERSON_0001 … PERSON_<count> all exist. */
function manyPersons(count: number): { p: Pseudonymizer; names: string[] } {
  const names = Array.from({ length: count }, (_, i) => `Name${i + 1}x`);
  const analyzer: Analyzer = {
    detect: (text) => {
      const spans: Span[] = [];
      for (const m of text.matchAll(/Name\d+x/g))
        spans.push({ start: m.index, end: m.index + m[0].length, type: 'PERSON', score: 1 });
      return spans;
    },
  };
  const p = new Pseudonymizer({ analyzer });
  p.anonymize(names.join(' '));
  return { p, names };
}

describe('StreamRehydrator', () => {
  // A realistic mapping from the corpus plus an answer that mixes placeholders with look-alikes.
  const p = new Pseudonymizer();
  const sent = CORPUS.slice(0, 20).map((c) => p.anonymize(c.text));
  const answers = [
    ...sent.slice(0, 8),
    `Summary: PERSON_0001 and PERSON_0010 (not PERSON_00010) met ORGANIZATION_0002 at URL_0001.\nNOTE: I think PERSON_ and PERSON_9999 are not real. EMAIL_ADDRESS_0003!PERSON_0002`,
    'PERSON_0001PERSON_0002PERSON_0003',
    'ends with a partial PERS',
    'ends with a placeholder PERSON_0003',
  ];

  it('re-identifies every 2-way split exactly like the non-streaming path', () => {
    for (const answer of answers) {
      const expected = p.rehydrate(answer);
      for (let cut = 0; cut <= answer.length; cut++) {
        expect(stream(p, [answer.slice(0, cut), answer.slice(cut)])).toBe(expected);
      }
    }
  });

  it('re-identifies random chunkings (seeded) exactly like the non-streaming path', () => {
    const next = rng(20260412);
    for (const answer of answers) {
      const expected = p.rehydrate(answer);
      for (let round = 0; round < 200; round++) {
        expect(stream(p, randomChunks(answer, next, 1 + (round % 12)))).toBe(expected);
      }
    }
  });

  it('works character by character', () => {
    for (const answer of answers) expect(stream(p, [...answer])).toBe(p.rehydrate(answer));
  });

  it('re-identifies a placeholder split across deltas (reference pin)', () => {
    const q = new Pseudonymizer({
      analyzer: { detect: (t) => (t.includes('John Smith') ? [{ start: 0, end: 10, type: 'PERSON', score: 1 }] : []) },
    });
    expect(q.anonymize('John Smith signed the agreement.')).toBe('PERSON_0001 signed the agreement.');
    const r = new StreamRehydrator(q);
    expect(r.push('Hello PERSON_')).toBe('Hello ');
    expect(r.push('0001')).toBe('John Smith');
    expect(r.push(' signed.')).toBe(' signed.');
    expect(r.flush()).toBe('');
  });

  it('never confuses PERSON_0001 with PERSON_0010 or PERSON_1000 with PERSON_10000', () => {
    const { p: q, names } = manyPersons(10_000);
    const answer = 'PERSON_0010, PERSON_0001; PERSON_1000/PERSON_10000 PERSON_00010 PERSON_100000';
    const expected = `${names[9]}, ${names[0]}; ${names[999]}/${names[9999]} ${names[0]}0 ${names[9999]}0`;
    expect(q.rehydrate(answer)).toBe(expected);
    for (let cut = 0; cut <= answer.length; cut++) {
      expect(stream(q, [answer.slice(0, cut), answer.slice(cut)])).toBe(expected);
    }
    expect(stream(q, [...answer])).toBe(expected);
  });

  it('holds a tail that could still become a placeholder and releases it only on flush', () => {
    const { p: q, names } = manyPersons(10_000);
    const r = new StreamRehydrator(q);
    expect(r.push('Signed by PERSON_00')).toBe('Signed by ');
    expect(r.pending).toBe('PERSON_00'.length);
    expect(r.flush()).toBe('PERSON_00'); // never completed: comes out verbatim
    // a complete placeholder that a longer one extends (PERSON_1000 → PERSON_10000) waits for the next piece
    expect(r.push('and PERSON_1000')).toBe('and ');
    expect(r.push('0 too')).toBe(`${names[9999]} too`);
    expect(r.push('; PERSON_1000')).toBe('; ');
    expect(r.flush()).toBe(names[999]);
    expect(r.flush()).toBe('');
  });

  it('flushes a placeholder split between the last content delta and a usage-only final chunk', () => {
    const r = new StreamRehydrator(p);
    // the upstream's last content delta ends mid-placeholder; the final chunk carries only usage
    expect(r.push('Regards, PERSON_00')).toBe('Regards, ');
    expect(r.push('')).toBe(''); // usage-only chunk: no content
    expect(r.flush()).toBe(p.rehydrate('PERSON_00'));
    const r2 = new StreamRehydrator(p);
    expect(r2.push('Regards, ORGANIZ')).toBe('Regards, ');
    expect(r2.push('ATION_000')).toBe('');
    expect(r2.flush()).toBe('ORGANIZATION_000');
  });

  it('releases text as soon as it can no longer become a placeholder', () => {
    const r = new StreamRehydrator(p);
    expect(r.push('NOTE: WHY')).toBe('NOTE: WHY'); // ALL-CAPS words that start no placeholder are not held
    expect(r.push(' I')).toBe(' '); // "I" could still become IBAN_CODE_0001 / IP_ADDRESS_0001 of this request
    expect(r.push(' met PERSON_0001')).toBe(`I met ${p.rehydrate('PERSON_0001')}`); // complete, nothing longer exists
    expect(r.push(' again PERSON_0001')).toBe(` again ${p.rehydrate('PERSON_0001')}`);
    expect(r.push(' and PERSON_9999')).toBe(' and PERSON_9999'); // unknown placeholder: verbatim, not held
    expect(r.pending).toBe(0);
    expect(r.flush()).toBe('');
  });

  it('is identity when nothing was pseudonymised', () => {
    const empty = new Pseudonymizer({ analyzer: { detect: () => [] } });
    expect(empty.anonymize('nothing here')).toBe('nothing here');
    const r = new StreamRehydrator(empty);
    expect(r.push('PERSON_')).toBe('PERSON_');
    expect(r.flush()).toBe('');
  });
});
