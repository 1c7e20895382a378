import { Injectable } from '@nestjs/common';
import { parseQuery } from '../common/pagination.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { AuditLogRepository } from './audit-log.repository.js';
import type { ChatRow } from './chat.row.js';
import { chatNotFound } from './chat-access.js';
import { ChatsRepository } from './chats.repository.js';
import { receiptsQuerySchema } from './dto/receipts-query.dto.js';
import { type EventKind, type InferenceDetail, parseEventKinds, type ReceiptEvent } from './receipt-event.js';
import {
  type AuditSourceRow,
  type MessageSourceRow,
  ReceiptsRepository,
  type RoutingSourceRow,
  type SourceKey,
} from './receipts.repository.js';

/** Rows per keyset page: the JSON answer reads a 1,000-turn chat in one query per source. */
const JSON_PAGE = 5000;
/** The export holds at most this many rows per source in memory. */
const EXPORT_PAGE = 1000;

/**
 * Order among events with the same `ts`: the turn's natural order (user message, then its completion,
 * then the assistant message), audit last.
 */
const Rank = { Prompt: 0, Completion: 1, Answer: 2, Audit: 3 } as const;

interface Ranked {
  ms: number;
  rank: number;
  event: ReceiptEvent;
}

export function inferenceDetail(row: RoutingSourceRow): InferenceDetail {
  return {
    provider: row.routed_provider,
    model: row.routed_model,
    tier: Number(row.routed_inference_tier),
    tokens_in: row.tokens_in,
    tokens_out: row.tokens_out,
    latency_ms: row.latency_ms,
    refused: row.refused === true,
    refusal_reason: row.refusal_reason,
    anonymization_applied: row.anonymization_applied === true,
    message_id: row.message_id,
    request_id: row.request_id,
    outcome: row.outcome,
    ttft_ms: row.ttft_ms,
    cost_usd: row.cost_usd === null ? null : Number(row.cost_usd),
    anonymized_entities: row.anonymized_entities,
    completion_id: row.id,
  };
}

function messageEvent(row: MessageSourceRow): Ranked {
  return {
    ms: row.created_at.getTime(),
    rank: row.role === 'assistant' ? Rank.Answer : Rank.Prompt,
    event: {
      ts: row.created_at.toISOString(),
      kind: 'message',
      detail: {
        message_id: row.id,
        message_kind: row.kind,
        role: row.role,
        prompt_tokens: row.prompt_tokens,
        completion_tokens: row.completion_tokens,
      },
    },
  };
}

function routingEvent(row: RoutingSourceRow): Ranked {
  return {
    ms: row.timestamp.getTime(),
    rank: Rank.Completion,
    event: { ts: row.timestamp.toISOString(), kind: row.refused ? 'error' : 'inference', detail: inferenceDetail(row) },
  };
}

function auditEvent(row: AuditSourceRow): Ranked {
  return {
    ms: row.timestamp.getTime(),
    rank: Rank.Audit,
    event: {
      ts: row.timestamp.toISOString(),
      kind: 'audit',
      detail: { action: row.action, actor_user_id: row.user_id, details: row.details, audit_id: row.id },
    },
  };
}

/** Walks one source in keyset pages of `size`, oldest first. */
async function* pages<R extends { id: string }>(
  fetch: (after: SourceKey | null, limit: number) => Promise<R[]>,
  tsOf: (row: R) => Date,
  toEvent: (row: R) => Ranked,
  size: number,
): AsyncGenerator<Ranked> {
  let after: SourceKey | null = null;
  for (;;) {
    const rows = await fetch(after, size);
    for (const row of rows) yield toEvent(row);
    if (rows.length < size) return;
    const last = rows[rows.length - 1];
    after = { ts: tsOf(last), id: last.id };
  }
}

