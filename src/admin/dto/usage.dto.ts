import { z } from 'zod';
import type { Outcome } from '../../routing-log/routing-log.row.js';

export const USAGE_GROUPS = ['user', 'api_key', 'provider', 'model', 'tier', 'day'] as const;
export type UsageGroupBy = (typeof USAGE_GROUPS)[number];

/** `GET /admin/usage`: nothing else is accepted; `since` is inclusive, `until` exclusive. */
export const usageQuerySchema = z
  .strictObject({
    group_by: z.enum(USAGE_GROUPS).default('provider'),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.since) <= Date.parse(q.until), {
    path: ['until'],
    message: 'must not be before since',
  });
export type UsageQuery = z.infer<typeof usageQuerySchema>;

export type OutcomeCounts = Record<Outcome, number>;

export interface UsageSums {
  /** Routing-log rows: every completion that passed validation, whatever its outcome. */
  completions: number;
  tokens_in: number;
  tokens_out: number;
  /** USD; null when no row in the group has a price. */
  cost_usd: number | null;
  outcomes: OutcomeCounts;
}

/** One group: `key` names it as text, plus the grouping's own fields (`provider`, `tier`, `day`...). */
export interface UsageGroup extends UsageSums {
  key: string;
  [field: string]: unknown;
}

export interface UsageReport {
  group_by: UsageGroupBy;
  since: string | null;
  until: string | null;
  items: UsageGroup[];
  totals: UsageSums;
}
