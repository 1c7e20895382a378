import { Injectable } from '@nestjs/common';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  observe(labels: Labels, seconds: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) s.counts[i]++;
    s.sum += seconds;
    s.count++;
  }
}

/** Prometheus text exposition of the gateway's own counters; no client library needed for this much. */
@Injectable()
export class MetricsService {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly gauges = new Map<string, () => number>();
  private readonly help = new Map<string, string>();

  increment(name: string, labels: Labels, by = 1): void {
    let series = this.counters.get(name);
    if (!series) {
      series = new Map();
      this.counters.set(name, series);
    }
    const k = key(labels);
    series.set(k, (series.get(k) ?? 0) + by);
  }

  observe(name: string, labels: Labels, seconds: number): void {
    let h = this.histograms.get(name);
    if (!h) {
      h = new Histogram();
      this.histograms.set(name, h);
    }
    h.observe(labels, seconds);
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, read);
    this.help.set(name, help);
  }

  describe(name: string, help: string): void {
    this.help.set(name, help);
  }

  render(): string {
    const lines: string[] = [];
    const header = (name: string, type: string) => {
      if (this.help.has(name)) lines.push(`# HELP ${name} ${this.help.get(name)}`);
      lines.push(`# TYPE ${name} ${type}`);
    };
    for (const [name, series] of this.counters) {
      header(name, 'counter');
      for (const [k, v] of series) lines.push(`${name}{${k}} ${v}`);
    }
    for (const [name, h] of this.histograms) {
      header(name, 'histogram');
      for (const [k, s] of h.series) {
        const sep = k ? `${k},` : '';
        for (const [i, bound] of BUCKETS.entries()) lines.push(`${name}_bucket{${sep}le="${bound}"} ${s.counts[i]}`);
        lines.push(`${name}_bucket{${sep}le="+Inf"} ${s.count}`);
        lines.push(`${name}_sum{${k}} ${s.sum}`);
        lines.push(`${name}_count{${k}} ${s.count}`);
      }
    }
    for (const [name, read] of this.gauges) {
      header(name, 'gauge');
      lines.push(`${name} ${read()}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
