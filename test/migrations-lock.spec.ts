import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../migrations/index.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { MIGRATION_LOCK_KEY, pendingMigrations, runMigrationsLocked } from '../src/database/migration-runner.js';
import { launchService } from './support/service-process.js';
import { ADMIN_KEY, eventually } from './support/test-app.js';

const quiet = { log: () => undefined, warn: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'tally-migrate-'));

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: process.env.TALLY_TEST_PG_URL });
  await admin.connect();
  const name = `tally_test_lock_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.TALLY_TEST_PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('two runners at the same instant on an empty database: one applies everything, the other waits and finds nothing', async () => {
  const url = await freshDatabase();
  const sources = [new DataSource(dataSourceOptions(url)), new DataSource(dataSourceOptions(url))];
  await Promise.all(sources.map((s) => s.initialize()));
  try {
    const results = await Promise.all(sources.map((s) => runMigrationsLocked(s, url, quiet)));
    const names = migrations.map((m) => new m().name);
    expect(results.map((r) => r.length).sort()).toEqual([0, names.length]);
    const rows: { name: string }[] = await sources[1].query('SELECT name FROM migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(names);
    expect(await pendingMigrations(sources[0])).toEqual([]);
    // The lock was released with its session.
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    expect((await probe.query('SELECT pg_try_advisory_lock($1) AS got', [MIGRATION_LOCK_KEY])).rows[0].got).toBe(true);
    await probe.end();
  } finally {
    await Promise.all(sources.map((s) => s.destroy()));
  }
});

it('MIGRATE_ON_START=false waits with a log line until `npm run migrate` has run, then serves', async () => {
  const url = await freshDatabase();
  writeFileSync(join(dir, 'gateway.yaml'), 'providers:\n  - { name: local-sim, type: simulated, tier: 1, models: [m] }\n');
  const env = {
    DATABASE_URL: url,
    DATA_DIR: join(dir, 'data'),
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    ADMIN_API_KEY: ADMIN_KEY,
  };
  const service = await launchService({ ...env, MIGRATE_ON_START: 'false', LOG_LEVEL: 'info' });
  try {
    await eventually(async () => /waiting for the schema to be current/.test(service.output()), 30_000);
    const health = await fetch(`${service.url}/health`).catch(() => undefined);
    expect(health).toBeUndefined(); // not listening while the schema is behind
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    expect((await db.query(`SELECT to_regclass('inference_routing_log') AS t`)).rows[0].t).toBeNull();

    const { NODE_OPTIONS: _omit, ...parentEnv } = process.env;
    const run = await promisify(execFile)('npm', ['run', '--silent', 'migrate'], { env: { ...parentEnv, ...env } });
    expect(run.stdout).toMatch(/applied migrations/);
    expect((await db.query('SELECT count(*)::int AS n FROM migrations')).rows[0].n).toBe(migrations.length);
    await db.end();

    await eventually(async () => (await fetch(`${service.url}/ready`).catch(() => undefined))?.status === 200, 30_000);
    expect(service.proc.exitCode).toBeNull();
  } finally {
    service.proc.kill('SIGTERM');
    await service.exited;
  }
}, 90_000);
