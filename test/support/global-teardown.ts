import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as { __tallyTestDb?: { destroy(): Promise<void> } }).__tallyTestDb;
  if (db) await db.destroy();
  if (process.env.TALLY_TEST_PG_DIR) rmSync(process.env.TALLY_TEST_PG_DIR, { recursive: true, force: true });
}
