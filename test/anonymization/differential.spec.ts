/**
 * Differential test: the detectors, the pseudonymiser and the re-identifiers of src/anonymization give
 * exactly the results of the frozen reference copy in test/anonymization/reference/ (the code before
 * the CPU / allocation cuts of branch perf-anon) — the same spans in the same order with the same
 * types and scores, the same placeholders, counts and rehydrated text — over the labelled passages,
 * the benchmark prompts and a few thousand seeded random texts (random-texts.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { BLIND, HELD_OUT } from '../../bench/anonymization-labelled.js';
import { ANON_PROMPT, labelledPrompt } from '../../bench/anonymization-prompts.js';
import * as cur from '../../src/anonymization/index.js';
import { ALL_ENTITY_TYPES, type EntityType, type Span } from '../../src/anonymization/types.js';
import { CORPUS } from './corpus.js';
import { characterSoup, randomTexts, rng } from './random-texts.js';
import * as refNames from './reference/names.js';
import * as refP from './reference/pseudonymizer.js';
import * as refR from './reference/recognizers.js';
import * as refS from './reference/stream-rehydrator.js';

const LABELLED = [...CORPUS, ...HELD_OUT, ...BLIND];
const RANDOM = [...randomTexts(4000, 20261201, LABELLED), ...characterSoup(2000, 17)];
const FIXED = [...LABELLED.map((l) => l.text), ANON_PROMPT, labelledPrompt(20_000), ''];
const ALL_TEXTS = [...FIXED, ...RANDOM];

const curDetector = new cur.EntityDetector();
const refDetector = new refR.EntityDetector();
const curNames = new cur.NameDetector();
const refNameDetector = new refNames.NameDetector();

/** Runs `check` over every text and reports the first few texts on which it fails. */
function expectSame(texts: readonly string[], check: (text: string, i: number) => [unknown, unknown]): void {
  const failures: { text: string; got: unknown; want: unknown }[] = [];
  texts.forEach((text, i) => {
    const [got, want] = check(text, i);
    if (failures.length < 3 && JSON.stringify(got) !== JSON.stringify(want)) failures.push({ text, got, want });
  });
  expect(failures).toEqual([]);
}

type PatternDetector = (text: string) => unknown[];
const PATTERN_DETECTORS: [string, PatternDetector, PatternDetector][] = [
  ['detectEmails', cur.detectEmails, refR.detectEmails],
  ['detectUrls', cur.detectUrls, refR.detectUrls],
  ['detectPhones', cur.detectPhones, refR.detectPhones],
  ['detectCreditCards', cur.detectCreditCards, refR.detectCreditCards],
  ['detectIbans', cur.detectIbans, refR.detectIbans],
  ['detectSsns', cur.detectSsns, refR.detectSsns],
  ['detectIps', cur.detectIps, refR.detectIps],
  ['detectCaseNumbers', cur.detectCaseNumbers, refR.detectCaseNumbers],
  ['detectMatterNumbers', cur.detectMatterNumbers, refR.detectMatterNumbers],
];

