import type { Request } from 'express';

/** Limits set on a key or a user (`PATCH /admin/api-keys/:id`, `PATCH /admin/users/:id`); null = none. */
export interface SubjectLimits {
  readonly requestsPerMinute: number | null;
  readonly budgetUsdPerDay: number | null;
  readonly budgetUsdPerMonth: number | null;
}

export interface AuthenticatedUser {
  readonly id: string;
  readonly role: 'member' | 'admin';
  readonly apiKeyId: string;
  /** The key's first characters as stored at issue (`api_keys.key_prefix`): safe to log, unlike the key. */
  readonly apiKeyPrefix: string;
  readonly keyMinimumTier: number | null;
  readonly keyLimits: SubjectLimits;
  readonly userLimits: SubjectLimits;
}

/** What the request pipeline attaches to an Express request. */
export interface TallyRequest extends Request {
  requestId: string;
  user?: AuthenticatedUser;
  /** Set by the body middleware: `undefined` when there was no body. */
  parsedBody?: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
