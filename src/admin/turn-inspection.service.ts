import { Injectable } from '@nestjs/common';
import { AuditLogRepository } from '../chats/audit-log.repository.js';
import { messageView } from '../chats/dto/message.dto.js';
import type { MessageRow } from '../chats/message.row.js';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { toView } from '../routing-log/routing-log.repository.js';
import type { RoutingLogRow } from '../routing-log/routing-log.row.js';
import { type AnonymizationRecord, placeholdersFor, type TurnView } from './dto/turn.dto.js';
import { TurnInspectionRepository } from './turn-inspection.repository.js';

/** A turn normally has one row; a direct API caller may reuse a `message_id`, so the list is capped. */
const MAX_ROWS = 100;

function anonymizationOf(row: RoutingLogRow): AnonymizationRecord {
  return {
    completion_id: row.id,
    applied: row.anonymization_applied,
    skip_reason: row.anonymization_skip_reason,
    entity_counts: row.anonymized_entities,
    placeholders_used: row.anonymization_applied ? placeholdersFor(row.anonymized_entities) : [],
  };
}

/**
 * One turn for an admin, keyed by its assistant message id: the messages (content included), the
 * routing-log rows and what anonymization did. Every successful read is audited, since it shows
 * another user's conversation.
 */
@Injectable()
export class TurnInspectionService {
  constructor(
    private readonly turns: TurnInspectionRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  async inspect(user: AuthenticatedUser, messageId: string, requestId: string): Promise<TurnView> {
    const [assistant, rows] = await Promise.all([
      this.turns.assistantMessage(messageId),
      this.turns.routingRows(messageId, MAX_ROWS + 1),
    ]);
    // The newest rows are kept: the last one is the attempt the answer came from.
    const kept = rows.slice(Math.max(0, rows.length - MAX_ROWS));
    if (!assistant && kept.length === 0) throw new AppError(ErrorCode.NotFound, 'Turn not found.');

    const messages: MessageRow[] = [];
    if (assistant) {
      const prompt = await this.turns.promptBefore(assistant.chat_id, kept[0]?.timestamp ?? assistant.created_at);
      if (prompt) messages.push(prompt);
      const { owner_id: _owner, ...message } = assistant;
      messages.push(message);
    }
    const chatId = assistant?.chat_id ?? kept[kept.length - 1]?.chat_id ?? null;
    const latest = kept[kept.length - 1];

    await this.audit.append({
      userId: user.id,
      action: 'turn.inspected',
      resourceType: 'message',
      resourceId: messageId,
      details: { chat_id: chatId, owner_id: assistant?.owner_id ?? null },
      requestId,
    });
    return {
      message_id: messageId,
      chat_id: chatId,
      messages: messages.map(messageView),
      routing_log: kept.map((row) => toView({ ...row })),
      routing_log_truncated: rows.length > MAX_ROWS,
      anonymization: latest ? anonymizationOf(latest) : null,
    };
  }
}
