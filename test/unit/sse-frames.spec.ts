import { describe, expect, it } from '@jest/globals';
import { memberCut } from '../../src/inference/sse/sse-frames.js';

/** `json` without the member `usage`, cut as memberCut says, or null. */
function cutUsage(json: string): string | null {
  const cut = memberCut(json, 'usage');
  return cut ? json.slice(0, cut[0]) + json.slice(cut[1]) : null;
}

function withoutUsage(json: string): unknown {
  const { usage: _omit, ...rest } = JSON.parse(json) as Record<string, unknown>;
  return rest;
}

describe('memberCut (leaving the usage member out of a chunk forwarded as text)', () => {
  it.each([
    ['last', '{"id":"c","choices":[],"usage":null}'],
    ['first', '{"usage":null,"id":"c","choices":[]}'],
    ['between', '{"id":"c","usage":{"prompt_tokens":1,"completion_tokens":2},"choices":[]}'],
    [
      'OpenAI, every chunk',
      '{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"a8Xk"}',
    ],
    ['spaced', '{ "usage" : null , "choices" : [ ] }'],
    ['spaced, last', '{"choices": [], "usage": {"a": [1, {"b": "}"}]} }'],
    [
      'after strings that look like it',
      '{"a":"usage","b":"\\"usage\\":null}","c\\"usage":1,"d":{"usage":2},"e":["usage",{"usage":3}],"usage":null,"choices":[]}',
    ],
    ['after a string ending in backslashes', '{"a":"x\\\\","usage":null,"b":"\\\\\\"","choices":[]}'],
  ])('cuts it %s, leaving the same object without it', (_label, json) => {
    const out = cutUsage(json);
    expect(out).not.toBeNull();
    expect(JSON.parse(out!)).toEqual(withoutUsage(json));
  });

  it.each([
    ['absent', '{"id":"c","choices":[]}'],
    ['only nested', '{"choices":[{"delta":{"usage":null}}],"x":{"usage":1}}'],
    ['only as a value', '{"choices":[],"k":"usage"}'],
    ['spelled with an escape', '{"us\\u0061ge":null,"choices":[]}'],
    ['twice', '{"usage":null,"choices":[],"usage":{"a":1}}'],
    ['the only member', '{"usage":null}'],
  ])('answers null when it is %s', (_label, json) => {
    expect(memberCut(json, 'usage')).toBeNull();
  });

  it('agrees with JSON.parse on 3000 random objects', () => {
    let s = 11;
    const next = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return Math.floor((s / 2 ** 32) * n);
    };
    const strings = ['usage', '"usage":null', 'a}b', '[{', '\\', 'é👋', ' ', ''];
    const value = (depth: number): unknown => {
      const kind = next(depth > 2 ? 4 : 6);
      if (kind === 0) return strings[next(strings.length)];
      if (kind === 1) return next(3) === 0 ? null : next(1000) / 7;
      if (kind === 2) return next(2) === 0;
      if (kind === 3) return 'x';
      if (kind === 4) return Array.from({ length: next(3) }, () => value(depth + 1));
      return object(depth + 1);
    };
    const object = (depth: number): Record<string, unknown> => {
      const o: Record<string, unknown> = {};
      for (let k = next(4); k > 0; k--) o[next(3) === 0 ? 'usage' : `${strings[next(strings.length)]}${k}`] = value(depth);
      return o;
    };
    let cuts = 0;
    for (let i = 0; i < 3000; i++) {
      const o = object(0);
      o.choices = [];
      const entries = Object.entries(o);
      // Reorder, and space some texts out, so the member sits anywhere, spelled either way.
      entries.sort(() => next(3) - 1);
      const compact = JSON.stringify(Object.fromEntries(entries));
      const json = next(2) === 0 ? compact : JSON.stringify(Object.fromEntries(entries), null, 1).replace(/\n/g, ' ');
      const out = cutUsage(json);
      if ('usage' in o) {
        expect(out).not.toBeNull();
        expect(JSON.parse(out!)).toEqual(withoutUsage(json));
        cuts++;
      } else {
        expect(out).toBeNull();
      }
    }
    expect(cuts).toBeGreaterThan(500);
  });
});
