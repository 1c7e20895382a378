import { afterEach, describe, expect, it } from '@jest/globals';
import { withDeferredDateTimeFormat } from '../../src/common/deferred-date-time-format.js';

const Original = Intl.DateTimeFormat;

/** Counts the real formatters built, by standing in for Intl.DateTimeFormat before the deferral takes it as the real one. */
function countingRealFormatters(): { built: () => number } {
  let built = 0;
  Intl.DateTimeFormat = new Proxy(Original, {
    construct(target, args, newTarget) {
      built++;
      return Reflect.construct(target, args, newTarget);
    },
    apply(target, self, args) {
      built++;
      return Reflect.apply(target, self, args);
    },
  });
  return { built: () => built };
}

afterEach(() => {
  Intl.DateTimeFormat = Original;
});

const SAMPLES: [string | undefined, Intl.DateTimeFormatOptions][] = [
  [undefined, { year: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', day: '2-digit', month: '2-digit' }],
  ['de-DE', { dateStyle: 'full', timeStyle: 'long', timeZone: 'Europe/Berlin' }],
  ['ja-JP', { era: 'long', weekday: 'short', hour12: false, timeZone: 'Asia/Tokyo' }],
  ['en-GB', {}],
];

describe('withDeferredDateTimeFormat', () => {
  it('loads @nestjs/common without building a DateTimeFormat, and its ConsoleLogger still stamps the time when it prints', async () => {
    const counter = countingRealFormatters();
    const nest = await withDeferredDateTimeFormat(() => import('@nestjs/common'));
    expect(counter.built()).toBe(0);

    const lines: string[] = [];
    const logger = new nest.ConsoleLogger('Spec', { colors: false });
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      logger.log('hello');
    } finally {
      process.stdout.write = write;
    }
    expect(counter.built()).toBe(1);
    const real = new Original(undefined, SAMPLES[0][1]);
    // The stamp is to the second, and the line was printed at most a moment ago.
    const stamps = [Date.now(), Date.now() - 1000].map((at) => `- ${real.format(at)}  `);
    expect(stamps.some((stamp) => lines.join('').includes(stamp))).toBe(true);
    expect(lines.join('')).toMatch(/LOG \[Spec\] hello/);
  });

  it('formats, splits, resolves and ranges as the real formatter does, building it once on first use', async () => {
    const start = Date.UTC(2026, 11, 5, 23, 17, 16);
    const end = Date.UTC(2027, 0, 2, 8, 0, 0);
    for (const [locales, options] of SAMPLES) {
      const counter = countingRealFormatters();
      const real = new Original(locales, options);
      const built = counter.built();
      const deferred = await withDeferredDateTimeFormat(async () => new Intl.DateTimeFormat(locales, options));
      const called = await withDeferredDateTimeFormat(async () =>
        (Intl.DateTimeFormat as (l?: string, o?: Intl.DateTimeFormatOptions) => Intl.DateTimeFormat)(locales, options),
      );
      expect(counter.built()).toBe(built);
      expect(deferred).toBeInstanceOf(Original);
      expect(deferred.format(start)).toBe(real.format(start));
      expect(counter.built()).toBe(built + 1);
      expect([1, 2, 3].map(() => deferred.format(end))).toEqual([1, 2, 3].map(() => real.format(end)));
      expect(deferred.formatToParts(end)).toEqual(real.formatToParts(end));
      expect(deferred.resolvedOptions()).toEqual(real.resolvedOptions());
      expect(deferred.formatRange(start, end)).toBe(real.formatRange(start, end));
      expect(deferred.formatRangeToParts(start, end)).toEqual(real.formatRangeToParts(start, end));
      expect([new Date(end)].map(deferred.format)).toEqual([real.format(end)]);
      expect(called.format(start)).toBe(real.format(start));
      expect(counter.built()).toBe(built + 2);
    }
  });

  it('puts the real constructor back when the load settles, also when it fails', async () => {
    await expect(withDeferredDateTimeFormat(async () => Intl.DateTimeFormat)).resolves.not.toBe(Original);
    expect(Intl.DateTimeFormat).toBe(Original);
    await expect(
      withDeferredDateTimeFormat(async () => {
        throw new Error('load failed');
      }),
    ).rejects.toThrow('load failed');
    expect(Intl.DateTimeFormat).toBe(Original);
    const supported = await withDeferredDateTimeFormat(async () => Intl.DateTimeFormat.supportedLocalesOf(['de-DE', 'xx']));
    expect(supported).toEqual(Original.supportedLocalesOf(['de-DE', 'xx']));
  });
});
