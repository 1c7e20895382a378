// @ts-expect-error parse-prometheus-text-format ships no types; its output shape is declared below.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface PromSample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface PromFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: PromSample[];
}

export interface Scrape {
  /** Every family as the parser reads it (name, help, type, samples). */
  readonly families: Map<string, PromFamily>;
  /** Histogram series by sample name (`x_bucket`, `x_sum`, `x_count`), each sample with its own labels. */
  readonly histogramSamples: Map<string, PromSample[]>;
}

/**
 * Parses Prometheus text exposition with an independent parser. parse-prometheus-text-format 1.1.1
 * merges all series of a labelled histogram into one label-less sample (its `flattenMetrics`), so the
 * histograms' `_bucket`/`_sum`/`_count` samples are read a second time, with the same parser, from
 * the text with those families re-typed as untyped (each sample then keeps its labels).
 */
export function parsePrometheus(text: string): Scrape {
  const parsed = parsePrometheusTextFormat(text) as PromFamily[];
  const families = new Map(parsed.map((f) => [f.name, f]));
  const histogramSamples = new Map<string, PromSample[]>();
  const untyped = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
  const histograms = new Set(parsed.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name));
  for (const family of parsePrometheusTextFormat(untyped) as PromFamily[]) {
    const base = family.name.replace(/_(bucket|sum|count)$/, '');
    if (base === family.name || !histograms.has(base)) continue;
    histogramSamples.set(family.name, [...(histogramSamples.get(family.name) ?? []), ...family.metrics]);
  }
  return { families, histogramSamples };
}

type LabelFilter = Record<string, string | undefined>;

/** A sample's labels include every given label (an `undefined` value: the label is absent). */
const matches = (sample: PromSample, labels: LabelFilter) => Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v);

/** Sum of a counter's (or gauge's) samples whose labels include `labels`. */
export function counterSum(scrape: Scrape, name: string, labels: LabelFilter = {}): number {
  return (scrape.families.get(name)?.metrics ?? [])
    .filter((s) => matches(s, labels))
    .reduce((sum, s) => sum + Number(s.value), 0);
}

/** Count and sum of a histogram's series whose labels include `labels`, added up. */
export function histogramTotals(scrape: Scrape, name: string, labels: LabelFilter = {}): { count: number; sum: number } {
  const total = (suffix: string) =>
    (scrape.histogramSamples.get(`${name}_${suffix}`) ?? [])
      .filter((s) => matches(s, labels))
      .reduce((t, s) => t + Number(s.value), 0);
  return { count: total('count'), sum: total('sum') };
}

/** The finite bucket boundaries of a histogram (from its first series). */
export function bucketBounds(scrape: Scrape, name: string): number[] {
  const buckets = scrape.histogramSamples.get(`${name}_bucket`) ?? [];
  const series = (labels: Record<string, string> = {}) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  const first = series(buckets[0]?.labels);
  const sameSeries = buckets.filter((b) => series(b.labels) === first);
  return sameSeries
    .map((b) => Number(b.labels?.le))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
}

/** Every label name the histogram's series carry (besides `le`). */
export function histogramLabelNames(scrape: Scrape, name: string): string[] {
  const names = new Set((scrape.histogramSamples.get(`${name}_count`) ?? []).flatMap((s) => Object.keys(s.labels ?? {})));
  return [...names].sort();
}
