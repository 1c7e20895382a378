import { Injectable } from '@nestjs/common';
import { type DurableTable, DurableWriter, type WriteResult } from '../durability/durable-writer.js';
import { LimitsService } from '../limits/limits.service.js';
import type { CompletionContext } from './completion-recorder.js';
import { CompletionTelemetry } from './completion-telemetry.js';
import { ROUTING_LOG_COLUMNS, type RoutingLogRow } from './routing-log.row.js';

const KIND = 'routing_log';

export const ROUTING_LOG_TABLE: DurableTable = {
  kind: KIND,
  table: 'inference_routing_log',
  columns: ROUTING_LOG_COLUMNS,
  jsonColumns: ['anonymized_entities', 'fallbacks'],
  // Partitioned by month on timestamp: the id and its arrival time, minted together, are the row's
  // identity (the primary key, the table's only unique index). A plain INSERT whose unique violation
  // means "already stored" costs less here than ON CONFLICT (docs/decisions.md, issue 13).
  duplicates: 'unique_violation',
};

/** Writes routing-log rows through the durable path (group commit, spool when the database is away). */
@Injectable()
export class RoutingLogWriter {
  constructor(
    private readonly durable: DurableWriter,
    private readonly limits: LimitsService,
    private readonly telemetry: CompletionTelemetry,
  ) {
    durable.register(ROUTING_LOG_TABLE);
  }

  /** Resolves when the row is committed or spooled; never rejects. */
  async write(row: RoutingLogRow, context: CompletionContext): Promise<WriteResult> {
    const result = await this.durable.write(KIND, row as unknown as Record<string, unknown>);
    if (result !== 'rejected') this.limits.recordCost(row.api_key_id, row.user_id, row.cost_usd, row.timestamp);
    this.telemetry.later(row, context, result);
    return result;
  }
}
