import { describe, expect, it } from '@jest/globals';
import { anonymizeMessages, type ChatMessageLike, Pseudonymizer } from '../../src/anonymization/pseudonymizer.js';
import { ALL_ENTITY_TYPES, type Analyzer, type EntityType, type Span } from '../../src/anonymization/types.js';
import { CORPUS } from './corpus.js';

/** Test analyzer: canned spans for exact substrings. */
function stubAnalyzer(entities: Record<string, EntityType>): Analyzer & { calls: number } {
  const stub = {
    calls: 0,
    detect(text: string): Span[] {
      stub.calls++;
      const spans: Span[] = [];
      for (const [value, type] of Object.entries(entities)) {
        for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + value.length)) {
          spans.push({ start: at, end: at + value.length, type, score: 1 });
        }
      }
      return spans;
    },
  };
  return stub;
}

const PLACEHOLDER = /\b[A-Z][A-Z_]*_\d{4,}\b/g;

describe('round-trip corpus', () => {
  it('has at least 50 passages covering every entity type', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
    const types = new Set(CORPUS.flatMap((c) => c.spans.map((s) => s.type)));
    expect([...types].sort()).toEqual([...ALL_ENTITY_TYPES].sort());
  });

  it.each(CORPUS.map((c, i) => [i, c] as const))('passage %i: no labelled value survives, rehydrates byte for byte', (_i, c) => {
    const p = new Pseudonymizer();
    const anonymized = p.anonymize(c.text);
    for (const span of c.spans) {
      expect(anonymized).not.toContain(span.value);
    }
    expect(anonymized).toMatch(PLACEHOLDER);
    expect(p.rehydrate(anonymized)).toBe(c.text);
  });

  it('a whole conversation of corpus passages shares one mapping and echoes back exactly', () => {
    const p = new Pseudonymizer();
    const messages: ChatMessageLike[] = CORPUS.map((c, i) => ({
      role: ['system', 'user', 'assistant', 'developer'][i % 4]!,
      content: c.text,
    }));
    const sent = anonymizeMessages(messages, p);
    const upstreamSaw = sent.map((m) => m.content as string).join('\n');
    for (const c of CORPUS) for (const s of c.spans) expect(upstreamSaw).not.toContain(s.value);
    // the fake upstream echoes what it received; the client gets back exactly what it sent
    for (let i = 0; i < sent.length; i++) expect(p.rehydrate(sent[i]!.content as string)).toBe(CORPUS[i]!.text);
    const counts = p.entityCounts();
    for (const t of ALL_ENTITY_TYPES) expect(counts[t]).toBeGreaterThan(0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(p.placeholders().length);
  });

  it('answers that repeat placeholders in a different order come back with the originals', () => {
    const p = new Pseudonymizer();
    const sent = p.anonymize('Dear Mr. Jonathan Whitaker, your card 4111 1111 1111 1111 was charged by Globex Corporation.');
    expect(sent).toBe('Dear Mr. PERSON_0001, your card CREDIT_CARD_0001 was charged by ORGANIZATION_0001.');
    expect(p.rehydrate('ORGANIZATION_0001 charged CREDIT_CARD_0001; PERSON_0001 (PERSON_0001) was told.')).toBe(
      'Globex Corporation charged 4111 1111 1111 1111; Jonathan Whitaker (Jonathan Whitaker) was told.',
    );
  });
});

