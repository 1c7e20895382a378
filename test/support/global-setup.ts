import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when set, else the embedded one in a temp dir.
 * Each test file creates its own database on it (test/support/test-app.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TALLY_TEST_PG_URL = process.env.DATABASE_URL;
    return;
  }
  // Jest loads global setup as CommonJS outside its ESM resolver, so the extensionless path is resolved here.
  const source = '../../src/database/embedded-postgres';
  const { startEmbeddedPostgres }: typeof import('../../src/database/embedded-postgres.js') = await import(source);
  const dir = mkdtempSync(join(tmpdir(), 'tally-test-pg-'));
  const db = await startEmbeddedPostgres(dir, 'postgres');
  process.env.TALLY_TEST_PG_URL = db.url;
  process.env.TALLY_TEST_PG_DIR = dir;
  (globalThis as { __tallyTestDb?: typeof db }).__tallyTestDb = db;
}
