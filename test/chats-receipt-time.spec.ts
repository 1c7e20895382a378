import { describe, expect, it } from '@jest/globals';
import { iso } from '../src/chats/receipts.service.js';

describe('receipt timestamps (unit)', () => {
  const reference = (us: number) => new Date(Math.floor(us / 1000)).toISOString();

  it('formats epoch microseconds exactly as Date#toISOString of the truncated millisecond', () => {
    const base = Date.UTC(2026, 10, 26, 23, 59, 58, 990) * 1000;
    const cases = [
      0,
      999,
      1000,
      -1,
      -1001,
      base,
      base + 9_999,
      base + 10_000,
      base + 1_009_999,
      base + 2_000_000, // crosses midnight and the minute
      Date.UTC(2028, 1, 29, 0, 0, 0, 0) * 1000 + 123_456,
    ];
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      cases.push(base + Math.floor((seed / 2 ** 31) * 4e12) - 2e12);
    }
    for (const us of cases) expect([us, iso(us)]).toEqual([us, reference(us)]);
  });
});