describe('differential: optimised anonymization = frozen reference', () => {
  it(`generates ${RANDOM.length} random texts covering every entity type`, () => {
    const types = new Set(RANDOM.flatMap((t) => refDetector.detect(t).map((s) => s.type)));
    expect([...types].sort()).toEqual([...ALL_ENTITY_TYPES].sort());
  });

  it('EntityDetector.detect: same spans, all types', () => {
    expectSame(ALL_TEXTS, (t) => [curDetector.detect(t), refDetector.detect(t)]);
  });

  it('EntityDetector.detect: same spans for random subsets of types', () => {
    const next = rng(42);
    expectSame(ALL_TEXTS, (t) => {
      const types = ALL_ENTITY_TYPES.filter(() => next() < 0.4);
      return [curDetector.detect(t, types), refDetector.detect(t, types)];
    });
  });

  it.each(PATTERN_DETECTORS)('%s: same raw spans in the same order', (_name, detect, reference) => {
    expectSame(ALL_TEXTS, (t) => [detect(t), reference(t)]);
  });

  it('NameDetector.detect: same raw candidates, without and with request context', () => {
    const next = rng(7);
    expectSame(ALL_TEXTS, (t, i) => {
      const prev = ALL_TEXTS[(i + 1) % ALL_TEXTS.length]!;
      const spans = refNameDetector.detect(prev);
      const context =
        next() < 0.5
          ? {}
          : {
              knownPersons: spans.filter((s) => s.type === 'PERSON').map((s) => prev.slice(s.start, s.end)),
              knownOrganizations: spans.filter((s) => s.type === 'ORGANIZATION').map((s) => prev.slice(s.start, s.end)),
            };
      return [
        [curNames.detect(t), curNames.detect(t, context)],
        [refNameDetector.detect(t), refNameDetector.detect(t, context)],
      ];
    });
  });

  it('resolveOverlaps: same result', () => {
    const next = rng(9);
    const types = ALL_ENTITY_TYPES;
    for (let n = 0; n < 3000; n++) {
      const range = n % 3 === 0 ? 2000 : 100;
      const spans = Array.from({ length: Math.floor(next() * (n % 3 === 0 ? 400 : 30)) }, () => {
        const start = Math.floor(next() * range);
        return {
          start,
          end: start + Math.floor(next() * 12) - 1,
          type: types[Math.floor(next() * types.length)]!,
          score: Math.floor(next() * 4) / 4,
        };
      });
      expect(cur.resolveOverlaps(spans)).toEqual(refR.resolveOverlaps(spans));
    }
  });

  it('Pseudonymizer with arbitrary spans (any boundary, surrogate halves): same values recurring across messages', () => {
    // A stub analyzer marking seeded random spans of each text, the same for both implementations, so
    // that mapped values of every shape recur in later messages (#knownValueSpans).
    const spansOf = (text: string): Span[] => {
      let h = 7;
      for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
      const next = rng(h);
      return Array.from({ length: Math.floor(next() * 6) }, () => {
        const start = Math.floor(next() * text.length);
        const end = Math.min(text.length, start + 1 + Math.floor(next() * 8));
        return { start, end, type: ALL_ENTITY_TYPES[Math.floor(next() * 3)]!, score: next() };
      });
    };
    const analyzer = { detect: spansOf };
    const next = rng(5);
    // plus texts over a tiny alphabet of astral letters and symbols, surrogate halves, marks and word
    // characters, so that short values recur right after and before every kind of code point
    const tiny = ['a', 'b', ' ', '𝐀', '😀', '\ud835', '\udc00', '_', '1', 'é', '\u0301', '-'];
    const tinyTexts = Array.from({ length: 2000 }, () =>
      Array.from({ length: 8 + Math.floor(next() * 24) }, () => tiny[Math.floor(next() * tiny.length)]).join(''),
    );
    const soup = [...characterSoup(1500, 99), ...tinyTexts];
    const failures: unknown[] = [];
    for (let i = 0; i < soup.length; ) {
      const count = 2 + Math.floor(next() * 5);
      const texts = soup.slice(i, i + count);
      i += count;
      // later messages quote pieces of earlier ones, so values recur at every kind of boundary
      for (let k = 1; k < texts.length; k++) {
        const prev = texts[k - 1]!;
        const a = Math.floor(next() * prev.length);
        texts[k] = `${texts[k]}${prev.slice(a, a + 1 + Math.floor(next() * 20))}${texts[k]}`;
      }
      const messages = texts.map((content) => ({ role: 'user', content }));
      const pc = new cur.Pseudonymizer({ analyzer });
      const pr = new refP.Pseudonymizer({ analyzer });
      const got = [cur.anonymizeMessages(messages, pc), pc.entityCounts(), pc.placeholders()];
      const want = [refP.anonymizeMessages(messages, pr), pr.entityCounts(), pr.placeholders()];
      if (failures.length < 3 && JSON.stringify(got) !== JSON.stringify(want)) failures.push({ texts, got, want });
    }
    expect(failures).toEqual([]);
  });

  it('anonymizeMessages + Pseudonymizer: same messages, counts, placeholders, rehydration and streaming', () => {
    const next = rng(11);
    const int = (n: number) => Math.floor(next() * n);
    const failures: unknown[] = [];
    const requests: string[][] = [FIXED.slice(0, 3), [ANON_PROMPT], [labelledPrompt(20_000)]];
    for (let i = 0; i < ALL_TEXTS.length; ) {
      const n = 1 + int(4);
      requests.push(ALL_TEXTS.slice(i, i + n));
      i += n;
    }
    for (const texts of requests) {
      const entities: EntityType[] | undefined = int(5) === 0 ? ALL_ENTITY_TYPES.filter(() => next() < 0.5) : undefined;
      const roles = ['system', 'developer', 'user', 'assistant', 'tool'];
      const messages = texts.map((text, k) => {
        const role = roles[int(roles.length)]!;
        if (int(4) === 0)
          return {
            role,
            content: [
              { type: 'text', text },
              { type: 'image_url', image_url: { url: 'x' } },
            ],
          };
        return { role, content: text, ...(k === 0 ? { name: 'n' } : {}) };
      });
      const pc = new cur.Pseudonymizer({ entities });
      const pr = new refP.Pseudonymizer({ entities });
      const outC = cur.anonymizeMessages(messages, pc);
      const outR = refP.anonymizeMessages(messages, pr);
      // An answer quoting the pseudonymised texts, with look-alike and unknown placeholders mixed in.
      const answer = outR
        .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
        .join(int(2) ? ' PERSON_00010 FOO_0001 ' : 'PERSON_')
        .concat(int(2) ? 'ORGANIZATION_000' : '');
      const chunks: string[] = [];
      for (let k = 0; k < answer.length; ) {
        const len = int(14);
        chunks.push(answer.slice(k, k + len));
        k += len;
      }
      const stream = (s: { push(p: string): string; flush(): string }) => chunks.map((c) => s.push(c)).join('') + s.flush();
      const got = {
        out: outC,
        counts: pc.entityCounts(),
        placeholders: pc.placeholders(),
        size: pc.size,
        rehydrated: pc.rehydrate(answer),
        streamed: stream(new cur.StreamRehydrator(pc)),
        again: pc.anonymize(texts[0] ?? ''),
      };
      const want = {
        out: outR,
        counts: pr.entityCounts(),
        placeholders: pr.placeholders(),
        size: pr.size,
        rehydrated: pr.rehydrate(answer),
        streamed: stream(new refS.StreamRehydrator(pr)),
        again: pr.anonymize(texts[0] ?? ''),
      };
      if (failures.length < 3 && JSON.stringify(got) !== JSON.stringify(want)) failures.push({ texts, got, want });
    }
    expect(failures).toEqual([]);
  });
});
