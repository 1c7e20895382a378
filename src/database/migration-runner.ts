import pg from 'pg';
import type { DataSource } from 'typeorm';

/** Where the runner reports (a Nest Logger, or the console for `npm run migrate`). */
export interface MigrationLog {
  log(message: string): void;
  warn(message: string): void;
}

/** One advisory-lock key for schema changes, shared by every replica and `npm run migrate`. */
export const MIGRATION_LOCK_KEY = 7243011;
const WAIT_POLL_MS = 1000;
const WAIT_LOG_EVERY_MS = 10_000;

/**
 * Runs pending migrations while holding `pg_advisory_lock` on a connection of its own. TypeORM takes
 * its own connections inside `runMigrations`, so the lock lives on a separate session: a second
 * replica starting at the same instant waits here, then finds nothing pending. The lock is a session
 * lock, so a runner that dies releases it with its connection.
 */
export async function runMigrationsLocked(db: DataSource, url: string, logger: MigrationLog): Promise<string[]> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    const { rows } = await lock.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [MIGRATION_LOCK_KEY]);
    if (!rows[0].got) {
      logger.log('another process is migrating the schema; waiting for its lock');
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    }
    const applied = await db.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    return applied.map((m) => m.name);
  } finally {
    await lock.end().catch(() => undefined);
  }
}

/**
 * The migrations this build knows that the database has not applied. Read-only (TypeORM's
 * `showMigrations` would create the migrations table, racing the process that is migrating).
 */
export async function pendingMigrations(db: DataSource): Promise<string[]> {
  let applied: { name: string }[] = [];
  try {
    applied = await db.query('SELECT name FROM migrations');
  } catch (error) {
    if ((error as { code?: string }).code !== '42P01') throw error; // no migrations table yet: all pending
  }
  const done = new Set(applied.map((row) => row.name));
  return db.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !done.has(name));
}

/** With MIGRATE_ON_START=false: polls until every migration this build knows is applied. */
export async function waitForSchema(db: DataSource, logger: MigrationLog): Promise<void> {
  let lastLog = 0;
  for (;;) {
    const pending = await pendingMigrations(db);
    if (pending.length === 0) return;
    if (Date.now() - lastLog >= WAIT_LOG_EVERY_MS) {
      logger.log(
        `MIGRATE_ON_START=false: waiting for the schema to be current, ${pending.length} migration(s) pending (${pending.join(', ')}); run \`npm run migrate\` against this DATABASE_URL`,
      );
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}
