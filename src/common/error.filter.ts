import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from './app-error.js';
import { sendJson } from './http-transport.js';
import type { TallyRequest } from './request-context.js';

/** Maps Nest's own HTTP exceptions (404 route, 405...) onto our codes. */
function fromHttpException(exception: HttpException): AppError {
  const status = exception.getStatus();
  if (status === 404) return new AppError(ErrorCode.NotFound, 'Route not found.');
  if (status === 401) return new AppError(ErrorCode.Unauthorized, 'Missing or invalid API key.');
  if (status === 403) return new AppError(ErrorCode.Forbidden, 'Not allowed.');
  if (status === 413) return new AppError(ErrorCode.PayloadTooLarge, 'Request body too large.');
  if (status >= 400 && status < 500) return new AppError(ErrorCode.InvalidRequest, 'Invalid request.', {}, status);
  return AppError.internal();
}

/**
 * What a request's failure answers with: known errors keep their status and envelope; anything else is
 * logged with its stack and becomes a generic 500 that names the request id.
 */
export function toAppError(
  exception: unknown,
  req: { method?: string; url?: string; requestId?: string },
  logger: Logger,
): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof HttpException) return fromHttpException(exception);
  const path = (req.url ?? '').split('?')[0];
  logger.error(
    `unhandled error on ${req.method} ${path} request_id=${req.requestId}: ${(exception as Error)?.stack ?? exception}`,
  );
  const error = AppError.internal();
  error.details.request_id = req.requestId;
  return error;
}

/** The one error filter (Nest's routes; the fast lane calls `toAppError` and `sendError` itself). */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<TallyRequest>();
    // originalUrl: the path as the client sent it, whatever prefix the router stripped.
    sendError(
      ctx.getResponse<ServerResponse>(),
      toAppError(exception, { method: req.method, url: req.originalUrl, requestId: req.requestId }, this.logger),
    );
  }
}

export function sendError(res: ServerResponse, error: AppError): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  sendJson(res, error.status, error.toEnvelope());
}
