import { Injectable } from '@nestjs/common';
import { DurableWriter, type WriteResult } from '../durability/durable-writer.js';
import { LimitsService } from '../limits/limits.service.js';
import type { CompletionContext } from './completion-recorder.js';
import { CompletionTelemetry } from './completion-telemetry.js';
import { ROUTING_LOG_COLUMNS, type RoutingLogRow } from './routing-log.row.js';

const KIND = 'routing_log';

/** Writes routing-log rows through the durable path (group commit, spool when the database is away). */
@Injectable()
export class RoutingLogWriter {
  constructor(
    private readonly durable: DurableWriter,
    private readonly limits: LimitsService,
    private readonly telemetry: CompletionTelemetry,
  ) {
    durable.register({
      kind: KIND,
      table: 'inference_routing_log',
      columns: ROUTING_LOG_COLUMNS,
      jsonColumns: ['anonymized_entities', 'fallbacks'],
      // Partitioned by month on timestamp: the id and its arrival time, minted together, are the row's identity.
      conflictKey: ['id', 'timestamp'],
    });
  }

  /** Resolves when the row is committed or spooled; never rejects. */
  async write(row: RoutingLogRow, context: CompletionContext): Promise<WriteResult> {
    const result = await this.durable.write(KIND, row as unknown as Record<string, unknown>);
    if (result !== 'rejected') this.limits.recordCost(row.api_key_id, row.user_id, row.cost_usd, row.timestamp);
    this.telemetry.later(row, context, result);
    return result;
  }
}
