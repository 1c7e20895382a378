import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../../src/config/app-config.js';
import { Pricing } from '../../src/inference/pricing.js';

const pricing = new Pricing({
  prices: {
    'p/a': { input: 15, output: 75 },
    'p/b': { input: 0.4, output: 1.6 },
    'p/c': { input: 0.000000000001, output: 0 },
    'p/d': { input: 0.0000000000015, output: 0 },
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
});
