/** `rpm`: admissions in a fixed UTC minute (window = minutes since the epoch). `streams`: live streams now (window 0). */
export type Metric = 'rpm' | 'streams';

export const STREAMS_WINDOW = 0;

export function minuteWindow(now: number): number {
  return Math.floor(now / 60_000);
}

interface Counter {
  /** This replica's value (admissions in the window, or live streams). */
  own: number;
  /** `own` as last written to PostgreSQL. */
  synced: number;
  /** The other replicas' sum, as last read from PostgreSQL. */
  others: number;
}

/** One counter this replica writes: its own absolute value (idempotent upsert). */
export interface OwnValue {
  readonly metric: Metric;
  readonly subject: string;
  readonly window: number;
  readonly value: number;
}

/** What PostgreSQL says the other replicas hold for one counter. */
export interface OthersValue {
  readonly metric: Metric;
  readonly subject: string;
  readonly window: number;
  readonly value: number;
}

const id = (metric: Metric, subject: string, window: number) => `${metric}|${subject}|${window}`;

/**
 * Limits shared across replicas without a database round trip on the request path (Kong's `cluster`
 * strategy): a replica admits from its own counts plus the others' as last synchronised. Between two
 * synchronisations it admits at most its share of what was left — ceil(headroom / live replicas) —
 * so N replicas together cannot run past the limit by more than about one share each per interval,
 * and a replica cut off from the database keeps to its share (the limit / replicas) for the window.
 */
export class SharedCounters {
  private readonly counters = new Map<string, Counter & { metric: Metric; subject: string; window: number }>();
  /** Live replicas, this one included, as last read. */
  private replicas = 1;

  get liveReplicas(): number {
    return this.replicas;
  }

  /** Counts one admission when the limit allows it; false when it does not (nothing counted). */
  admit(metric: Metric, subject: string, window: number, limit: number): boolean {
    const counter = this.counter(metric, subject, window);
    if (counter.own + counter.others >= limit) return false;
    const headroom = limit - counter.synced - counter.others;
    const share = Math.max(1, Math.ceil(headroom / this.replicas));
    if (counter.own - counter.synced >= share) return false;
    counter.own += 1;
    return true;
  }

  /** A stream ended (gauges only). */
  release(metric: Metric, subject: string, window: number): void {
    const counter = this.counters.get(id(metric, subject, window));
    if (counter && counter.own > 0) counter.own -= 1;
  }

  /** The counters whose own value changed since they were last written, and the subjects to read. */
  pending(currentWindow: number): { writes: OwnValue[]; subjects: string[] } {
    const writes: OwnValue[] = [];
    const subjects = new Set<string>();
    for (const [key, c] of this.counters) {
      if (c.metric === 'rpm' && c.window < currentWindow - 1) {
        this.counters.delete(key);
        continue;
      }
      if (c.own !== c.synced) writes.push({ metric: c.metric, subject: c.subject, window: c.window, value: c.own });
      subjects.add(c.subject);
    }
    return { writes, subjects: [...subjects] };
  }

  /** The writes of `pending` reached PostgreSQL. */
  written(writes: readonly OwnValue[]): void {
    for (const w of writes) {
      const counter = this.counters.get(id(w.metric, w.subject, w.window));
      if (counter) counter.synced = w.value;
    }
  }

  /** The global picture read back: the others' sums (absent = 0) for every counter this replica keeps. */
  observed(others: readonly OthersValue[], liveReplicas: number): void {
    this.replicas = Math.max(1, liveReplicas);
    const seen = new Map(others.map((o) => [id(o.metric, o.subject, o.window), o.value]));
    for (const [key, c] of this.counters) {
      c.others = seen.get(key) ?? 0;
      // An idle gauge everyone agrees is zero needs no state.
      if (c.metric === 'streams' && c.own === 0 && c.synced === 0 && c.others === 0) this.counters.delete(key);
    }
    // Counters only others hold (this replica has not admitted on them yet) start from their value.
    for (const o of others) {
      const key = id(o.metric, o.subject, o.window);
      if (!this.counters.has(key))
        this.counters.set(key, { metric: o.metric, subject: o.subject, window: o.window, own: 0, synced: 0, others: o.value });
    }
  }

  private counter(metric: Metric, subject: string, window: number): Counter {
    const key = id(metric, subject, window);
    let counter = this.counters.get(key);
    if (!counter) {
      counter = { metric, subject, window, own: 0, synced: 0, others: 0 };
      this.counters.set(key, counter);
    }
    return counter;
  }
}
