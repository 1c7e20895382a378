export enum ErrorCode {
  InvalidRequest = 'invalid_request',
  InvalidModel = 'invalid_model',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  TierBelowMinimum = 'tier_below_minimum',
  NotFound = 'not_found',
  PayloadTooLarge = 'payload_too_large',
  RateLimitExceeded = 'rate_limit_exceeded',
  BudgetExceeded = 'budget_exceeded',
  ProviderUnavailable = 'provider_unavailable',
  NotImplemented = 'not_implemented',
  ServiceUnavailable = 'service_unavailable',
  InternalError = 'internal_error',
}

/** The one place codes map to statuses; an error may override (upstream auth failure is 502, network 503). */
const DEFAULT_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.InvalidRequest]: 400,
  [ErrorCode.InvalidModel]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.TierBelowMinimum]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.RateLimitExceeded]: 429,
  [ErrorCode.BudgetExceeded]: 429,
  [ErrorCode.ProviderUnavailable]: 502,
  [ErrorCode.NotImplemented]: 501,
  [ErrorCode.ServiceUnavailable]: 503,
  [ErrorCode.InternalError]: 500,
};

export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    type: string;
    param: string | null;
    details: Record<string, unknown>;
  };
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    status?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status ?? DEFAULT_STATUS[code];
  }

  toEnvelope(): ErrorEnvelope {
    return {
      error: { code: this.code, message: this.message, type: this.code, param: null, details: this.details },
    };
  }

  static internal(): AppError {
    return new AppError(ErrorCode.InternalError, 'Internal server error.');
  }
}
