import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { GatewayConfigHolder } from '../config/gateway-config.holder.js';
import { LimitsService } from '../limits/limits.service.js';

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 100_000;

/**
 * Requests per minute. A per-key token bucket (`limits.rate_per_key`) smooths bursts on this replica;
 * the per-minute limit itself (the key's `requests_per_minute`, else `rate_per_key.requests_per_minute`,
 * and the user's when set) is shared across replicas (`LimitsService`). Runs after authentication and
 * before validation, so a limited request never becomes a completion.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly gateway: GatewayConfigHolder,
    private readonly limits: LimitsService,
  ) {}

  take(user: AuthenticatedUser, now = Date.now()): void {
    this.takeBurst(user.apiKeyId, now);
    this.limits.takeRequest(user, now);
  }

  private takeBurst(keyId: string, now: number): void {
    // `limits.rate_per_key` of the configuration being served: a reload applies to the buckets from the next request.
    const { burst, requests_per_minute } = this.gateway.current.limits.rate_per_key;
    const perMs = requests_per_minute / 60_000;
    const bucket = this.buckets.get(keyId) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    // Re-insert so the map's order is least-recently-used first.
    this.buckets.delete(keyId);
    this.buckets.set(keyId, bucket);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      throw new AppError(ErrorCode.RateLimitExceeded, 'Too many requests for this API key.', { retry_after_s: retryAfter }, 429, {
        'Retry-After': String(retryAfter),
      });
    }
    bucket.tokens -= 1;
  }
}
