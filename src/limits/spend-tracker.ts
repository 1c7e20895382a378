export type BudgetScope = 'api_key' | 'user';
export type BudgetPeriod = 'day' | 'month';

/** UTC calendar periods: the day and month a moment falls in, as `YYYY-MM-DD` / `YYYY-MM`. */
export function periodsOf(at: Date): { day: string; month: string } {
  const iso = at.toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

export function periodStarts(now: Date): { day: Date; month: Date } {
  return {
    day: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())),
    month: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
  };
}

/** Spend read from the routing log for one subject, for the periods it was read in. */
export interface StoredSpend {
  readonly day: string;
  readonly month: string;
  readonly dayUsd: number;
  readonly monthUsd: number;
}

interface LocalCost {
  /** When this replica learnt of it (performance-independent wall clock, ms). */
  readonly at: number;
  readonly day: string;
  readonly month: string;
  readonly usd: number;
}

const subjectKey = (scope: BudgetScope, id: string) => `${scope}:${id}`;

/**
 * Spend per key and per user for budgets: the routing log's sums as last read in the background, plus
 * the costs this replica has persisted since that read began (so its own spend counts at once, and
 * nothing is counted twice once the read includes it).
 */
export class SpendTracker {
  private readonly stored = new Map<string, StoredSpend>();
  private readonly local = new Map<string, LocalCost[]>();

  /** A persisted row's cost, counted at once for its key and its user. */
  add(apiKeyId: string | null, userId: string, usd: number, rowTime: Date, now = Date.now()): void {
    if (!(usd > 0)) return;
    const { day, month } = periodsOf(rowTime);
    for (const key of [apiKeyId && subjectKey('api_key', apiKeyId), subjectKey('user', userId)]) {
      if (!key) continue;
      const list = this.local.get(key) ?? [];
      list.push({ at: now, day, month, usd });
      this.local.set(key, list);
    }
  }

  /**
   * A read of the routing log that started at `startedAt` (every row committed before then is in it):
   * local costs learnt before that moment are now part of the stored sums.
   */
  refreshed(results: ReadonlyMap<string, StoredSpend>, subjects: readonly string[], startedAt: number): void {
    for (const key of subjects) {
      const result = results.get(key);
      if (result) this.stored.set(key, result);
      else this.stored.delete(key);
      const list = this.local.get(key);
      if (!list) continue;
      const kept = list.filter((c) => c.at >= startedAt);
      if (kept.length) this.local.set(key, kept);
      else this.local.delete(key);
    }
  }

  /** USD spent by the subject in the period containing `now`. */
  spent(scope: BudgetScope, id: string, period: BudgetPeriod, now: Date): number {
    const key = subjectKey(scope, id);
    const current = periodsOf(now);
    const stored = this.stored.get(key);
    let usd = 0;
    if (stored && stored[period] === current[period]) usd += period === 'day' ? stored.dayUsd : stored.monthUsd;
    for (const c of this.local.get(key) ?? []) if (c[period] === current[period]) usd += c.usd;
    return usd;
  }

  static key(scope: BudgetScope, id: string): string {
    return subjectKey(scope, id);
  }
}
