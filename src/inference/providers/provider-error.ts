import { AppError, ErrorCode } from '../../common/app-error.js';
import type { Usage } from '../openai.types.js';

export type ProviderErrorKind =
  | 'network' // connection refused, reset, DNS, TLS
  | 'timeout' // no byte within the read timeout
  | 'http' // upstream answered with a non-2xx status
  | 'auth' // upstream rejected our credentials (401/403)
  | 'protocol' // upstream answered 2xx with a body we cannot read
  | 'unsupported';

/** Upstream error codes that mean "no such model": OpenAI's, and Azure's for a deployment (its model). */
const MODEL_NOT_FOUND_CODES = new Set(['model_not_found', 'DeploymentNotFound']);

/** Key-shaped tokens (OpenAI's `sk-…`, `sk-proj-…` including its masked echo, Anthropic's `sk-ant-…`). */
const KEY_SHAPED = /\b(?:sk|rk|pk)-[A-Za-z0-9_*-]{6,}/g;

/**
 * A provider's error message with our key taken out: OpenAI echoes the (masked) key it refused, and a
 * proxy may echo it whole. Replaces every configured secret and every key-shaped token.
 */
export function redactSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(KEY_SHAPED, '[redacted]');
}

/** A failure talking to an upstream. Carries no raw upstream body, only parsed fields. */
export class ProviderError extends Error {
  /** Usage the upstream reported before a stream failed (Anthropic counts tokens from its first event). */
  usage: Usage | undefined;

  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly provider: string,
    readonly upstreamStatus?: number,
    readonly upstreamErrorType?: string,
    readonly upstreamErrorCode?: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** Whether the next candidate may be tried (only before the first byte reached the client). */
  get fallbackEligible(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    if (this.kind === 'http') return (this.upstreamStatus ?? 0) >= 500 || this.upstreamStatus === 429;
    if (this.kind === 'protocol') return true;
    return false;
  }

  /** The client-facing error: one classification for JSON answers, error frames and row reasons. */
  toAppError(): AppError {
    const details: Record<string, unknown> = { provider: this.provider };
    if (this.upstreamStatus !== undefined) details.upstream_status = this.upstreamStatus;
    if (this.upstreamErrorType) details.upstream_error_type = this.upstreamErrorType;
    if (this.upstreamErrorCode) details.upstream_error_code = this.upstreamErrorCode;
    switch (this.kind) {
      case 'unsupported':
        return new AppError(ErrorCode.NotImplemented, this.message, details);
      case 'auth':
        return new AppError(ErrorCode.Unauthorized, this.message, details, 502);
      case 'network':
      case 'timeout':
        return new AppError(ErrorCode.ProviderUnavailable, this.message, details, 503);
      case 'protocol':
        return new AppError(ErrorCode.ProviderUnavailable, this.message, details, 502);
      case 'http': {
        const status = this.upstreamStatus ?? 502;
        if (status === 429) return new AppError(ErrorCode.RateLimitExceeded, this.message, details);
        if (status === 404 && MODEL_NOT_FOUND_CODES.has(this.upstreamErrorCode ?? '')) {
          return new AppError(ErrorCode.InvalidModel, this.message, details);
        }
        if (status >= 400 && status < 500) return new AppError(ErrorCode.InvalidRequest, this.message, details);
        return new AppError(ErrorCode.ProviderUnavailable, this.message, details, 502);
      }
    }
  }

  /** The routing-log reason, e.g. `upstream_error:provider_unavailable:status=500:http` (auth keeps 401 apart from 403). */
  get reason(): string {
    const code = this.toAppError().code;
    const answered = (this.kind === 'http' || this.kind === 'auth') && this.upstreamStatus !== undefined;
    const status = answered ? `:status=${this.upstreamStatus}` : '';
    return `upstream_error:${code}${status}:${this.kind}`;
  }
}
