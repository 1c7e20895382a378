import { describe, expect, it } from '@jest/globals';
import { type OthersValue, SharedCounters } from '../../src/limits/shared-counters.js';
import { SpendTracker } from '../../src/limits/spend-tracker.js';

/** Replicas exchanging their counters through a shared table, as LimitsService does every sync_ms. */
function cluster(n: number) {
  const replicas = Array.from({ length: n }, () => new SharedCounters());
  const table = new Map<string, number>(); // `${replica}|${metric}|${subject}|${window}` → value
  const sync = (r: number) => {
    const { writes, subjects } = replicas[r].pending(1);
    for (const w of writes) table.set(`${r}|${w.metric}|${w.subject}|${w.window}`, w.value);
    replicas[r].written(writes);
    const sums = new Map<string, OthersValue>();
    for (const [key, value] of table) {
      const [owner, metric, subject, window] = key.split('|');
      if (Number(owner) === r || !subjects.includes(subject)) continue;
      const id = `${metric}|${subject}|${window}`;
      const prev = sums.get(id);
      sums.set(id, { metric: metric as 'rpm', subject, window: Number(window), value: (prev?.value ?? 0) + value });
    }
    replicas[r].observed([...sums.values()], n);
  };
  return {
    replicas,
    sync,
    syncAll: () => {
      for (let r = 0; r < n; r++) sync(r);
    },
  };
}

describe('SharedCounters', () => {
  it('one replica enforces the limit exactly', () => {
    const { replicas } = cluster(1);
    const admitted = Array.from({ length: 30 }, () => replicas[0].admit('rpm', 'k', 1, 20)).filter(Boolean).length;
    expect(admitted).toBe(20);
  });

  it.each([2, 3, 5])('%i replicas hammering at once stay within limit + (replicas-1) x ceil(limit/replicas)', (n) => {
    const limit = 20;
    const { replicas, syncAll } = cluster(n);
    syncAll(); // every replica knows how many are live
    let admitted = 0;
    for (let interval = 0; interval < 20; interval++) {
      // Each replica takes 50 requests between two synchronisations.
      for (const replica of replicas) for (let i = 0; i < 50; i++) if (replica.admit('rpm', 'k', 1, limit)) admitted++;
      syncAll();
    }
    expect(admitted).toBeLessThanOrEqual(limit + (n - 1) * Math.ceil(limit / n));
    expect(admitted).toBeGreaterThanOrEqual(limit);
  });

  it('without synchronisation a replica keeps to its share of the window', () => {
    const { replicas, syncAll } = cluster(2);
    syncAll();
    // The database is away from here on: no sync, ever.
    const admitted = Array.from({ length: 100 }, () => replicas[0].admit('rpm', 'k', 1, 20)).filter(Boolean).length;
    expect(admitted).toBe(10);
  });

  it('a stream gauge frees its slot on release, and other replicas see it after a sync', () => {
    const { replicas, sync } = cluster(2);
    sync(0);
    sync(1);
    expect(replicas[0].admit('streams', 'k', 0, 2)).toBe(true);
    // Its share of the headroom (ceil(2 / 2)) is used until the next synchronisation.
    expect(replicas[0].admit('streams', 'k', 0, 2)).toBe(false);
    expect(replicas[1].admit('streams', 'k', 0, 2)).toBe(true);
    sync(0);
    sync(1);
    sync(0);
    expect(replicas[1].admit('streams', 'k', 0, 2)).toBe(false);
    expect(replicas[0].admit('streams', 'k', 0, 2)).toBe(false);
    replicas[0].release('streams', 'k', 0);
    sync(0);
    sync(1);
    expect(replicas[1].admit('streams', 'k', 0, 2)).toBe(true);
  });
});

describe('SpendTracker', () => {
  const now = new Date('2026-12-01T10:00:00Z');

  it('adds this replica’s costs at once and drops them once a read that began later includes them', () => {
    const spend = new SpendTracker();
    spend.add('key', 'user', 0.02, now, 1000);
    expect(spend.spent('api_key', 'key', 'day', now)).toBeCloseTo(0.02);
    expect(spend.spent('user', 'user', 'month', now)).toBeCloseTo(0.02);
    const stored = new Map([
      [SpendTracker.key('api_key', 'key'), { day: '2026-12-01', month: '2026-12', dayUsd: 0.05, monthUsd: 0.5 }],
    ]);
    spend.refreshed(stored, [SpendTracker.key('api_key', 'key')], 1001);
    expect(spend.spent('api_key', 'key', 'day', now)).toBeCloseTo(0.05);
    expect(spend.spent('api_key', 'key', 'month', now)).toBeCloseTo(0.5);
    // The user was not in that read: its local cost still counts.
    expect(spend.spent('user', 'user', 'day', now)).toBeCloseTo(0.02);
  });

  it('a new UTC day starts from zero, the month carries on', () => {
    const spend = new SpendTracker();
    spend.add('key', 'user', 0.03, new Date('2026-12-01T23:59:59.999Z'));
    const next = new Date('2026-12-02T00:00:00.000Z');
    expect(spend.spent('api_key', 'key', 'day', next)).toBe(0);
    expect(spend.spent('api_key', 'key', 'month', next)).toBeCloseTo(0.03);
  });
});
