/**
 * `@nestjs/common` builds an `Intl.DateTimeFormat` when it is first evaluated (ConsoleLogger's
 * timestamp formatter, a module-level constant). Building one makes ICU read its locale, calendar and
 * pattern data out of the node binary: ~9 MB of resident memory in an idle process, for a logger that
 * Tally replaces with pino and never prints through. `withDeferredDateTimeFormat` runs a load with
 * `Intl.DateTimeFormat` standing in for a formatter that is built on its first use, then puts the real
 * constructor back: code that formats later gets exactly what it would have, code that never formats
 * costs nothing.
 */
type DateTimeFormatConstructor = typeof Intl.DateTimeFormat;
type Locales = ConstructorParameters<DateTimeFormatConstructor>[0];
type Options = ConstructorParameters<DateTimeFormatConstructor>[1];

function deferredConstructor(Real: DateTimeFormatConstructor): DateTimeFormatConstructor {
  // A function, not a class: Intl.DateTimeFormat may be called without `new`.
  function DeferredDateTimeFormat(this: unknown, locales?: Locales, options?: Options): Intl.DateTimeFormat {
    let real: Intl.DateTimeFormat | undefined;
    const formatter = (): Intl.DateTimeFormat => {
      real ??= new Real(locales, options);
      return real;
    };
    // Every method of Intl.DateTimeFormat.prototype, each building the real formatter when first called.
    const deferred = Object.create(Real.prototype) as Intl.DateTimeFormat;
    Object.defineProperties(deferred, {
      format: { get: () => formatter().format },
      formatToParts: { value: (date?: Date | number) => formatter().formatToParts(date) },
      resolvedOptions: { value: () => formatter().resolvedOptions() },
      formatRange: { value: (start: Date | number, end: Date | number) => formatter().formatRange(start, end) },
      formatRangeToParts: {
        value: (start: Date | number, end: Date | number) => formatter().formatRangeToParts(start, end),
      },
    });
    return deferred;
  }
  DeferredDateTimeFormat.prototype = Real.prototype;
  DeferredDateTimeFormat.supportedLocalesOf = Real.supportedLocalesOf;
  return DeferredDateTimeFormat as unknown as DateTimeFormatConstructor;
}

/** Runs `load` with every `Intl.DateTimeFormat` it builds deferred to first use; the real constructor is back when it settles. */
export async function withDeferredDateTimeFormat<T>(load: () => Promise<T>): Promise<T> {
  const Real = Intl.DateTimeFormat;
  Intl.DateTimeFormat = deferredConstructor(Real);
  try {
    return await load();
  } finally {
    Intl.DateTimeFormat = Real;
  }
}
