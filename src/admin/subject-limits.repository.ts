import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { periodStarts } from '../limits/spend-tracker.js';

/** What `PATCH /admin/api-keys/:id` and `PATCH /admin/users/:id` set; absent = unchanged, null = cleared. */
export interface LimitsPatch {
  requests_per_minute?: number | null;
  budget_usd_per_day?: number | null;
  budget_usd_per_month?: number | null;
}

const COLUMNS = ['requests_per_minute', 'budget_usd_per_day', 'budget_usd_per_month'] as const;

export interface LimitsView {
  requests_per_minute: number | null;
  budget_usd_per_day: number | null;
  budget_usd_per_month: number | null;
}

export interface SpendView {
  day: string;
  day_usd: number;
  month: string;
  month_usd: number;
}

const money = (value: unknown) => (value === null ? null : Number(value));

/** Limits and budgets stored on keys and users, and their spend so far, read exactly from the routing log. */
@Injectable()
export class SubjectLimitsRepository {
  constructor(private readonly db: DataSource) {}

  /** Applies the patch and returns the row with its limits, or null when there is no such row. */
  async update(table: 'api_keys' | 'users', id: string, patch: LimitsPatch): Promise<Record<string, unknown> | null> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const column of COLUMNS) {
      if (patch[column] === undefined) continue;
      params.push(patch[column]);
      sets.push(`${column} = $${params.length}`);
    }
    const select =
      table === 'api_keys'
        ? 'id, user_id, key_prefix, minimum_inference_tier, created_at, revoked_at'
        : 'id, email, role, created_at';
    const limits = 'requests_per_minute, budget_usd_per_day::text, budget_usd_per_month::text';
    const rows: Record<string, unknown>[] = sets.length
      ? (await this.db.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1 RETURNING ${select}, ${limits}`, params))[0]
      : await this.db.query(`SELECT ${select}, ${limits} FROM ${table} WHERE id = $1`, params);
    return rows[0] ?? null;
  }

  static limitsOf(row: Record<string, unknown>): LimitsView {
    return {
      requests_per_minute: (row.requests_per_minute as number | null) ?? null,
      budget_usd_per_day: money(row.budget_usd_per_day),
      budget_usd_per_month: money(row.budget_usd_per_month),
    };
  }

  /** Spend in the current UTC day and month, from the routing log's costs. */
  async spend(scope: 'api_key' | 'user', id: string, now = new Date()): Promise<SpendView> {
    const starts = periodStarts(now);
    const column = scope === 'api_key' ? 'api_key_id' : 'user_id';
    const [row]: { day: string; month: string }[] = await this.db.query(
      `SELECT coalesce(sum(cost_usd) FILTER (WHERE "timestamp" >= $2), 0)::text AS day, coalesce(sum(cost_usd), 0)::text AS month
         FROM inference_routing_log WHERE ${column} = $1 AND "timestamp" >= $3`,
      [id, starts.day, starts.month],
    );
    return {
      day: starts.day.toISOString().slice(0, 10),
      day_usd: Number(row.day),
      month: starts.month.toISOString().slice(0, 7),
      month_usd: Number(row.month),
    };
  }
}
