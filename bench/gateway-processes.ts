/**
 * The two gateways `npm run bench:gateway` compares, each as its own process, the way it runs in
 * production: Tally built to plain JavaScript (`bench/tsconfig.tally.json`, emit only, into
 * bench/.cache/tally-build) and started with `node …/src/main.js`, so no TypeScript loader sits in its
 * memory or CPU; and Portkey's open-source gateway (`@portkey-ai/gateway`, pinned below), installed on
 * demand into bench/.cache/portkey (not a dependency of Tally) and started with `--headless`, with
 * bench/portkey-fetch-shim.mjs preloaded (its streams fail on this Node without it; see that file).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres.js';

const ROOT = join(import.meta.dirname, '..');
const CACHE = join(import.meta.dirname, '.cache');
export const PORTKEY_VERSION = '1.15.2';
const PORTKEY_DIR = join(CACHE, 'portkey');
const PORTKEY_ENTRY = join(PORTKEY_DIR, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');

export interface GatewayProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Output so far (for failures). */
  output(): string;
  /** SIGTERM, then waits for the exit (a CPU profile is written on exit). */
  stop(): Promise<void>;
}

async function waitReady(child: ChildProcess, url: string, output: () => string, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited during start-up:\n${output()}`);
    try {
      const res = await fetch(url);
      await res.text();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not start within 60 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function launch(
  what: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
  ready: string,
  ipc = false,
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const output = () => out;
  return waitReady(child, ready, output, what).then(() => ({
    url,
    pid: child.pid!,
    child,
    output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  }));
}

/** Compiles src/ and migrations/ to plain JavaScript (no type check: `npm run typecheck` does that). */
export function buildTally(): void {
  const started = performance.now();
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(import.meta.dirname, 'tsconfig.tally.json')],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  console.log(`built Tally into bench/.cache/tally-build in ${Math.round(performance.now() - started)} ms`);
}

/**
 * Builds Tally as it was at a git commit (`ref`) into bench/.cache/ab-base (its src/, migrations/ and
 * tsconfigs from `git archive`, compiled the same way) and returns its entry point. It resolves its
 * packages from this checkout's node_modules, so compare trees whose lockfiles agree.
 */
export function buildTallyAt(ref: string): string {
  const dir = join(CACHE, 'ab-base');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync(
    'git',
    ['archive', '--format=tar', ref, 'src', 'migrations', 'tsconfig.json', 'bench/tsconfig.tally.json'],
    {
      cwd: ROOT,
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'bench', 'tsconfig.tally.json')],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  console.log(`built Tally at ${ref} into bench/.cache/ab-base`);
  return join(dir, 'bench', '.cache', 'tally-build', 'src', 'main.js');
}

export interface TallyOptions {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly gatewayConfig: string;
  readonly adminKey: string;
  /** `node --cpu-prof` into this directory (the whole life of the process). */
  readonly profileDir?: string;
  /** Extra environment (e.g. OTEL_EXPORTER_OTLP_ENDPOINT for BENCH_OTLP=1). */
  readonly env?: Record<string, string>;
  /** Node flags before the entry point (e.g. `--import` of bench/memory-probe.mjs, which answers over an IPC channel). */
  readonly nodeArgs?: readonly string[];
  /** Opens an IPC channel to the process (`child.send`). */
  readonly ipc?: boolean;
  /** Another build's entry point (bench:ab's base), instead of bench/.cache/tally-build/src/main.js. */
  readonly entry?: string;
}

/** The Node flags `npm start` runs Tally with (package.json's start script), so the bench runs it the same way. */
export function productionNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [node, ...args] = scripts.start.split(/\s+/);
  if (node !== 'node' || args.at(-1) !== 'dist/src/main.js') throw new Error(`unexpected start script: ${scripts.start}`);
  return args.slice(0, -1);
}

/** Starts `node bench/.cache/tally-build/src/main.js` (the production entry point, with `npm start`'s flags) and waits for /health. */
export async function startTally(options: TallyOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const { NODE_OPTIONS: _omit, ...parentEnv } = process.env;
  const env = {
    ...parentEnv,
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    GATEWAY_CONFIG: options.gatewayConfig,
    ADMIN_API_KEY: options.adminKey,
    // As shipped: info, JSON lines (one per HTTP request, one per completion) to a pipe the bench drains.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    LOG_FORMAT: 'json',
    PORT: String(port),
    HOST: '127.0.0.1',
    ...options.env,
  };
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const url = `http://127.0.0.1:${port}`;
  const args = [
    ...profile,
    ...productionNodeFlags(),
    ...(options.nodeArgs ?? []),
    options.entry ?? join(CACHE, 'tally-build', 'src', 'main.js'),
  ];
  return launch('Tally', args, env, url, `${url}/health`, options.ipc);
}

