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

/** Parses Prometheus text exposition with an independent parser (prom2json-compatible output). */
export function parsePrometheus(text: string): Map<string, PromFamily> {
  const families = parsePrometheusTextFormat(text) as PromFamily[];
  return new Map(families.map((f) => [f.name, f]));
}

const matches = (sample: PromSample, labels: Record<string, string | undefined>) =>
  Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v);

/** Sum of a counter's (or gauge's) samples whose labels include `labels` (an undefined value: label absent). */
export function counterSum(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string | undefined> = {},
): number {
  const family = families.get(name);
  return (family?.metrics ?? []).filter((s) => matches(s, labels)).reduce((sum, s) => sum + Number(s.value), 0);
}

/** Count and sum of a histogram's series whose labels include `labels`, added up. */
export function histogramTotals(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string | undefined> = {},
): { count: number; sum: number } {
  const family = families.get(name);
  return (family?.metrics ?? [])
    .filter((s) => matches(s, labels))
    .reduce((t, s) => ({ count: t.count + Number(s.count), sum: t.sum + Number(s.sum) }), { count: 0, sum: 0 });
}
