import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { z } from 'zod';
import { AppError, ErrorCode } from './app-error.js';
import { isUuid, type TallyRequest } from './request-context.js';

/** The route's `:name` parameter, which must be a UUID (else 400, never a 500 from the database). */
export const UuidParam = createParamDecorator((name: string, ctx: ExecutionContext): string => {
  const value = ctx.switchToHttp().getRequest<TallyRequest>().params[name];
  if (!isUuid(value)) throw new AppError(ErrorCode.InvalidRequest, `Malformed id: ${name} must be a UUID.`, { param: name });
  return value.toLowerCase();
});

/** The authenticated caller (the guard has run). */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<TallyRequest>().user!,
);

/** Validates a JSON body against a strict zod schema (unknown fields are rejected outside /v1). */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined) body = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(ErrorCode.InvalidRequest, 'Request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const errors = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new AppError(ErrorCode.InvalidRequest, `Invalid request body: ${errors[0].path || '(body)'}: ${errors[0].message}`, {
      errors,
    });
  }
  return result.data;
}

/** The parsed JSON body (see jsonBodyMiddleware). */
export const JsonBody = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<TallyRequest>().parsedBody,
);
