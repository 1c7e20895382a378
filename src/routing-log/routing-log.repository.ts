import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Cursor, encodeCursor } from '../common/pagination.js';
import { ROUTING_LOG_COLUMNS } from './routing-log.row.js';

export interface RoutingLogFilter {
  request_id?: string;
  chat_id?: string;
  message_id?: string;
  user_id?: string;
  api_key_id?: string;
  provider?: string;
  model?: string;
  tier?: number;
  outcome?: string;
  refused?: boolean;
  anonymized?: boolean;
  since?: string;
  until?: string;
}

/** The row as the admin API shows it: column names, numbers as numbers, timestamps as ISO strings. */
export type RoutingLogView = Record<(typeof ROUTING_LOG_COLUMNS)[number], unknown>;

const FILTER_COLUMNS: Record<keyof RoutingLogFilter, string> = {
  request_id: 'request_id = $',
  chat_id: 'chat_id = $',
  message_id: 'message_id = $',
  user_id: 'user_id = $',
  api_key_id: 'api_key_id = $',
  provider: 'routed_provider = $',
  model: 'routed_model = $',
  tier: 'routed_inference_tier = $',
  outcome: 'outcome = $',
  refused: 'refused = $',
  anonymized: 'anonymization_applied = $',
  since: '"timestamp" >= $',
  until: '"timestamp" < $',
};

export function toView(row: Record<string, unknown>): RoutingLogView {
  return {
    ...(row as RoutingLogView),
    timestamp: (row.timestamp as Date).toISOString(),
    cost_usd: row.cost_usd === null ? null : Number(row.cost_usd),
  };
}

/** Read queries over `inference_routing_log` (the writer owns inserts). */
@Injectable()
export class RoutingLogRepository {
  constructor(private readonly db: DataSource) {}

  async list(filter: RoutingLogFilter, limit: number, cursor: Cursor | null) {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [name, clause] of Object.entries(FILTER_COLUMNS) as [keyof RoutingLogFilter, string][]) {
      const value = filter[name];
      if (value === undefined) continue;
      params.push(value);
      where.push(clause.replace('$', `$${params.length}`));
    }
    if (cursor) {
      params.push(cursor.ts, cursor.id);
      where.push(`("timestamp", id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${ROUTING_LOG_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM inference_routing_log
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY "timestamp" DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      next_cursor: rows.length > limit && last ? encodeCursor(last.timestamp as Date, last.id as string) : null,
    };
  }
}
