import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as { __tallyTestDb?: { stop(): Promise<void> } }).__tallyTestDb;
  if (db) await db.stop();
  if (process.env.TALLY_TEST_PG_DIR) rmSync(process.env.TALLY_TEST_PG_DIR, { recursive: true, force: true });
}
