import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppError, ErrorCode } from './app-error.js';
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

/** The one error filter: known errors become their status + envelope; anything else a generic 500. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<TallyRequest>();
    let error: AppError;
    if (exception instanceof AppError) error = exception;
    else if (exception instanceof HttpException) error = fromHttpException(exception);
    else {
      this.logger.error(
        `unhandled error on ${req.method} ${req.path} request_id=${req.requestId}: ${(exception as Error)?.stack ?? exception}`,
      );
      error = AppError.internal();
      error.details.request_id = req.requestId;
    }
    sendError(res, error);
  }
}

export function sendError(res: Response, error: AppError): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json(error.toEnvelope());
}
