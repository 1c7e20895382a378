import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source.js';
import { EmbeddedDatabaseError, startEmbeddedPostgres } from './embedded-postgres.js';
import { runMigrationsLocked } from './migration-runner.js';

/**
 * `npm run migrate`: applies pending migrations under the same advisory lock the service takes, then
 * exits. Against DATABASE_URL, or the embedded PostgreSQL under DATA_DIR when it is unset.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, 'tally');
  const url = config.databaseUrl ?? embedded!.url;
  const db = new DataSource(dataSourceOptions(url));
  const log = { log: (line: string) => console.log(line), warn: (line: string) => console.warn(line) };
  try {
    await db.initialize();
    const applied = await runMigrationsLocked(db, url, log);
    if (applied.length === 0) console.log('schema is current; nothing to apply');
  } finally {
    if (db.isInitialized) await db.destroy();
    await embedded?.stop();
  }
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(`migrate: invalid configuration\n${error.message}`);
  else if (error instanceof EmbeddedDatabaseError) console.error(`migrate: ${error.message}`);
  else console.error(`migrate failed: ${(error as Error)?.stack ?? error}`);
  process.exit(1);
});
