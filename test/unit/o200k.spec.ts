import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { loadO200k } from '../../src/inference/providers/o200k.js';

// The reference: gpt-tokenizer's own o200k_base (the ranks and encoder the simulated provider used before).
const require = createRequire(import.meta.url);
const reference = require('gpt-tokenizer/encoding/o200k_base') as {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
};
const ranks = require('gpt-tokenizer/bpeRanks/o200k_base').default as (string | number[])[];
const o200k = loadO200k();

const SAMPLES = [
  '',
  'Hello world, this is a test of the tokenizer.',
  "I'm sure they'll say it's fine; WE'RE NOT, you'd think.",
  '  leading and trailing spaces   \n\n\ttabs\r\nand CRLF\n',
  'Zürich, São Paulo, Kraków, İstanbul, Ærøskøbing — naïve café résumé',
  '東京都渋谷区 北京市 서울특별시 مرحبا بالعالم שלום עולם नमस्ते दुनिया',
  'emoji 👩‍👩‍👧‍👦 🇩🇪 👍🏽 ✨🚀 and a lone surrogate \ud83d here',
  'numbers 1234567890 3.14159 -42 1,000,000 0x1F 2026-12-01T19:46:42Z',
  'function f(a, b) {\n  return a ** b; // exponent\n}\nconst x = [1, 2, 3].map((n) => n * 2);',
  'URL https://example.com/path/to/page?query=1&b=2#frag and e-mail jane.miller@example.com',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '<|endoftext|> is ordinary text here',
];

/** A seeded mix of scripts, digits, punctuation and whitespace. */
function randomTexts(count: number): string[] {
  const pool = [...'abcXYZ éüßøÆ東京서울مرحبا👍🏽🚀 \n\t\r0123456789.,;:!?\'"-_/()[]{}<>@#$%^&*+=~`|\\'];
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + (next() % 200) }, () => pool[next() % pool.length]).join(''),
  );
}

describe('o200k (compact tables)', () => {
  it.each(SAMPLES.filter((s) => !s.includes('<|')))('encodes %j as gpt-tokenizer does', (text) => {
    expect(o200k.encode(text)).toEqual(reference.encode(text));
  });

  it('encodes 2000 random mixed-script texts as gpt-tokenizer does', () => {
    for (const text of randomTexts(2000)) expect(o200k.encode(text)).toEqual(reference.encode(text));
  });

  it('decodes every UTF-8 token of the vocabulary to its text', () => {
    let checked = 0;
    ranks.forEach((value, rank) => {
      if (typeof value !== 'string') return;
      if (o200k.decode([rank]) !== value)
        throw new Error(`rank ${rank}: ${JSON.stringify(o200k.decode([rank]))} ≠ ${JSON.stringify(value)}`);
      checked++;
    });
    expect(checked).toBeGreaterThan(190_000);
  });

  it('round-trips text and cuts a split character to U+FFFD', () => {
    for (const text of SAMPLES.filter((s) => !s.includes('\ud83d'))) expect(o200k.decode(o200k.encode(text))).toBe(text);
    const family = o200k.encode('👩‍👩‍👧');
    expect(family.length).toBeGreaterThan(1);
    expect(o200k.decode(family.slice(0, 1)).endsWith('\uFFFD')).toBe(true);
  });

  it('treats special-token text as ordinary text', () => {
    expect(o200k.encode('<|endoftext|>')).toEqual(reference.encode('<|endoftext|>', { disallowedSpecial: new Set() }));
  });

  it('refuses a token outside the vocabulary', () => {
    expect(() => o200k.decode([10_000_000])).toThrow(/not in the vocabulary/);
  });
});
