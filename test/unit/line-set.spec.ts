import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import wordListPath from 'word-list';
import { LineSet } from '../../src/anonymization/line-set.js';

describe('LineSet', () => {
  it('has exactly the lines a Set of text.split("\\n") has, on the whole word list', () => {
    const text = readFileSync(wordListPath, 'utf8');
    const lines = text.split('\n');
    const reference = new Set(lines);
    const set = new LineSet(text);
    expect(lines.length).toBeGreaterThan(200_000);
    for (const word of lines) if (!set.has(word)) throw new Error(`missing ${JSON.stringify(word)}`);
    // Near misses: every word with a letter added, dropped or changed, checked against the reference.
    let checked = 0;
    for (let i = 0; i < lines.length; i += 97) {
      const w = lines[i];
      for (const variant of [`${w}s`, w.slice(1), `x${w}`, w.toUpperCase(), `${w} `, `${w}\n`]) {
        expect([variant, set.has(variant)]).toEqual([variant, reference.has(variant)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('handles the edges: empty lines, repeats, no trailing newline, non-ASCII', () => {
    const set = new LineSet('b\n\nb\ncafé\nlast');
    for (const line of ['b', '', 'café', 'last']) expect([line, set.has(line)]).toEqual([line, true]);
    for (const line of ['a', 'cafe', 'las', 'last\n', 'b\n']) expect([line, set.has(line)]).toEqual([line, false]);
    expect(new LineSet('').has('')).toBe(true);
    expect(new LineSet('').has('a')).toBe(false);
  });
});