/** Merges sources that are each sorted by (ts, rank) into one such sequence; ties keep source order. */
async function* merge(sources: AsyncGenerator<Ranked>[]): AsyncGenerator<ReceiptEvent> {
  try {
    const heads = await Promise.all(sources.map((source) => source.next()));
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head.done) continue;
        if (best === -1) {
          best = i;
          continue;
        }
        const current = heads[best].value as Ranked;
        if (head.value.ms < current.ms || (head.value.ms === current.ms && head.value.rank < current.rank)) best = i;
      }
      if (best === -1) return;
      yield (heads[best].value as Ranked).event;
      heads[best] = await sources[best].next();
    }
  } finally {
    await Promise.all(sources.map((source) => source.return(undefined)));
  }
}

export interface ReceiptsExport {
  filename: string;
  events: AsyncIterable<ReceiptEvent>;
}

/**
 * Receipts, rebuilt from the source tables on every read: messages, routing-log rows and audit rows
 * of one chat merged by timestamp. Readable by the owner and by admins; an admin's read of someone
 * else's chat is itself audited (and appears on the receipt it reads).
 */
@Injectable()
export class ReceiptsService {
  constructor(
    private readonly chats: ChatsRepository,
    private readonly receipts: ReceiptsRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  async list(user: AuthenticatedUser, chatId: string, query: unknown, requestId: string): Promise<ReceiptEvent[]> {
    const kinds = this.kinds(query);
    await this.authorize(user, chatId, 'chat.receipts_read', requestId);
    const events: ReceiptEvent[] = [];
    for await (const event of this.events(chatId, kinds, JSON_PAGE)) events.push(event);
    return events;
  }

  async export(user: AuthenticatedUser, chatId: string, query: unknown, requestId: string): Promise<ReceiptsExport> {
    const kinds = this.kinds(query);
    await this.authorize(user, chatId, 'chat.receipts_exported', requestId);
    return { filename: `chat-${chatId}-receipts.jsonl`, events: this.events(chatId, kinds, EXPORT_PAGE) };
  }

  /** The inference event detail of one completion (null when its row is not readable). */
  async completionReceipt(completionId: string): Promise<{ row: RoutingSourceRow; detail: InferenceDetail } | null> {
    const row = await this.receipts.routingRow(completionId);
    return row ? { row, detail: inferenceDetail(row) } : null;
  }

  private kinds(query: unknown): ReadonlySet<EventKind> {
    return parseEventKinds(parseQuery(receiptsQuerySchema, query).event_kinds);
  }

  private async authorize(user: AuthenticatedUser, chatId: string, action: string, requestId: string): Promise<ChatRow> {
    const chat = await this.chats.find(chatId);
    if (!chat) throw chatNotFound();
    if (chat.owner_id === user.id) return chat;
    if (user.role !== 'admin') throw chatNotFound();
    await this.audit.append({
      userId: user.id,
      action,
      resourceType: 'chat',
      resourceId: chat.id,
      details: { owner_id: chat.owner_id },
      requestId,
    });
    return chat;
  }

  private events(chatId: string, kinds: ReadonlySet<EventKind>, size: number): AsyncGenerator<ReceiptEvent> {
    const sources: AsyncGenerator<Ranked>[] = [];
    if (kinds.has('message')) {
      sources.push(
        pages(
          (after, limit) => this.receipts.messages(chatId, after, limit),
          (r) => r.created_at,
          messageEvent,
          size,
        ),
      );
    }
    if (kinds.has('inference') || kinds.has('error')) {
      const refused = kinds.has('inference') && kinds.has('error') ? null : kinds.has('error');
      sources.push(
        pages(
          (after, limit) => this.receipts.routing(chatId, refused, after, limit),
          (r) => r.timestamp,
          routingEvent,
          size,
        ),
      );
    }
    if (kinds.has('audit')) {
      sources.push(
        pages(
          (after, limit) => this.receipts.audit(chatId, after, limit),
          (r) => r.timestamp,
          auditEvent,
          size,
        ),
      );
    }
    return merge(sources);
  }
}