/** The models of the benchmarks' gateway.yaml: the same upstream as a tier-1 and as a tier-4 provider. */
export const BENCH_MODEL = 'bench-model';
export const BENCH_MODEL_T4 = 'bench-model-t4';

/**
 * The gateway.yaml every gateway benchmark runs Tally with: one fake upstream as a tier-1 provider
 * (anonymization gated off) and a tier-4 one (on), and limits far above any load the bench offers.
 */
export const benchGatewayYaml = (upstream: string) => `providers:
  - name: bench-upstream
    type: openai_compatible
    base_url: ${upstream}
    tier: 1
    timeout_s: 30
    models: [${BENCH_MODEL}]
  - name: bench-upstream-t4
    type: openai_compatible
    base_url: ${upstream}
    tier: 4
    timeout_s: 30
    models: [${BENCH_MODEL_T4}]
anonymization:
  enabled: true
  apply_at_tiers: [3, 4, 5]
limits:
  rate_per_key: { requests_per_minute: 100000000, burst: 1000000 }
  concurrent_streams_per_key: 100000
`;

/** Creates a member user through Tally's admin API; its key is what the load client sends. */
export async function createBenchUser(
  url: string,
  adminKey: string,
  label: string,
): Promise<{ user: { id: string }; api_key: { key: string } }> {
  const created = await fetch(`${url}/admin/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${label}-${Date.now()}@example.com`, role: 'member' }),
  });
  if (created.status !== 201) throw new Error(`create user: ${created.status} ${await created.text()}`);
  return (await created.json()) as { user: { id: string }; api_key: { key: string } };
}

/** Installs the pinned Portkey gateway into bench/.cache/portkey unless it is there already. */
export function ensurePortkey(): void {
  if (existsSync(PORTKEY_ENTRY)) return;
  console.log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into bench/.cache/portkey (once)…`);
  // Its postinstall (patch-package) has no patches in the published package; npm 11 skips it anyway.
  execFileSync(
    'npm',
    ['install', '--prefix', PORTKEY_DIR, '--no-save', '--no-audit', '--no-fund', `@portkey-ai/gateway@${PORTKEY_VERSION}`],
    { stdio: 'inherit' },
  );
}

/** Starts Portkey's gateway (`--headless`: no log UI, no per-request log fan-out) on a free port. */
export async function startPortkey(profileDir?: string): Promise<GatewayProcess> {
  ensurePortkey();
  const port = await freePort();
  const { NODE_OPTIONS: _omit, ...parentEnv } = process.env;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const url = `http://127.0.0.1:${port}`;
  return launch(
    'Portkey',
    [...profile, '--import', join(import.meta.dirname, 'portkey-fetch-shim.mjs'), PORTKEY_ENTRY, `--port=${port}`, '--headless'],
    { ...parentEnv, NODE_ENV: 'production' },
    url,
    `${url}/`,
  );
}

/** The headers that route a Portkey request to an OpenAI-compatible upstream (its "custom host"). */
export function portkeyHeaders(upstreamBaseUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamBaseUrl };
}
