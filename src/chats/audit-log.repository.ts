import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AuditEntry {
  userId: string | null;
  action: string;
  resourceType: string;
  resourceId: string;
  details: Record<string, unknown> | null;
  requestId: string | null;
}

/** Appends to `audit_log`; rows are never updated or deleted by the application. */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly db: DataSource) {}

  async append(entry: AuditEntry): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO audit_log (id, user_id, action, resource_type, resource_id, details, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        entry.userId,
        entry.action,
        entry.resourceType,
        entry.resourceId,
        entry.details === null ? null : JSON.stringify(entry.details),
        entry.requestId,
      ],
    );
    return id;
  }
}
