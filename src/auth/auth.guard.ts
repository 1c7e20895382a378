import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { TallyRequest } from '../common/request-context.js';
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
    const req = context.switchToHttp().getRequest<TallyRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const user = match ? await this.auth.authenticate(match[1]) : null;
    if (!user) throw new AppError(ErrorCode.Unauthorized, 'Missing or invalid API key.');
    req.user = user;
    this.limiter.take(user);
    if (this.reflector.getAllAndOverride<boolean>(ADMIN, targets) && user.role !== 'admin') {
      throw new AppError(ErrorCode.Forbidden, 'This route requires the admin role.');
    }
    return true;
  }
}
