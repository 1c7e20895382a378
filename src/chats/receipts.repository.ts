import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Outcome, RoutingLogRow } from '../routing-log/routing-log.row.js';
import type { MessageKind, MessageRole } from './message.row.js';

/**
 * A keyset position in one source: rows strictly after (us, answer, id). `answer` (assistant
 * message) only orders messages, whose ties put prompts before answers.
 */
export interface SourceKey {
  us: number;
  answer: boolean;
  id: string;
}

/** Every source row carries its timestamp as `us`, microseconds since the epoch: exact, and cheap. */
interface Timestamped {
  us: number;
}

export interface MessageSourceRow extends Timestamped {
  id: string;
  kind: MessageKind;
  role: MessageRole;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

/** The routing-log columns a receipt shows (the row's types: cost as exact decimal text). */
export type RoutingSourceRow = Timestamped &
  Pick<
    RoutingLogRow,
    | 'id'
    | 'request_id'
    | 'message_id'
    | 'routed_provider'
    | 'routed_model'
    | 'routed_inference_tier'
    | 'outcome'
    | 'tokens_in'
    | 'tokens_out'
    | 'cost_usd'
    | 'latency_ms'
    | 'ttft_ms'
    | 'refused'
    | 'refusal_reason'
    | 'anonymization_applied'
    | 'anonymized_entities'
  >;

export interface AuditSourceRow extends Timestamped {
  id: string;
  user_id: string | null;
  action: string;
  details: Record<string, unknown> | null;
}

const micros = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::int8`;

/** A `us` parameter back as a timestamptz, in exact integer arithmetic. */
const fromMicros = (param: string) => `(timestamptz 'epoch' + ${param}::int8 * interval '1 microsecond')`;

/** `AND (ts, id) > (after)` for a keyset page, its parameters appended to `params`. */
function afterClause(column: string, after: SourceKey | null, params: unknown[]): string {
  if (!after) return '';
  params.push(after.us, after.id);
  return `AND (${column}, id) > (${fromMicros(`$${params.length - 1}`)}, $${params.length}::uuid)`;
}

const ANSWER = `(role = 'assistant')`;

/** Routing-log columns in the order of `routingRow`'s tuple. */
const ROUTING_TUPLE = `json_build_array(id, ${micros('"timestamp"')}, request_id, message_id, routed_provider, routed_model,
  routed_inference_tier, outcome, tokens_in, tokens_out, cost_usd::text, latency_ms, ttft_ms, refused, refusal_reason,
  anonymization_applied, anonymized_entities)`;

type RoutingTuple = [
  string,
  number,
  string,
  string | null,
  string,
  string,
  number,
  Outcome,
  number | null,
  number | null,
  string | null,
  number | null,
  number | null,
  boolean,
  string | null,
  boolean,
  Record<string, number> | null,
];

function routingRow(t: RoutingTuple): RoutingSourceRow {
  return {
    id: t[0],
    us: t[1],
    request_id: t[2],
    message_id: t[3],
    routed_provider: t[4],
    routed_model: t[5],
    routed_inference_tier: t[6],
    outcome: t[7],
    tokens_in: t[8],
    tokens_out: t[9],
    cost_usd: t[10],
    latency_ms: t[11],
    ttft_ms: t[12],
    refused: t[13],
    refusal_reason: t[14],
    anonymization_applied: t[15],
    anonymized_entities: t[16],
  };
}

const nullableInt = (text: string) => (text === '' ? null : Number(text));

/**
 * The source queries receipts are rebuilt from, each ordered by (timestamp, id) (messages: prompts
 * before answers at equal timestamps) and read in keyset pages, so a chat of any size is walked in
 * constant memory. A page travels as one aggregated value rather than one row per event: per-row
 * decoding in the driver was most of a receipts read's time. Reads `inference_routing_log` by
 * `chat_id` through its `(chat_id, timestamp)` index.
 */
@Injectable()
export class ReceiptsRepository {
  constructor(private readonly db: DataSource) {}

  async messages(chatId: string, after: SourceKey | null, limit: number): Promise<MessageSourceRow[]> {
    const params: unknown[] = [chatId, limit];
    let clause = '';
    if (after) {
      params.push(after.us, after.answer, after.id);
      clause = `AND created_at >= ${fromMicros('$3')} AND (created_at, ${ANSWER}, id) > (${fromMicros('$3')}, $4::boolean, $5::uuid)`;
    }
    // Plain comma/semicolon text is safe here: ids are UUIDs, kind and role are CHECK-constrained words.
    const rows: { page: string | null }[] = await this.db.query(
      `SELECT string_agg(concat_ws(',', id, us, kind, role, coalesce(prompt_tokens::text, ''), coalesce(completion_tokens::text, '')),
                         ';' ORDER BY created_at, answer, id) AS page
         FROM (SELECT id, created_at, ${ANSWER} AS answer, ${micros('created_at')} AS us, kind, role, prompt_tokens, completion_tokens
                 FROM messages WHERE chat_id = $1 ${clause}
                ORDER BY created_at, ${ANSWER}, id LIMIT $2) m`,
      params,
    );
    const page = rows[0]?.page;
    if (!page) return [];
    return page.split(';').map((line) => {
      const [id, us, kind, role, prompt, completion] = line.split(',');
      return {
        id,
        us: Number(us),
        kind: kind as MessageKind,
        role: role as MessageRole,
        prompt_tokens: nullableInt(prompt),
        completion_tokens: nullableInt(completion),
      };
    });
  }

  /** `refused`: only refused rows (true), only the others (false), or all (null). */
  async routing(chatId: string, refused: boolean | null, after: SourceKey | null, limit: number): Promise<RoutingSourceRow[]> {
    const params: unknown[] = [chatId, limit];
    let filter = '';
    if (refused !== null) {
      params.push(refused);
      filter = `AND refused = $${params.length}`;
    }
    return this.routingPage(
      `SELECT * FROM inference_routing_log WHERE chat_id = $1 ${filter} ${afterClause('"timestamp"', after, params)}
        ORDER BY "timestamp", id LIMIT $2`,
      params,
    );
  }

  async audit(chatId: string, after: SourceKey | null, limit: number): Promise<AuditSourceRow[]> {
    const params: unknown[] = [chatId, limit];
    const rows: { page: string | null }[] = await this.db.query(
      `SELECT json_agg(json_build_array(id, ${micros('"timestamp"')}, user_id, action, details) ORDER BY "timestamp", id)::text AS page
         FROM (SELECT * FROM audit_log
                WHERE resource_type = 'chat' AND resource_id = $1::text ${afterClause('"timestamp"', after, params)}
                ORDER BY "timestamp", id LIMIT $2) a`,
      params,
    );
    const page = rows[0]?.page;
    if (!page) return [];
    return (JSON.parse(page) as [string, number, string | null, string, Record<string, unknown> | null][]).map(
      ([id, us, user_id, action, details]) => ({ id, us, user_id, action, details }),
    );
  }

  private async routingPage(select: string, params: unknown[]): Promise<RoutingSourceRow[]> {
    const rows: { page: string | null }[] = await this.db.query(
      `SELECT json_agg(${ROUTING_TUPLE} ORDER BY "timestamp", id)::text AS page FROM (${select}) r`,
      params,
    );
    const page = rows[0]?.page;
    return page ? (JSON.parse(page) as RoutingTuple[]).map(routingRow) : [];
  }
}
