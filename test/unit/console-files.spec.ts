import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ConsoleFiles } from '../../src/console/console-files.js';

describe('ConsoleFiles: small files read at start, bundles on first request, the build’s .gz used', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function build(): string {
    const dir = mkdtempSync(join(tmpdir(), 'console-files-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'assets', 'big-abc.js'), 'console.log(1);\n'.repeat(10_000));
    writeFileSync(join(dir, 'assets', 'other-def.js'), 'let a = 2;\n'.repeat(10_000));
    // A marker instead of a real gzip of the file: proves the precompressed sibling is what is sent.
    writeFileSync(join(dir, 'assets', 'big-abc.js.gz'), gzipSync('precompressed'));
    return dir;
  }

  it('reads a bundle only when first asked for, and keeps it from then on', () => {
    const dir = build();
    const files = new ConsoleFiles(dir);
    expect(files.built).toBe(true);
    rmSync(join(dir, 'index.html'));
    expect(files.get('index.html')?.body.toString()).toContain('<title>x</title>');
    const first = files.get('assets/big-abc.js');
    expect(first?.body.length).toBe(16 * 10_000);
    expect(first?.immutable).toBe(true);
    rmSync(join(dir, 'assets', 'big-abc.js'));
    expect(files.get('assets/big-abc.js')).toBe(first);
    // Never read before it vanished: a lazy file gone from disk is simply not there.
    rmSync(join(dir, 'assets', 'other-def.js'));
    expect(files.get('assets/other-def.js')).toBeUndefined();
  });

  it('uses the build’s .gz as the gzip form, never serves it as a file, and compresses when there is none', () => {
    const dir = build();
    const files = new ConsoleFiles(dir);
    expect(gunzipSync(files.get('assets/big-abc.js')!.gzip!).toString()).toBe('precompressed');
    expect(files.get('assets/big-abc.js.gz')).toBeUndefined();
    expect(gunzipSync(files.get('assets/other-def.js')!.gzip!).toString()).toBe('let a = 2;\n'.repeat(10_000));
    expect(files.get('index.html')?.gzip).toBeNull();
  });

  it('reports a missing build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-files-'));
    dirs.push(dir);
    expect(new ConsoleFiles(dir).built).toBe(false);
  });
});
