import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser, TallyRequest } from '../common/request-context.js';
import { AuthService } from './auth.service.js';
import { RateLimiter } from './rate-limiter.js';

const PUBLIC = 'tally:public';
const ADMIN = 'tally:admin';

/** Marks a route as reachable without an API key. */
export const Public = () => SetMetadata(PUBLIC, true);
/** Marks a controller or route as admin-only (members get 403). */
export const AdminOnly = () => SetMetadata(ADMIN, true);

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const user = await admitBearer(context.switchToHttp().getRequest<TallyRequest>(), this.auth, this.limiter);
    if (this.reflector.getAllAndOverride<boolean>(ADMIN, targets) && user.role !== 'admin') {
      throw new AppError(ErrorCode.Forbidden, 'This route requires the admin role.');
    }
    return true;
  }
}

/** Whether a route is public or admin-only, i.e. needs more than `admitBearer` (the fast lane refuses those). */
export function hasAccessMetadata(reflector: Reflector, handler: object, cls: object): boolean {
  const targets = [handler as () => void, cls as () => void];
  return (
    reflector.getAllAndOverride<boolean>(PUBLIC, targets) !== undefined ||
    reflector.getAllAndOverride<boolean>(ADMIN, targets) !== undefined
  );
}

/**
 * Authenticates the request's bearer key, sets `req.user` and takes one request from its rate limits;
 * throws the 401 or 429 AppError otherwise. The guard of every non-public route, and the fast lane's.
 */
export async function admitBearer(
  req: Pick<TallyRequest, 'headers' | 'user'>,
  auth: AuthService,
  limiter: RateLimiter,
): Promise<AuthenticatedUser> {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const user = match ? await auth.authenticate(match[1]) : null;
  if (!user) throw new AppError(ErrorCode.Unauthorized, 'Missing or invalid API key.');
  req.user = user;
  limiter.take(user);
  return user;
}
