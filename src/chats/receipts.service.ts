import { Injectable } from '@nestjs/common';
import { parseQuery } from '../common/pagination.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { AuditLogRepository } from './audit-log.repository.js';
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
  /** Microseconds since the epoch. */
  us: number;
  rank: number;
  event: ReceiptEvent;
}

let isoMinute = Number.NaN;
let isoPrefix = '';

/**
 * ISO-8601 UTC with milliseconds (truncated), from epoch microseconds. Date#toISOString per event
 * was a visible share of a receipts read; the `YYYY-MM-DDTHH:MM:` prefix is cached per minute.
 */
export function iso(us: number): string {
  const ms = Math.floor(us / 1000);
  const minute = Math.floor(ms / 60_000);
  if (minute !== isoMinute) {
    isoMinute = minute;
    isoPrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  const inMinute = ms - minute * 60_000;
  const seconds = Math.floor(inMinute / 1000);
  const millis = inMinute - seconds * 1000;
  return `${isoPrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** The receipt detail of a routing-log row, from the database or as just written. */
export function inferenceDetail(row: Omit<RoutingSourceRow, 'us'>): InferenceDetail {
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
  const { us } = row;
  return {
    us,
    rank: row.role === 'assistant' ? Rank.Answer : Rank.Prompt,
    event: {
      ts: iso(us),
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
  const { us } = row;
  return {
    us,
    rank: Rank.Completion,
    event: { ts: iso(us), kind: row.refused ? 'error' : 'inference', detail: inferenceDetail(row) },
  };
}

function auditEvent(row: AuditSourceRow): Ranked {
  const { us } = row;
  return {
    us,
    rank: Rank.Audit,
    event: {
      ts: iso(us),
      kind: 'audit',
      detail: { action: row.action, actor_user_id: row.user_id, details: row.details, audit_id: row.id },
    },
  };
}

interface EventSource {
  readonly head: Ranked | undefined;
  /** True when the current page is used up and more rows may follow. */
  readonly starving: boolean;
  advance(): void;
  fill(): Promise<void>;
}

/** One source walked in keyset pages, oldest first; only `fill` waits (for the next page). */
class SourceCursor<R extends { id: string; us: number }> implements EventSource {
  private page: Ranked[] = [];
  private index = 0;
  private exhausted = false;
  private after: SourceKey | null = null;

  constructor(
    private readonly fetch: (after: SourceKey | null, limit: number) => Promise<R[]>,
    private readonly toEvent: (row: R) => Ranked,
    private readonly size: number,
  ) {}

  get head(): Ranked | undefined {
    return this.page[this.index];
  }

  get starving(): boolean {
    return this.index >= this.page.length && !this.exhausted;
  }

  advance(): void {
    this.index++;
  }

  async fill(): Promise<void> {
    const rows = await this.fetch(this.after, this.size);
    this.page = rows.map(this.toEvent);
    this.index = 0;
    this.exhausted = rows.length < this.size;
    const last = rows[rows.length - 1];
    const head = this.page[this.page.length - 1];
    if (last && head) this.after = { us: last.us, answer: head.rank === Rank.Answer, id: last.id };
  }
}

/**
 * Merges sources that are each sorted by (ts, rank, id) into one such sequence (sources never share
 * a rank, so the result is a total order), in batches: per event the work is synchronous, and it waits only to read a source's next page.
 */
async function* mergedBatches(sources: EventSource[]): AsyncGenerator<ReceiptEvent[]> {
  let batch: ReceiptEvent[] = [];
  for (;;) {
    const starving = sources.filter((source) => source.starving);
    if (starving.length > 0) {
      if (batch.length > 0) yield batch;
      batch = [];
      await Promise.all(starving.map((source) => source.fill()));
    }
    let best: EventSource | undefined;
    let bestHead: Ranked | undefined;
    for (const source of sources) {
      const head = source.head;
      if (head && (!bestHead || head.us < bestHead.us || (head.us === bestHead.us && head.rank < bestHead.rank))) {
        best = source;
        bestHead = head;
      }
    }
    if (!best || !bestHead) break;
    batch.push(bestHead.event);
    best.advance();
  }
  if (batch.length > 0) yield batch;
}

export interface ReceiptsExport {
  filename: string;
  /** Events in batches (one batch per page read), so a writer can pace itself per batch. */
  batches: AsyncIterable<ReceiptEvent[]>;
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
    for await (const batch of this.events(chatId, kinds, JSON_PAGE)) for (const event of batch) events.push(event);
    return events;
  }

  async export(user: AuthenticatedUser, chatId: string, query: unknown, requestId: string): Promise<ReceiptsExport> {
    const kinds = this.kinds(query);
    await this.authorize(user, chatId, 'chat.receipts_exported', requestId);
    return { filename: `chat-${chatId}-receipts.jsonl`, batches: this.events(chatId, kinds, EXPORT_PAGE) };
  }

  private kinds(query: unknown): ReadonlySet<EventKind> {
    return parseEventKinds(parseQuery(receiptsQuerySchema, query).event_kinds);
  }

  private async authorize(user: AuthenticatedUser, chatId: string, action: string, requestId: string): Promise<void> {
    const ownerId = await this.chats.findOwner(chatId);
    if (!ownerId) throw chatNotFound();
    if (ownerId === user.id) return;
    if (user.role !== 'admin') throw chatNotFound();
    await this.audit.append({
      userId: user.id,
      action,
      resourceType: 'chat',
      resourceId: chatId,
      details: { owner_id: ownerId },
      requestId,
    });
  }

  private events(chatId: string, kinds: ReadonlySet<EventKind>, size: number): AsyncGenerator<ReceiptEvent[]> {
    const sources: EventSource[] = [];
    if (kinds.has('message')) {
      sources.push(new SourceCursor((after, limit) => this.receipts.messages(chatId, after, limit), messageEvent, size));
    }
    if (kinds.has('inference') || kinds.has('error')) {
      const refused = kinds.has('inference') && kinds.has('error') ? null : kinds.has('error');
      sources.push(new SourceCursor((after, limit) => this.receipts.routing(chatId, refused, after, limit), routingEvent, size));
    }
    if (kinds.has('audit')) {
      sources.push(new SourceCursor((after, limit) => this.receipts.audit(chatId, after, limit), auditEvent, size));
    }
    return mergedBatches(sources);
  }
}
