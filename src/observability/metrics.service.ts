import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The buckets of the gateway's own `tally_*_seconds` histograms (unchanged since they were hand-written). */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * One prom-client registry per app instance (several apps may run in one process, as in the tests),
 * with Node's default process metrics collected on it. Modules create their instruments here once,
 * at construction, and keep the handle; `GET /metrics` renders the registry.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return this.existing(name) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets = SECONDS_BUCKETS): Histogram<L> {
    return this.existing(name) ?? new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge read when scraped. */
  gauge(name: string, help: string, read: () => number): void {
    if (this.existing(name)) return;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private existing<M>(name: string): M | undefined {
    return this.registry.getSingleMetric(name) as M | undefined;
  }
}
