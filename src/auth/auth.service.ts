import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/app-error.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DurableWriter } from '../durability/durable-writer.js';
import { ApiKey } from './api-key.entity.js';
import { User, type UserRole } from './user.entity.js';

const BOOTSTRAP_ADMIN_EMAIL = 'admin@tally.local';
const AUTH_QUERY_TIMEOUT_MS = 1000;
const VERIFIED_CACHE_SIZE = 10_000;
const VERIFIED_MAX_AGE_MS = 15 * 60_000;
/** How long a confirmed key is trusted without asking the database again. */
const AUTH_FRESH_MS = 2_000;

interface KeyRow {
  id: string;
  user_id: string;
  key_hash: Buffer;
  key_prefix: string;
  role: UserRole;
  minimum_inference_tier: number | null;
  k_rpm: number | null;
  k_day: string | null;
  k_month: string | null;
  u_rpm: number | null;
  u_day: string | null;
  u_month: string | null;
}

const money = (value: string | null) => (value === null ? null : Number(value));

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The SHA-256 digest stored for a key (`crypto.hash`, one call: a fifth of createHash's cost here). */
export function hashKey(key: string): Buffer {
  return Buffer.from(hash('sha256', key, 'hex'), 'hex');
}

export interface IssuedKey {
  readonly id: string;
  readonly key: string;
  readonly prefix: string;
  readonly createdAt: Date;
}

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AuthService');
  /** Keys the database confirmed recently (by digest), used only while it cannot answer. */
  private readonly verified = new Map<string, { user: AuthenticatedUser; at: number }>();
  /** The key lookup in flight per digest, shared by the requests that arrive while it is out. */
  private readonly lookups = new Map<string, Promise<AuthenticatedUser | null>>();
  /** Counts revocations and forgets, so a lookup that overlapped one does not cache its answer. */
  private invalidations = 0;

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly durable: DurableWriter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.adminApiKey) await this.ensureBootstrapAdmin(this.config.adminApiKey);
    else await this.ensureLocalAdminKey();
  }

  /**
   * Without ADMIN_API_KEY, a fresh install would have no way in. On an empty database an admin key is
   * minted once and written to `<DATA_DIR>/admin-api-key` (mode 0600), so `npm start` works out of the box.
   */
  private async ensureLocalAdminKey(): Promise<void> {
    const file = join(this.config.dataDir, 'admin-api-key');
    const [{ count }]: { count: number }[] = await this.db.query('SELECT count(*)::int AS count FROM users');
    if (count === 0) {
      const key = `tly_${randomBytes(32).toString('base64url')}`;
      await this.ensureBootstrapAdmin(key);
      mkdirSync(this.config.dataDir, { recursive: true });
      writeFileSync(file, `${key}\n`, { mode: 0o600 });
    }
    if (existsSync(file)) this.logger.log(`admin API key (created on first start) is in ${file}`);
  }

  /**
   * Resolves a bearer key to its user; `null` for unknown or revoked keys. A key the database
   * confirmed in the last `AUTH_FRESH_MS` is taken from memory (saves a round trip per request; a
   * revocation reaches other replicas within that window, this one at once). When the database cannot
   * answer (down or hung), keys it confirmed in the last 15 minutes are accepted, so completions keep
   * flowing (and receipts keep spooling) through an outage.
   */
  async authenticate(key: string): Promise<AuthenticatedUser | null> {
    if (key.length < 16 || key.length > 256) return null;
    // The hex digest is the cache key; its bytes are needed only when the database is asked.
    const cacheKey = hash('sha256', key, 'hex');
    const hit = this.verified.get(cacheKey);
    if (hit && Date.now() - hit.at < AUTH_FRESH_MS) return hit.user;
    if (!this.durable.databaseReachable) return this.fromCache(cacheKey);
    // One lookup per key in flight: when a busy key's confirmation expires, the requests arriving
    // before the database answers wait for that one query instead of each sending their own.
    let pending = this.lookups.get(cacheKey);
    if (!pending) {
      const lookup = this.lookup(cacheKey).finally(() => {
        if (this.lookups.get(cacheKey) === lookup) this.lookups.delete(cacheKey);
      });
      pending = lookup;
      this.lookups.set(cacheKey, pending);
    }
    return pending;
  }

  private async lookup(cacheKey: string): Promise<AuthenticatedUser | null> {
    const digest = Buffer.from(cacheKey, 'hex');
    const invalidations = this.invalidations;
    let rows: KeyRow[];
    try {
      rows = await withTimeout(
        this.db.query(
          `SELECT k.id, k.user_id, k.key_hash, k.key_prefix, k.minimum_inference_tier, u.role,
                  k.requests_per_minute AS k_rpm, k.budget_usd_per_day::text AS k_day, k.budget_usd_per_month::text AS k_month,
                  u.requests_per_minute AS u_rpm, u.budget_usd_per_day::text AS u_day, u.budget_usd_per_month::text AS u_month
             FROM api_keys k JOIN users u ON u.id = k.user_id
            WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
          [digest],
        ),
        AUTH_QUERY_TIMEOUT_MS,
      );
    } catch (error) {
      this.logger.warn(`key lookup failed (${(error as Error).message}); using recently verified keys`);
      return this.fromCache(cacheKey);
    }
    this.verified.delete(cacheKey);
    const row = rows[0];
    if (!row || !timingSafeEqual(row.key_hash, digest)) return null;
    const user: AuthenticatedUser = {
      id: row.user_id,
      role: row.role,
      apiKeyId: row.id,
      apiKeyPrefix: row.key_prefix,
      keyMinimumTier: row.minimum_inference_tier,
      keyLimits: { requestsPerMinute: row.k_rpm, budgetUsdPerDay: money(row.k_day), budgetUsdPerMonth: money(row.k_month) },
      userLimits: { requestsPerMinute: row.u_rpm, budgetUsdPerDay: money(row.u_day), budgetUsdPerMonth: money(row.u_month) },
    };
    // A revocation or a change of limits while the query was out: the answer may predate it, so it is
    // not kept (the next request asks again).
    if (invalidations !== this.invalidations) return user;
    this.verified.set(cacheKey, { user, at: Date.now() });
    if (this.verified.size > VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    return user;
  }

  private fromCache(cacheKey: string): AuthenticatedUser {
    const hit = this.verified.get(cacheKey);
    if (hit && Date.now() - hit.at < VERIFIED_MAX_AGE_MS) return hit.user;
    throw new AppError(ErrorCode.ServiceUnavailable, 'The database is unreachable; try again shortly.', {}, 503, {
      'Retry-After': '2',
    });
  }

  async createUser(email: string, role: UserRole): Promise<{ user: User; key: IssuedKey }> {
    return this.db.transaction(async (tx) => {
      const taken = await tx.query('SELECT 1 FROM users WHERE lower(email) = lower($1)', [email]);
      if (taken.length > 0) {
        throw new AppError(ErrorCode.InvalidRequest, 'A user with this email already exists.', {}, 409);
      }
      const user = tx.getRepository(User).create({ id: randomUUID(), email, role });
      await tx.getRepository(User).insert(user);
      const key = await this.insertKey(tx, user.id, `tly_${randomBytes(32).toString('base64url')}`, null);
      const saved = await tx.getRepository(User).findOneByOrFail({ id: user.id });
      return { user: saved, key };
    });
  }

  async issueKey(userId: string, minimumTier: number | null): Promise<IssuedKey> {
    const user = await this.db.getRepository(User).findOneBy({ id: userId });
    if (!user) throw new AppError(ErrorCode.NotFound, 'User not found.');
    return this.insertKey(this.db.manager, userId, `tly_${randomBytes(32).toString('base64url')}`, minimumTier);
  }

  async revokeKey(keyId: string): Promise<void> {
    const result = await this.db
      .getRepository(ApiKey)
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id: keyId })
      .execute();
    if (!result.affected) throw new AppError(ErrorCode.NotFound, 'API key not found.');
    this.forget({ keyId });
  }

  /** Drops cached confirmations of a key or of a user's keys, so changed limits apply here at once (elsewhere within 2 s). */
  forget(which: { keyId?: string; userId?: string }): void {
    this.invalidations++;
    this.lookups.clear();
    for (const [cacheKey, entry] of this.verified) {
      if (entry.user.apiKeyId === which.keyId || entry.user.id === which.userId) this.verified.delete(cacheKey);
    }
  }

  async listUsers(limit: number, cursor: { createdAt: string; id: string } | null): Promise<User[]> {
    const qb = this.db
      .getRepository(User)
      .createQueryBuilder('u')
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit);
    if (cursor) qb.where('(u.created_at, u.id) < (:createdAt, :id)', cursor);
    return qb.getMany();
  }

  private async insertKey(
    manager: DataSource['manager'],
    userId: string,
    key: string,
    minimumTier: number | null,
  ): Promise<IssuedKey> {
    const entity = manager.getRepository(ApiKey).create({
      id: randomUUID(),
      userId,
      keyHash: hashKey(key),
      keyPrefix: key.slice(0, 8),
      minimumInferenceTier: minimumTier,
    });
    await manager.getRepository(ApiKey).insert(entity);
    return { id: entity.id, key, prefix: entity.keyPrefix, createdAt: new Date() };
  }

  private async ensureBootstrapAdmin(key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Serialises replicas booting at once against the same database.
      await tx.query('SELECT pg_advisory_xact_lock(7243001)');
      const existing: { id: string }[] = await tx.query('SELECT id FROM users WHERE lower(email) = $1', [BOOTSTRAP_ADMIN_EMAIL]);
      const userId = existing[0]?.id ?? randomUUID();
      if (!existing[0]) {
        await tx.query(`INSERT INTO users (id, email, role) VALUES ($1, $2, 'admin')`, [userId, BOOTSTRAP_ADMIN_EMAIL]);
      } else {
        await tx.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [userId]);
      }
      await tx.query(
        `INSERT INTO api_keys (id, user_id, key_hash, key_prefix) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, user_id = EXCLUDED.user_id`,
        [randomUUID(), userId, hashKey(key), key.slice(0, 8)],
      );
    });
    this.logger.log('bootstrap admin key is active');
  }
}
