import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = join(import.meta.dirname, '..');

/** Runs test/support/log-burst.ts and collects the lines on its stdout until `ms` after the first one. */
function burst(lines: number, ms: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'test/support/log-burst.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', BURST: String(lines) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      timer ??= setTimeout(() => {
        child.kill();
        resolve(out.split('\n').filter(Boolean));
      }, ms);
    });
    child.on('error', reject);
    child.on('exit', () => {
      if (!timer) reject(new Error('the child wrote nothing'));
    });
  });
}

describe('log lines batched on stdout', () => {
  it('writes a batch handed over while the previous write was in flight, without waiting for another line', async () => {
    const lines = await burst(8, 1000);
    expect(lines.map((line) => (JSON.parse(line) as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  }, 30_000);
});
