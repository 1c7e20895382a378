import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { NAME_LEXICON } from '../../src/anonymization/name-lexicon.data.js';
import { distilCompromise, NameDetector } from '../../src/anonymization/names.js';

describe('the distilled name lexicon', () => {
  it('is what the installed compromise distils to (else: npm run generate:name-lexicon)', () => {
    const nlp = createRequire(import.meta.url)('compromise') as { model(): Parameters<typeof distilCompromise>[0] };
    const fresh = distilCompromise(nlp.model());
    expect(NAME_LEXICON.features.length).toBeGreaterThan(100_000);
    expect(NAME_LEXICON.features === fresh.features).toBe(true);
    expect(NAME_LEXICON.phrases === fresh.phrases).toBe(true);
  });

  it('carries first names, last names, multi-word organisations and places', () => {
    const bits = new Map(NAME_LEXICON.features.split('\n').map((line) => line.split('\t') as [string, string]));
    expect(Number(bits.get('margaret')) & 1).toBe(1); // F.first
    expect(Number(bits.get('thompson')) & 2).toBe(2); // F.last
    const phrases = new Map(NAME_LEXICON.phrases.split('\n').map((line) => line.split('\t') as [string, string]));
    expect(phrases.get('goldman sachs')).toBe('o');
    expect(phrases.get('new york')).toBe('p');
    // and detection reads them: a known multi-word organisation and a person.
    const spans = new NameDetector().detect('Margaret Thompson joined Goldman Sachs in New York.');
    expect(spans.map((s) => s.type)).toEqual(expect.arrayContaining(['PERSON', 'ORGANIZATION']));
  });
});
