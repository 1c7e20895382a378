import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  classifyServerOutput,
  EmbeddedDatabaseError,
  freePort,
  startEmbeddedPostgres,
} from '../src/database/embedded-postgres.js';
import { launchService, spawnService } from './support/service-process.js';
import { ADMIN_KEY, postSse } from './support/test-app.js';

const asRoot = process.getuid?.() === 0;
const YAML = `providers:\n  - { name: sim, type: simulated, tier: 1, models: [m], options: { ttft_ms: 1, chunk_ms: 1 } }\n`;

async function packagedNative(): Promise<string> {
  const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  return dirname(dirname(postgres));
}

/** One line naming the cause, no stack trace, a non-zero exit. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const service = await launchService({ DATABASE_URL: '', ADMIN_API_KEY: ADMIN_KEY, ...env });
  const { code } = await service.exited;
  return { code, output: service.output() };
}

/**
 * The embedded PostgreSQL starts wherever the project is cloned: as root, a DATA_DIR or binaries
 * under a private (mode 700) directory are out of the `postgres` user's reach, so they are relocated.
 * Every failure to start is one clear line and a non-zero exit.
 */
describe('embedded PostgreSQL', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tally-embedded-')); // mode 700, like root's home
    writeFileSync(join(dir, 'gateway.yaml'), YAML);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the service from a DATA_DIR under a mode-700 directory and logs where the cluster lives', async () => {
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const dataDir = join(dir, 'private', 'data');
    const service = await spawnService({
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
    });
    try {
      const stream = await postSse(service.url, ADMIN_KEY, {
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(stream.status).toBe(200);
      expect(stream.frames.at(-1)).toBe('[DONE]');
      const receipt = await fetch(`${service.url}/admin/routing-log?limit=5`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(((await receipt.json()) as { items: { outcome: string }[] }).items.map((r) => r.outcome)).toEqual(['completed']);
    } finally {
      service.proc.kill('SIGTERM');
      expect((await service.exited).code).toBe(0);
      const relocated = /cluster for DATA_DIR \S+ lives in (\S+) /.exec(service.output())?.[1];
      if (relocated) {
        expect(existsSync(join(relocated, 'PG_VERSION'))).toBe(true);
        rmSync(relocated, { recursive: true, force: true });
        rmSync(`${relocated}.data-dir`, { force: true });
      }
      // As root the postgres user cannot enter the private directory, so the cluster must have moved.
      expect(relocated !== undefined).toBe(asRoot);
      if (!asRoot) expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    }
  });

  it('runs binaries installed under a mode-700 directory (a clone in root’s home) from a copy the server can reach', async () => {
    const project = mkdtempSync(join(tmpdir(), 'tally-clone-'));
    const runtimeRoot = mkdtempSync(join(tmpdir(), 'tally-runtime-'));
    chmodSync(runtimeRoot, 0o755);
    const lines: string[] = [];
    try {
      cpSync(await packagedNative(), join(project, 'native'), { recursive: true, verbatimSymlinks: true });
      const db = await startEmbeddedPostgres(
        join(project, 'data'),
        'tally',
        { info: (line) => lines.push(line), debug: () => undefined },
        { binaries: join(project, 'native'), runtimeRoot },
      );
      try {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
        await client.end();
        expect(rows[0].server_version).toMatch(/^\d+\.\d+/);
        if (asRoot) {
          expect(lines.join('\n')).toMatch(new RegExp(`runs from ${runtimeRoot}/postgres-\\d+`));
          expect(db.clusterDir.startsWith(join(runtimeRoot, 'clusters'))).toBe(true);
        } else {
          expect(lines).toEqual([]);
          expect(db.clusterDir).toBe(join(project, 'data', 'pg'));
        }
      } finally {
        await db.destroy();
      }
      expect(existsSync(db.clusterDir)).toBe(false);
    } finally {
      rmSync(project, { recursive: true, force: true });
      rmSync(runtimeRoot, { recursive: true, force: true });
    }
  });

  it('refuses a cluster from an incompatible PostgreSQL version with one line naming both versions', async () => {
    const open = mkdtempSync(join(tmpdir(), 'tally-oldpg-'));
    chmodSync(open, 0o755);
    try {
      mkdirSync(join(open, 'data', 'pg'), { recursive: true });
      writeFileSync(join(open, 'data', 'pg', 'PG_VERSION'), '9.6\n');
      // As root, a cluster belongs to the postgres user.
      if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', join(open, 'data', 'pg')]);
      const { code, output } = await failedStart({ DATA_DIR: join(open, 'data'), GATEWAY_CONFIG: join(dir, 'gateway.yaml') });
      expect(code).toBe(1);
      expect(output.trim()).toMatch(
        /^Tally cannot start: embedded PostgreSQL cannot start: \S+ holds a PostgreSQL 9\.6 cluster, and this Tally ships PostgreSQL \d+\.\d+\. Dump it/,
      );
      expect(output).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('refuses a DATA_DIR whose cluster another live server is running', async () => {
    const shared = join(dir, 'shared');
    const owner = await startEmbeddedPostgres(shared, 'tally');
    try {
      const { code, output } = await failedStart({ DATA_DIR: shared, GATEWAY_CONFIG: join(dir, 'gateway.yaml') });
      expect(code).toBe(1);
      expect(output.trim()).toMatch(
        /^Tally cannot start: embedded PostgreSQL cannot start: the cluster in \S+ is in use by another server \(postgres pid \d+\)\. Stop the other Tally/,
      );
      // The owner was not touched.
      const client = new pg.Client({ connectionString: owner.url });
      await client.connect();
      await client.end();
    } finally {
      await owner.destroy();
    }
  });

  it('names a port that another server holds', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    const runtimeRoot = mkdtempSync(join(tmpdir(), 'tally-runtime-'));
    chmodSync(runtimeRoot, 0o755);
    try {
      const attempt = startEmbeddedPostgres(join(dir, 'port'), 'tally', undefined, { port, runtimeRoot });
      await expect(attempt).rejects.toThrow(EmbeddedDatabaseError);
      await expect(attempt).rejects.toThrow(/its port is in use by another server/);
    } finally {
      squatter.close();
      rmSync(runtimeRoot, { recursive: true, force: true });
    }
  });

  it('names binaries that cannot be run instead of emitting an unhandled error event', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'tally-broken-'));
    try {
      cpSync(await packagedNative(), join(broken, 'native'), { recursive: true, verbatimSymlinks: true });
      chmodSync(join(broken, 'native', 'bin', 'postgres'), 0o644);
      await expect(
        startEmbeddedPostgres(join(broken, 'data'), 'tally', undefined, {
          binaries: join(broken, 'native'),
          runtimeRoot: broken,
        }),
      ).rejects.toThrow(/embedded PostgreSQL cannot start: \S+\/bin\/postgres does not run\. Reinstall/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('reads a full disk, a held lock and a permission problem out of what the server prints', () => {
    const cases: [string, RegExp][] = [
      [
        'FATAL:  could not write to file "pg_wal/xlogtemp.41": No space left on device',
        /the disk holding \/c is full\. Free some space/,
      ],
      ['initdb: error: could not write file "/c/base/1/1249": No space left on device', /the disk holding \/c is full/],
      [
        'LOG:  could not bind IPv4 address "127.0.0.1": Address already in use\nHINT:  Is another postmaster already running on port 5432?',
        /its port is in use by another server/,
      ],
      [
        'FATAL:  lock file "postmaster.pid" already exists\nHINT:  Is another postmaster (PID 4242) running in data directory "/c"?',
        /the cluster in \/c is in use by another server \(postgres pid 4242\)/,
      ],
      [
        'FATAL:  database files are incompatible with server\nDETAIL:  The data directory was initialized by PostgreSQL version 16, which is not compatible with this version 18.4.',
        /\/c holds a PostgreSQL 16 cluster, and this Tally ships PostgreSQL 18\.4/,
      ],
      [
        'initdb: error: could not access directory "/c": Permission denied',
        /permission denied in \/c: initdb: error: could not access/,
      ],
    ];
    for (const [output, expected] of cases) expect(classifyServerOutput(output, '/c')?.message).toMatch(expected);
    expect(classifyServerOutput('LOG:  checkpoint starting: time', '/c')).toBeUndefined();
  });
});
