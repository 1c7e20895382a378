/**
 * The helper processes the gateway benchmarks share (bench:gateway, bench:ab): the fake upstream, the
 * do-nothing proxy (the floor), and one load-client process per measured run. Each is its own process,
 * so none shares an event loop with a gateway.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ClientJob, ClientResult } from '../gateway-client.js';

const BENCH = join(import.meta.dirname, '..');
/** Helpers written in TypeScript run under the swc loader, without the parent's NODE_OPTIONS. */
export const CHILD_EXEC_ARGV = ['--import', '@swc-node/register/esm-register'];
export const CHILD_ENV = { ...process.env, NODE_OPTIONS: '', BENCH_CHUNKS: process.env.BENCH_CHUNKS ?? '20' };

export interface Upstream {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  stats(): Promise<{ served: number; connections: number }>;
  stop(): Promise<void>;
}

/** A helper process of the bench: forked, ready once it sends its first IPC message, stopped by 'stop'. */
export function forkHelper<M>(
  file: string,
  args: string[],
  execArgv: string[],
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<{ child: ChildProcess; ready: M; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = fork(file, args, { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${what} exited ${code} before listening`)));
    child.once('message', (ready: M) => {
      child.removeAllListeners('exit');
      const stop = () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.send('stop');
        });
      resolve({ child, ready, stop });
    });
  });
}

/** The do-nothing node:http proxy in front of the upstream (the `floor` target), plain node like production. */
export async function startFloor(
  upstreamBaseUrl: string,
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const file = join(import.meta.dirname, 'node-proxy.mjs');
  const { child, ready, stop } = await forkHelper<{ url: string }>(
    file,
    [upstreamBaseUrl],
    [],
    { ...process.env, NODE_OPTIONS: '' },
    'node proxy',
  );
  return { url: ready.url, child, stop };
}

export async function startUpstream(): Promise<Upstream> {
  const file = join(BENCH, 'gateway-upstream.ts');
  const { child, ready, stop } = await forkHelper<{ baseUrl: string }>(file, [], CHILD_EXEC_ARGV, CHILD_ENV, 'upstream');
  return {
    baseUrl: ready.baseUrl,
    child,
    stats: () =>
      new Promise((answer) => {
        child.once('message', answer);
        child.send('stats');
      }),
    stop,
  };
}

/** Runs one client process; `onWarm` runs between its warm-up and its measured requests. */
export function runClient(job: ClientJob, onWarm: () => Promise<void>): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(BENCH, 'gateway-client.ts'), [], {
      execArgv: CHILD_EXEC_ARGV,
      env: CHILD_ENV,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: ClientResult | undefined;
    child.on('error', reject);
    child.on('message', (message: { type: 'warm' } | ClientResult) => {
      if (message.type === 'warm') {
        onWarm().then(
          () => child.send('go'),
          (error) => {
            child.kill();
            reject(error);
          },
        );
      } else result = message;
    });
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`client exited ${code} without a result`))));
    child.send(job);
  });
}
