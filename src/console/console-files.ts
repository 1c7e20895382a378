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

/** One built file with its gzip form. */
export interface ConsoleFile {
  readonly body: Buffer;
  readonly gzip: Buffer | null;
  readonly type: string;
  /** Under `assets/`: Vite put a content hash in the name, so it may be cached for ever. */
  readonly immutable: boolean;
}

/** Files up to this size are read at start-up; larger ones (the console's and Swagger UI's bundles) on first request. */
const EAGER_BYTES = 64 * 1024;

interface Entry {
  readonly path: string;
  readonly type: string;
  readonly immutable: boolean;
  readonly compressible: boolean;
  loaded?: ConsoleFile;
}

/**
 * The console's built output (`web/` built by Vite into `CONSOLE_DIR`), indexed once at start-up, so a
 * missing build is reported once instead of per request. Small files are read then; the bundles (~1.8 MB,
 * mostly Swagger UI's) on their first request and kept from then on, so a process nobody opens the
 * console on does not hold them. Their gzip form is the `.gz` the build wrote beside them
 * (web/vite.config.ts), else made once here.
 */
export class ConsoleFiles {
  private readonly files = new Map<string, Entry>();

  constructor(readonly dir: string) {
    if (!existsSync(join(dir, 'index.html'))) return;
    for (const path of walk(dir)) {
      const name = relative(dir, path).split(sep).join('/');
      // A precompressed sibling is its file's gzip form, not a file of its own.
      if (name.endsWith('.gz')) continue;
      const type = TYPES[extname(name)] ?? 'application/octet-stream';
      const size = statSync(path).size;
      const entry: Entry = {
        path,
        type,
        immutable: name.startsWith('assets/'),
        compressible: /^(text\/|image\/svg|application\/json)/.test(type) && size > 1024,
      };
      if (size <= EAGER_BYTES) load(entry);
      this.files.set(name, entry);
    }
  }

  get built(): boolean {
    return this.files.get('index.html')?.loaded !== undefined;
  }

  /** A file by its path relative to the build root (`assets/index-Ab12.js`), or undefined (also when it is gone from disk). */
  get(name: string): ConsoleFile | undefined {
    const entry = this.files.get(name);
    if (!entry) return undefined;
    try {
      return entry.loaded ?? load(entry);
    } catch {
      return undefined;
    }
  }
}

function load(entry: Entry): ConsoleFile {
  const body = readFileSync(entry.path);
  let gzip: Buffer | null = null;
  if (entry.compressible) {
    const precompressed = `${entry.path}.gz`;
    gzip = existsSync(precompressed) ? readFileSync(precompressed) : gzipSync(body, { level: 9 });
  }
  entry.loaded = { body, gzip, type: entry.type, immutable: entry.immutable };
  return entry.loaded;
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
