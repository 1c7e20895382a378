import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { createApp, type RunningApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';

export interface BenchApp {
  readonly running: RunningApp;
  readonly url: string;
  readonly db: pg.Pool;
}

/**
 * Starts Tally in this process for a benchmark: `gateway.yaml` written into `dir`, data under
 * `dataDir`, the embedded PostgreSQL unless DATABASE_URL is set, errors-only logging unless
 * BENCH_LOG_LEVEL says otherwise (`info` measures the per-request log lines; they go to stdout).
 */
export async function startBenchApp(
  dir: string,
  dataDir: string,
  yaml: string,
  adminKey: string,
  poolSize = 2,
): Promise<BenchApp> {
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  const config = loadConfig({
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    DATA_DIR: dataDir,
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
    LOG_FORMAT: 'json',
  });
  console.log('starting Tally (embedded PostgreSQL unless DATABASE_URL is set)…');
  const running = await createApp(config);
  await running.app.listen(0, '127.0.0.1');
  const { port } = running.app.getHttpServer().address() as AddressInfo;
  return {
    running,
    url: `http://127.0.0.1:${port}`,
    db: new pg.Pool({ connectionString: running.databaseUrl, max: poolSize }),
  };
}
