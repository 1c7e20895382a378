import { Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly } from '../auth/auth.guard.js';
import { AuthService } from '../auth/auth.service.js';
import type { User } from '../auth/user.entity.js';
import { AppError, ErrorCode } from '../common/app-error.js';
import { decodeCursor, encodeCursor, parseLimit, parseQuery } from '../common/pagination.js';
import { CurrentUser, JsonBody, parseBody, UuidParam } from '../common/params.js';
import type { AuthenticatedUser, TallyRequest } from '../common/request-context.js';
import { RoutingLogRepository } from '../routing-log/routing-log.repository.js';
import { usageQuerySchema } from './dto/usage.dto.js';
import { SubjectLimitsRepository } from './subject-limits.repository.js';
import { TurnInspectionService } from './turn-inspection.service.js';
import { UsageRepository } from './usage.repository.js';

const createUserSchema = z.strictObject({
  email: z.email().max(320),
  role: z.enum(['member', 'admin']).default('member'),
});

const issueKeySchema = z.strictObject({
  minimum_inference_tier: z.number().int().min(1).max(5).nullish(),
});

const usd = z.number().min(0).max(1e8);
const limitsPatchSchema = z.strictObject({
  requests_per_minute: z.number().int().min(1).max(1e9).nullish(),
  budget_usd_per_day: usd.nullish(),
  budget_usd_per_month: usd.nullish(),
});

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

const routingLogQuery = z.strictObject({
  limit: z.string().optional(),
  cursor: z.string().optional(),
  request_id: z.string().min(1).max(200).optional(),
  chat_id: z.uuid().optional(),
  message_id: z.uuid().optional(),
  user_id: z.uuid().optional(),
  api_key_id: z.uuid().optional(),
  provider: z.string().min(1).max(200).optional(),
  model: z.string().min(1).max(256).optional(),
  tier: z
    .string()
    .regex(/^[1-5]$/, 'must be 1-5')
    .transform(Number)
    .optional(),
  outcome: z.enum(['completed', 'failed', 'refused', 'client_closed', 'shutdown']).optional(),
  refused: bool.optional(),
  anonymized: bool.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

const pageQuery = z.strictObject({ limit: z.string().optional(), cursor: z.string().optional() });

const noQuery = z.strictObject({});

function userView(user: User) {
  return { id: user.id, email: user.email, role: user.role, created_at: user.createdAt.toISOString() };
}

@AdminOnly()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly auth: AuthService,
    private readonly routingLog: RoutingLogRepository,
    private readonly turns: TurnInspectionService,
    private readonly usage: UsageRepository,
    private readonly limits: SubjectLimitsRepository,
  ) {}

  @Post('users')
  async createUser(@JsonBody() body: unknown) {
    const input = parseBody(createUserSchema, body);
    const { user, key } = await this.auth.createUser(input.email, input.role);
    return { user: userView(user), api_key: { id: key.id, key: key.key, prefix: key.prefix } };
  }

  @Get('users')
  async listUsers(@Query() query: unknown) {
    const q = parseQuery(pageQuery, query);
    const limit = parseLimit(q.limit);
    const cursor = decodeCursor(q.cursor);
    const users = await this.auth.listUsers(limit + 1, cursor && { createdAt: cursor.ts, id: cursor.id });
    const page = users.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(userView),
      next_cursor: users.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  @Post('users/:id/api-keys')
  async issueKey(@UuidParam('id') userId: string, @JsonBody() body: unknown) {
    const input = parseBody(issueKeySchema, body);
    const key = await this.auth.issueKey(userId, input.minimum_inference_tier ?? null);
    return {
      id: key.id,
      key: key.key,
      prefix: key.prefix,
      user_id: userId,
      minimum_inference_tier: input.minimum_inference_tier ?? null,
    };
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  async revokeKey(@UuidParam('id') keyId: string): Promise<void> {
    await this.auth.revokeKey(keyId);
  }

  @Patch('api-keys/:id')
  async patchKeyLimits(@UuidParam('id') keyId: string, @JsonBody() body: unknown) {
    const row = await this.limits.update('api_keys', keyId, parseBody(limitsPatchSchema, body ?? {}));
    if (!row) throw new AppError(ErrorCode.NotFound, 'API key not found.');
    this.auth.forget({ keyId });
    return {
      id: row.id,
      user_id: row.user_id,
      prefix: row.key_prefix,
      minimum_inference_tier: row.minimum_inference_tier,
      created_at: (row.created_at as Date).toISOString(),
      revoked_at: row.revoked_at ? (row.revoked_at as Date).toISOString() : null,
      limits: SubjectLimitsRepository.limitsOf(row),
      spend: await this.limits.spend('api_key', keyId),
    };
  }

  @Patch('users/:id')
  async patchUserLimits(@UuidParam('id') userId: string, @JsonBody() body: unknown) {
    const row = await this.limits.update('users', userId, parseBody(limitsPatchSchema, body ?? {}));
    if (!row) throw new AppError(ErrorCode.NotFound, 'User not found.');
    this.auth.forget({ userId });
    return {
      id: row.id,
      email: row.email,
      role: row.role,
      created_at: (row.created_at as Date).toISOString(),
      limits: SubjectLimitsRepository.limitsOf(row),
      spend: await this.limits.spend('user', userId),
    };
  }

  @Get('routing-log')
  async listRoutingLog(@Query() query: unknown) {
    const { limit, cursor, ...filter } = parseQuery(routingLogQuery, query);
    return this.routingLog.list(filter, parseLimit(limit), decodeCursor(cursor));
  }

  @Get('turns/:messageId')
  inspectTurn(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('messageId') messageId: string,
    @Query() query: unknown,
    @Req() req: TallyRequest,
  ) {
    parseQuery(noQuery, query);
    return this.turns.inspect(user, messageId, req.requestId);
  }

  @Get('usage')
  summarizeUsage(@Query() query: unknown) {
    return this.usage.summarize(parseQuery(usageQuerySchema, query));
  }
}
