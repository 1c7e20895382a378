import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../../src/config/app-config.js';
import { cacheTokens, NO_CACHE, Pricing } from '../../src/inference/pricing.js';

const pricing = new Pricing({
  prices: {
    'p/a': { input: 15, output: 75 },
    'p/b': { input: 0.4, output: 1.6 },
    'p/c': { input: 0.000000000001, output: 0 },
    'p/d': { input: 0.0000000000015, output: 0 },
    'p/cached': { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
    'p/readonly': { input: 3, output: 15, cache_read: 0.3 },
  },
} as unknown as AppConfig);

describe('Pricing', () => {
  it('computes the reference examples exactly', () => {
    expect(pricing.cost('p', 'a', 1000, 500)).toBe('0.052500000000');
    expect(pricing.cost('p', 'a', 1_000_000, 500_000)).toBe('52.500000000000');
  });

  it('does not drift like binary floats do', () => {
    // 0.4 × 3 + 1.6 × 7 = 12.4 → 0.0000124 (float arithmetic gives 0.000012400000000000001)
    expect(pricing.cost('p', 'b', 3, 7)).toBe('0.000012400000');
  });

  it('rounds half to even at the 12th decimal', () => {
    // 1e-12 × 1 token / 1e6 → 1e-18, rounds to 0; 5e5 tokens → 5e-13 → ties to even 0
    expect(pricing.cost('p', 'c', 500_000, 0)).toBe('0.000000000000');
    expect(pricing.cost('p', 'c', 1_500_000, 0)).toBe('0.000000000002');
  });

  it('answers null, never 0, without a price or without token counts', () => {
    expect(pricing.cost('p', 'unknown', 10, 10)).toBeNull();
    expect(pricing.cost('p', 'a', null, 10)).toBeNull();
  });

  describe('prompt-cache tokens', () => {
    // 10 uncached + 2000 written + 30000 read = 32010 input tokens, 50 output.
    const cache = { read: 30_000, write: 2000 };

    it('prices read and written cache tokens at cache_read and cache_write, the rest at input, exactly', () => {
      // (10 × 3 + 30000 × 0.3 + 2000 × 3.75 + 50 × 15) / 1e6 = (30 + 9000 + 7500 + 750) / 1e6
      expect(pricing.cost('p', 'cached', 32_010, 50, cache)).toBe('0.017280000000');
    });

    it('prices cached tokens at the input price when the model has no cache prices', () => {
      // (32010 × 15 + 50 × 75) / 1e6
      expect(pricing.cost('p', 'a', 32_010, 50, cache)).toBe(pricing.cost('p', 'a', 32_010, 50));
      expect(pricing.cost('p', 'a', 32_010, 50, cache)).toBe('0.483900000000');
    });

    it('falls back per kind: a model with only cache_read prices writes at the input price', () => {
      // (10 × 3 + 30000 × 0.3 + 2000 × 3 + 50 × 15) / 1e6
      expect(pricing.cost('p', 'readonly', 32_010, 50, cache)).toBe('0.015780000000');
    });

    it('adds fractional cache prices exactly, with no float drift', () => {
      // 1 read token at 0.3 → 0.0000003; 1 written at 3.75 → 0.00000375: no intermediate rounding.
      expect(pricing.cost('p', 'cached', 2, 0, { read: 1, write: 1 })).toBe('0.000004050000');
    });

    it('caps cache counts at the input tokens (a provider over-reporting cannot make cost negative)', () => {
      expect(pricing.cost('p', 'cached', 100, 0, { read: 80, write: 80 })).toBe(
        pricing.cost('p', 'cached', 100, 0, { read: 80, write: 20 }),
      );
      expect(pricing.cost('p', 'cached', 100, 0, { read: 500, write: 0 })).toBe('0.000030000000');
    });
  });

  describe('cacheTokens', () => {
    it.each<[string, unknown, unknown]>([
      ['no usage', undefined, NO_CACHE],
      ['no details', { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }, NO_CACHE],
      [
        "OpenAI's cached_tokens",
        { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 } },
        { read: 4, write: 0 },
      ],
      [
        'cached_tokens and cache_write_tokens',
        {
          prompt_tokens: 9,
          completion_tokens: 1,
          total_tokens: 10,
          prompt_tokens_details: { cached_tokens: 4, cache_write_tokens: 3 },
        },
        { read: 4, write: 3 },
      ],
      [
        'nonsense counts as 0',
        {
          prompt_tokens: 9,
          completion_tokens: 1,
          total_tokens: 10,
          prompt_tokens_details: { cached_tokens: -4, cache_write_tokens: '3' },
        },
        { read: 0, write: 0 },
      ],
    ])('%s', (_label, usage, expected) => {
      expect(cacheTokens(usage as never)).toEqual(expected);
    });
  });
});
