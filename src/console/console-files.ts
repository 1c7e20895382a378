import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** One built file, kept in memory with its gzip form (the whole console is a few hundred KB). */
export interface ConsoleFile {
  readonly body: Buffer;
  readonly gzip: Buffer | null;
  readonly type: string;
  /** Under `assets/`: Vite put a content hash in the name, so it may be cached for ever. */
  readonly immutable: boolean;
}

/**
 * The console's built output (`web/` built by Vite into `CONSOLE_DIR`), read once at start-up: serving
 * never touches the disk, and a missing build is reported once instead of per request.
 */
export class ConsoleFiles {
  private readonly files = new Map<string, ConsoleFile>();

  constructor(readonly dir: string) {
    if (!existsSync(join(dir, 'index.html'))) return;
    for (const path of walk(dir)) {
      const name = relative(dir, path).split(sep).join('/');
      const body = readFileSync(path);
      const type = TYPES[extname(name)] ?? 'application/octet-stream';
      const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 1024;
      this.files.set(name, {
        body,
        gzip: compressible ? gzipSync(body, { level: 9 }) : null,
        type,
        immutable: name.startsWith('assets/'),
      });
    }
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  /** A file by its path relative to the build root (`assets/index-Ab12.js`), or undefined. */
  get(name: string): ConsoleFile | undefined {
    return this.files.get(name);
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
