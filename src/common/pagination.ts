import { z } from 'zod';
import { AppError, ErrorCode } from './app-error.js';

export interface Cursor {
  ts: string;
  id: string;
}

export function encodeCursor(ts: Date, id: string): string {
  return Buffer.from(`${ts.toISOString()}|${id}`, 'utf8').toString('base64url');
}

const cursorSchema = z.object({
  ts: z.iso.datetime(),
  id: z.uuid(),
});

export function decodeCursor(raw: unknown): Cursor | null {
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || raw.length > 200) throw new AppError(ErrorCode.InvalidRequest, 'Malformed cursor.');
  const [ts, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  const parsed = cursorSchema.safeParse({ ts, id });
  if (!parsed.success) throw new AppError(ErrorCode.InvalidRequest, 'Malformed cursor.');
  return parsed.data;
}

export function parseLimit(raw: unknown, fallback = 50): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new AppError(ErrorCode.InvalidRequest, 'limit must be an integer from 1 to 100.', {
      param: 'limit',
    });
  }
  return n;
}

/** Validates a query object with zod, answering 400 with the offending parameter named. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const result = schema.safeParse(query);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.join('.') || '(query)';
    throw new AppError(ErrorCode.InvalidRequest, `Invalid query parameter ${param}: ${issue.message}`, {
      param,
    });
  }
  return result.data;
}