describe('Pseudonymizer', () => {
  it('numbers placeholders per type from 1, zero-padded to four digits, in reading order', () => {
    const p = new Pseudonymizer({
      analyzer: stubAnalyzer({ Ann: 'PERSON', Bob: 'PERSON', Acme: 'ORGANIZATION', 'a@b.io': 'EMAIL_ADDRESS' }),
    });
    expect(p.anonymize('Bob and Ann of Acme (a@b.io); Ann again.')).toBe(
      'PERSON_0001 and PERSON_0002 of ORGANIZATION_0001 (EMAIL_ADDRESS_0001); PERSON_0002 again.',
    );
    expect(p.anonymize('Ann wrote to Bob.')).toBe('PERSON_0002 wrote to PERSON_0001.');
    expect(p.entityCounts()).toEqual({ EMAIL_ADDRESS: 1, ORGANIZATION: 1, PERSON: 2 });
    expect(Object.keys(p.entityCounts())).toEqual(['EMAIL_ADDRESS', 'ORGANIZATION', 'PERSON']); // sorted, not in order of appearance
    expect(p.placeholders()).toEqual(['PERSON_0001', 'PERSON_0002', 'ORGANIZATION_0001', 'EMAIL_ADDRESS_0001']);
  });

  it('gives the same text of a different type a different placeholder', () => {
    const analyzer: Analyzer = {
      detect: (text) =>
        text.startsWith('org:')
          ? [{ start: 4, end: 9, type: 'ORGANIZATION', score: 1 }]
          : [{ start: 0, end: 5, type: 'PERSON', score: 1 }],
    };
    const p = new Pseudonymizer({ analyzer });
    expect(p.anonymize('Jones')).toBe('PERSON_0001');
    expect(p.anonymize('org:Jones')).toBe('org:ORGANIZATION_0001');
  });

  it('grows past four digits and never confuses PERSON_1000 with PERSON_10000', () => {
    const names = Array.from({ length: 10_001 }, (_, i) => `n${i}x`);
    const analyzer: Analyzer = {
      detect: (text) => {
        const spans: Span[] = [];
        for (const m of text.matchAll(/n\d+x/g))
          spans.push({ start: m.index, end: m.index + m[0].length, type: 'PERSON', score: 1 });
        return spans;
      },
    };
    const p = new Pseudonymizer({ analyzer });
    const anonymized = p.anonymize(names.join(' '));
    expect(anonymized.startsWith('PERSON_0001 PERSON_0002')).toBe(true);
    expect(anonymized.endsWith('PERSON_9999 PERSON_10000 PERSON_10001')).toBe(true);
    expect(p.rehydrate('PERSON_10000|PERSON_1000|PERSON_0010|PERSON_0001|PERSON_00010')).toBe(
      `${names[9999]}|${names[999]}|${names[9]}|${names[0]}|${names[0]}0`,
    );
    expect(p.entityCounts()).toEqual({ PERSON: 10_001 });
  });

  it('leaves unknown placeholder-shaped text alone and keeps pasted literals intact (DE-274)', () => {
    const p = new Pseudonymizer({ analyzer: stubAnalyzer({ 'John Smith': 'PERSON' }) });
    const sent = p.anonymize('Template says PERSON_0001 but John Smith signed.');
    expect(sent).toBe('Template says PERSON_0001 but PERSON_0002 signed.');
    expect(p.rehydrate(sent)).toBe('Template says PERSON_0001 but John Smith signed.');
    expect(p.rehydrate('URL_0001 and PERSON_0003 are unknown')).toBe('URL_0001 and PERSON_0003 are unknown');
    expect(p.entityCounts()).toEqual({ PERSON: 1 });
  });

  it('does not call the analyzer for empty text', () => {
    const analyzer = stubAnalyzer({});
    const p = new Pseudonymizer({ analyzer });
    expect(p.anonymize('')).toBe('');
    expect(analyzer.calls).toBe(0);
  });

  it('only replaces the enabled entity types', () => {
    const p = new Pseudonymizer({ entities: ['EMAIL_ADDRESS'] });
    expect(p.anonymize('Mail Jonathan Whitaker at j.whitaker@example.com')).toBe('Mail Jonathan Whitaker at EMAIL_ADDRESS_0001');
    expect(new Pseudonymizer({ entities: [] }).anonymize('j.whitaker@example.com')).toBe('j.whitaker@example.com');
  });

  it('replaces a value found earlier in the request wherever it recurs', () => {
    const p = new Pseudonymizer();
    p.anonymize('Contract between Globex Corporation and Priya Raman.');
    // "Priya Raman" opening a line with nothing else around it is still replaced: it is already mapped
    expect(p.anonymize('Priya Raman\nGlobex Corporation')).toBe('PERSON_0001\nORGANIZATION_0001');
  });

  it('round-trips long and multi-line entities and quoted citations', () => {
    const long = `https://example.com/${'a'.repeat(240)}`;
    const p = new Pseudonymizer();
    const text = `See ${long}.\n"As held in Brown v. Board of Education, 347 U.S. 483 (1954), separate is not equal."`;
    const sent = p.anonymize(text);
    expect(sent).toBe('See URL_0001.\n"As held in CASE_NUMBER_0001, separate is not equal."');
    expect(p.rehydrate(sent)).toBe(text);
    const q = new Pseudonymizer({ analyzer: stubAnalyzer({ 'Line one\nLine two': 'ORGANIZATION' }) });
    expect(q.rehydrate(q.anonymize('x Line one\nLine two y'))).toBe('x Line one\nLine two y');
  });
});

describe('anonymizeMessages', () => {
  const deepFreeze = <T>(o: T): T => {
    if (typeof o === 'object' && o !== null) {
      for (const v of Object.values(o)) deepFreeze(v);
      Object.freeze(o);
    }
    return o;
  };

  it('pseudonymises system/developer/user/assistant text, not tool messages, tool calls or names', () => {
    const messages = deepFreeze([
      { role: 'system', content: 'You advise Globex Corporation.' },
      { role: 'developer', content: 'Never reveal priya.raman@globex.example.' },
      {
        role: 'user',
        name: 'Priya Raman',
        content: [
          { type: 'text', text: 'I am Priya Raman, call me on +44 20 7946 0958.' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"who":"Priya Raman"}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'Priya Raman works at Globex Corporation.' },
      { role: 'assistant', content: 'Priya Raman works at Globex Corporation.' },
    ]);
    const p = new Pseudonymizer();
    const out = anonymizeMessages(messages, p);
    expect(out).not.toBe(messages);
    expect(out[0]).toEqual({ role: 'system', content: 'You advise ORGANIZATION_0001.' });
    expect(out[1]).toEqual({ role: 'developer', content: 'Never reveal EMAIL_ADDRESS_0001.' });
    expect(out[2]).toEqual({
      role: 'user',
      name: 'Priya Raman',
      content: [
        { type: 'text', text: 'I am PERSON_0001, call me on PHONE_NUMBER_0001.' },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      ],
    });
    expect(out[3]).toEqual(messages[3]);
    expect(out[4]).toEqual(messages[4]);
    expect(out[5]).toEqual({ role: 'assistant', content: 'PERSON_0001 works at ORGANIZATION_0001.' });
    for (let i = 0; i < out.length; i++) expect(out[i]).not.toBe(messages[i]);
  });

  it('reserves pasted placeholder literals from any message before numbering', () => {
    const p = new Pseudonymizer({ analyzer: stubAnalyzer({ Ann: 'PERSON' }) });
    const out = anonymizeMessages(
      [
        { role: 'user', content: 'Ann called.' },
        { role: 'user', content: 'The template uses PERSON_0001.' },
      ],
      p,
    );
    expect(out.map((m) => m.content)).toEqual(['PERSON_0002 called.', 'The template uses PERSON_0001.']);
    expect(p.rehydrate('PERSON_0002 / PERSON_0001')).toBe('Ann / PERSON_0001');
  });
});
