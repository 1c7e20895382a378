import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Outcome } from '../routing-log/routing-log.row.js';
import type { OutcomeCounts, UsageGroup, UsageGroupBy, UsageQuery, UsageReport, UsageSums } from './dto/usage.dto.js';

const OUTCOMES: readonly Outcome[] = ['completed', 'failed', 'refused', 'client_closed', 'shutdown'];

interface Grouping {
  /** Output field → SQL expression over `inference_routing_log r` (and `users u` when joined). */
  fields: Record<string, string>;
  /** Tables joined to `inference_routing_log r`. */
  join?: string;
  key(row: Record<string, unknown>): string;
}

const GROUPINGS: Record<UsageGroupBy, Grouping> = {
  user: {
    fields: { user_id: 'r.user_id::text', email: 'u.email' },
    join: 'LEFT JOIN users u ON u.id = r.user_id',
    key: (row) => String(row.user_id),
  },
  // Rows from before the key was recorded form one group with a null api_key_id (key "none").
  api_key: {
    fields: { api_key_id: 'r.api_key_id::text', key_prefix: 'k.key_prefix', user_id: 'k.user_id::text' },
    join: 'LEFT JOIN api_keys k ON k.id = r.api_key_id',
    key: (row) => (row.api_key_id === null ? 'none' : String(row.api_key_id)),
  },
  provider: { fields: { provider: 'r.routed_provider' }, key: (row) => String(row.provider) },
  // A model name is only unique within its provider.
  model: {
    fields: { provider: 'r.routed_provider', model: 'r.routed_model' },
    key: (row) => `${row.provider}/${row.model}`,
  },
  tier: { fields: { tier: 'r.routed_inference_tier::int' }, key: (row) => String(row.tier) },
  day: { fields: { day: `to_char((r."timestamp" AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')` }, key: (row) => String(row.day) },
};

function sums(row: Record<string, unknown>): UsageSums {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, Number(row[`n_${o}`])])) as OutcomeCounts;
  return {
    completions: Number(row.completions),
    tokens_in: Number(row.tokens_in),
    tokens_out: Number(row.tokens_out),
    cost_usd: row.cost_usd === null ? null : Number(row.cost_usd),
    outcomes,
  };
}

/** Aggregates over `inference_routing_log` for the admin usage report. */
@Injectable()
export class UsageRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * One pass: the groups and the grand total come from the same GROUPING SETS query, so the totals
   * are exact decimal sums rather than float sums of the groups.
   */
  async summarize(query: UsageQuery): Promise<UsageReport> {
    const grouping = GROUPINGS[query.group_by];
    const fields = Object.keys(grouping.fields);
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.since) {
      params.push(query.since);
      where.push(`r."timestamp" >= $${params.length}`);
    }
    if (query.until) {
      params.push(query.until);
      where.push(`r."timestamp" < $${params.length}`);
    }
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${fields.map((f) => `g."${f}"`).join(', ')}, grouping(${fields.map((f) => `g."${f}"`).join(', ')}) <> 0 AS total,
              count(*) AS completions, coalesce(sum(g.tokens_in), 0) AS tokens_in, coalesce(sum(g.tokens_out), 0) AS tokens_out,
              sum(g.cost_usd)::text AS cost_usd,
              ${OUTCOMES.map((o) => `count(*) FILTER (WHERE g.outcome = '${o}') AS "n_${o}"`).join(', ')}
         FROM (SELECT ${Object.entries(grouping.fields)
           .map(([field, expr]) => `${expr} AS "${field}"`)
           .join(', ')}, r.tokens_in, r.tokens_out, r.cost_usd, r.outcome
                 FROM inference_routing_log r ${grouping.join ?? ''}
                ${where.length ? `WHERE ${where.join(' AND ')}` : ''}) g
        GROUP BY GROUPING SETS ((${fields.map((f) => `g."${f}"`).join(', ')}), ())
        ORDER BY total, ${fields.map((f) => `g."${f}"`).join(', ')}`,
      params,
    );
    const items: UsageGroup[] = [];
    let totals: UsageSums | undefined;
    for (const row of rows) {
      if (row.total) {
        totals = sums(row);
        continue;
      }
      const own = Object.fromEntries(fields.map((field) => [field, row[field]]));
      items.push({ key: grouping.key(row), ...own, ...sums(row) });
    }
    // GROUPING SETS yields the grand-total row even over no rows at all.
    if (!totals) throw new Error('usage query returned no grand-total row');
    return {
      group_by: query.group_by,
      since: query.since ? new Date(query.since).toISOString() : null,
      until: query.until ? new Date(query.until).toISOString() : null,
      items,
      totals,
    };
  }
}
