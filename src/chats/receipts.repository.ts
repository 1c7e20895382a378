import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MessageKind, MessageRole } from './message.row.js';

/**
 * A keyset position in one source: rows strictly after (ts, answer, id). `ts` is PostgreSQL's exact
 * text; `answer` (assistant message) only orders messages, whose ties put prompts before answers.
 */
export interface SourceKey {
  ts: string;
  answer: boolean;
  id: string;
}

/**
 * Every source row carries its timestamp twice: `ts`, already the ISO-8601 UTC text receipts show
 * (so no row pays for a Date parse), and `ts_key`, the exact value for the keyset cursor.
 */
interface Timestamped {
  ts: string;
  ts_key: string;
}

export interface MessageSourceRow extends Timestamped {
  id: string;
  kind: MessageKind;
  role: MessageRole;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

export interface RoutingSourceRow extends Timestamped {
  id: string;
  request_id: string;
  message_id: string | null;
  routed_provider: string;
  routed_model: string;
  routed_inference_tier: number;
  outcome: string;
  tokens_in: number | null;
  tokens_out: number | null;
  cost_usd: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  refused: boolean;
  refusal_reason: string | null;
  anonymization_applied: boolean;
  anonymized_entities: Record<string, number> | null;
}

export interface AuditSourceRow extends Timestamped {
  id: string;
  user_id: string | null;
  action: string;
  details: Record<string, unknown> | null;
}

function timestamped(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, ${column}::text AS ts_key`;
}

const ROUTING_COLUMNS = `id, ${timestamped('"timestamp"')}, request_id, message_id, routed_provider, routed_model, routed_inference_tier,
  outcome, tokens_in, tokens_out, cost_usd, latency_ms, ttft_ms, refused, refusal_reason, anonymization_applied,
  anonymized_entities`;

/** `AND (ts, id) > (after)` for a keyset page, its parameters appended to `params`. */
function afterClause(column: string, after: SourceKey | null, params: unknown[]): string {
  if (!after) return '';
  params.push(after.ts, after.id);
  return `AND (${column}, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
}

const ANSWER = `(role = 'assistant')`;

/**
 * The source queries receipts are rebuilt from, each ordered by (timestamp, id) (messages: prompts
 * before answers at equal timestamps) and read in keyset pages, so a chat of any size is walked in
 * constant memory. Reads `inference_routing_log` by
 * `chat_id` through its `(chat_id, timestamp)` index.
 */
@Injectable()
export class ReceiptsRepository {
  constructor(private readonly db: DataSource) {}

  messages(chatId: string, after: SourceKey | null, limit: number): Promise<MessageSourceRow[]> {
    const params: unknown[] = [chatId, limit];
    let clause = '';
    if (after) {
      params.push(after.ts, after.answer, after.id);
      clause = `AND created_at >= $3::timestamptz AND (created_at, ${ANSWER}, id) > ($3::timestamptz, $4::boolean, $5::uuid)`;
    }
    return this.db.query(
      `SELECT id, ${timestamped('created_at')}, kind, role, prompt_tokens, completion_tokens FROM messages
        WHERE chat_id = $1 ${clause}
        ORDER BY created_at, ${ANSWER}, id LIMIT $2`,
      params,
    );
  }

  /** `refused`: only refused rows (true), only the others (false), or all (null). */
  routing(chatId: string, refused: boolean | null, after: SourceKey | null, limit: number): Promise<RoutingSourceRow[]> {
    const params: unknown[] = [chatId, limit];
    let filter = '';
    if (refused !== null) {
      params.push(refused);
      filter = `AND refused = $${params.length}`;
    }
    return this.db.query(
      `SELECT ${ROUTING_COLUMNS} FROM inference_routing_log
        WHERE chat_id = $1 ${filter} ${afterClause('"timestamp"', after, params)}
        ORDER BY "timestamp", id LIMIT $2`,
      params,
    );
  }

  audit(chatId: string, after: SourceKey | null, limit: number): Promise<AuditSourceRow[]> {
    const params: unknown[] = [chatId, limit];
    return this.db.query(
      `SELECT id, ${timestamped('"timestamp"')}, user_id, action, details FROM audit_log
        WHERE resource_type = 'chat' AND resource_id = $1::text ${afterClause('"timestamp"', after, params)}
        ORDER BY "timestamp", id LIMIT $2`,
      params,
    );
  }

  /** One routing-log row by its id (the completion id), for the receipt a turn answers with. */
  async routingRow(completionId: string): Promise<RoutingSourceRow | null> {
    const rows: RoutingSourceRow[] = await this.db.query(`SELECT ${ROUTING_COLUMNS} FROM inference_routing_log WHERE id = $1`, [
      completionId,
    ]);
    return rows[0] ?? null;
  }
}
