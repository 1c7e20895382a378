import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** One spooled insert: which durable table, and the row as JSON. */
export interface SpoolRecord {
  kind: string;
  row: Record<string, unknown>;
}

const ACTIVE = 'spool.jsonl';

/**
 * An fsync'd append-only spool of rows the database could not take. Appends go to `spool.jsonl`;
 * the replayer renames it to `replay-<n>.jsonl` (atomic) and replays closed files in order, so
 * appends and replay never touch the same file. Files survive restarts; a torn last line (the
 * process died mid-append, so the row was never acknowledged) is skipped.
 */
export class Spool {
  private pending = 0;
  private sequence = Date.now();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.pending = this.files().reduce((n, file) => n + this.read(file).length, 0);
  }

  /** Records waiting to be replayed. */
  get depth(): number {
    return this.pending;
  }

  /** Appends and fsyncs; the rows are durable when this returns. Synchronous so appends never interleave. */
  append(records: SpoolRecord[]): void {
    if (records.length === 0) return;
    const text = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const fd = openSync(join(this.dir, ACTIVE), 'a', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.pending += records.length;
  }

  /** Closed files to replay, oldest first, after sealing the active file. */
  seal(): string[] {
    const active = join(this.dir, ACTIVE);
    try {
      if (statSync(active).size > 0)
        renameSync(active, join(this.dir, `replay-${String(++this.sequence).padStart(16, '0')}.jsonl`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return this.files().filter((f) => f.startsWith('replay-'));
  }

  read(file: string): SpoolRecord[] {
    const records: SpoolRecord[] = [];
    for (const line of readFileSync(join(this.dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as SpoolRecord);
      } catch {
        // torn final line from a crash mid-append: never acknowledged, so nothing was promised
      }
    }
    return records;
  }

  /** Drops a file once all its rows are committed. */
  done(file: string, count: number): void {
    unlinkSync(join(this.dir, file));
    this.pending = Math.max(0, this.pending - count);
  }

  /** Closed files oldest first (their sequence is zero-padded, so code-unit order is age), then the active one. */
  private files(): string[] {
    const names = readdirSync(this.dir);
    const replays = names.filter((f) => f.startsWith('replay-') && f.endsWith('.jsonl')).sort();
    return names.includes(ACTIVE) ? [...replays, ACTIVE] : replays;
  }
}
