import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../../src/database/embedded-postgres.js';

export interface ServiceProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly output: () => string;
  /** What the process wrote to stdout alone. */
  readonly stdout: () => string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real service (`src/main.ts`) as its own process, the way `npm start` does, and waits for /health. */
export async function spawnService(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await launchService(env);
  const { proc, url } = service;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`service exited during start-up:\n${service.output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`service did not start within 30 s:\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return service;
}

/** Starts the service process without waiting for it (for start-ups that are meant to fail). */
export async function launchService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const { NODE_OPTIONS: _omit, ...parentEnv } = process.env;
  const proc = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
    cwd: process.cwd(),
    env: { ...parentEnv, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  proc.stdout?.on('data', (d) => {
    output += d;
    stdout += d;
  });
  proc.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { url: `http://127.0.0.1:${port}`, proc, exited, output: () => output, stdout: () => stdout };
}
