import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Spool } from '../../src/durability/spool.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('Spool', () => {
  it('seals the active file behind the closed ones and hands them out oldest first, ignoring other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-spool-'));
    dirs.push(dir);
    const record = (n: number) => `${JSON.stringify({ kind: 'routing_log', row: { n } })}\n`;
    // Written out of order; a sequence of more digits sorts by age only because it is zero-padded.
    writeFileSync(join(dir, 'replay-0000000000000010.jsonl'), record(10));
    writeFileSync(join(dir, 'replay-0000000000000002.jsonl'), record(2));
    writeFileSync(join(dir, 'notes.txt'), 'not a spool file');
    writeFileSync(join(dir, 'spool.jsonl'), record(99));
    const spool = new Spool(dir);
    expect(spool.depth).toBe(3);

    const files = spool.seal();
    expect(files.slice(0, 2)).toEqual(['replay-0000000000000002.jsonl', 'replay-0000000000000010.jsonl']);
    expect(files).toHaveLength(3);
    expect(spool.read(files[2])).toEqual([{ kind: 'routing_log', row: { n: 99 } }]);
    expect(readdirSync(dir)).not.toContain('spool.jsonl');
  });
});
