import { createRequire } from 'node:module';
import type { LoggerService } from '@nestjs/common';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { AppConfig } from '../config/app-config.js';

export type { Logger as AppLogger } from 'pino';

/** The pino logger of one app instance; injected where a structured line is written. */
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * Top-level keys that must never reach a log line, should a caller pass a request's headers or body
 * by mistake. Top level only: wildcard paths cost ~30 µs a line in fast-redact, more than the rest of
 * the line; the request and completion lines are built field by field and need no redaction.
 */
const REDACT = ['authorization', 'headers', 'body', 'messages', 'prompt', 'content', 'key', 'api_key', 'req', 'res'];

export interface LoggerSetup {
  readonly logger: Logger;
  /** Writes what is still buffered (async destination); call before the process exits. */
  flush(): void;
}

/** Log lines wait at most this long, or until this many bytes are buffered, before they are written. */
const LOG_BATCH_MS = 50;
const LOG_BATCH_BYTES = 4096;

/**
 * One pino logger per app: JSON lines on stdout, or pino-pretty for a person at a terminal. The stdout
 * destination is asynchronous (a slow log reader never blocks the event loop); pino flushes it
 * synchronously on process exit and `flush()` does so on close.
 */
export function createAppLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>, destination?: DestinationStream): LoggerSetup {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (destination) return { logger: pino(options, destination), flush: () => undefined };
  if (config.logFormat === 'pretty') {
    // Required here, not imported: a production process (JSON lines) never loads pino-pretty (~29 modules).
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    const stream = pretty({ colorize: true, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' });
    return { logger: pino(options, stream), flush: () => undefined };
  }
  // Lines are batched here, written once 4 KB are buffered or 50 ms after the first unwritten one,
  // whichever is first — one write(2) for many lines instead of one per line (two lines per completion).
  // The batch is an array joined once and handed to sonic-boom as one string: its own batching
  // (`minLength`) appends line by line to a string and measures that string's byte length at every
  // line, which flattens it each time (~5 kB of garbage per completion). Its `minLength` stays above a
  // batch, so it writes when told (`flush`), and its `flushSync` (pino's exit handler, `flush()` below)
  // takes the lines not yet handed over first.
  const stream = pino.destination({ dest: 1, sync: false, minLength: 2 * LOG_BATCH_BYTES });
  const write = stream.write.bind(stream);
  const flushSync = stream.flushSync.bind(stream);
  let lines: string[] = [];
  let length = 0;
  let pending: NodeJS.Timeout | undefined;
  // Bytes handed over and not yet written. A batch handed over while a write is in flight waits in
  // sonic-boom (below its minLength it does not go on by itself); its 'drain' after that write says so.
  let held = 0;
  stream.on('write', (n: number) => {
    held = n === 0 ? 0 : Math.max(0, held - n);
  });
  stream.on('drain', () => {
    if (held > 0) release();
  });
  const handOver = () => {
    clearTimeout(pending);
    pending = undefined;
    if (lines.length === 0) return;
    const batch = lines.length === 1 ? lines[0] : lines.join('');
    lines = [];
    length = 0;
    held += Buffer.byteLength(batch);
    write(batch);
  };
  const release = () => {
    try {
      handOver();
      stream.flush();
    } catch {
      // destroyed at exit: flushSync has written what there was
    }
  };
  stream.write = (line: string) => {
    lines.push(line);
    length += line.length;
    if (length >= LOG_BATCH_BYTES) release();
    else if (!pending) {
      pending = setTimeout(release, LOG_BATCH_MS);
      pending.unref();
    }
    return true;
  };
  stream.flushSync = () => {
    handOver();
    flushSync();
    held = 0;
  };
  return {
    logger: pino(options, stream),
    flush: () => {
      try {
        stream.flushSync();
      } catch {
        // not yet open or already gone: nothing buffered to lose
      }
    },
  };
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService over pino, so every `new Logger(context)` in src/ writes a structured line
 * (`context` field) through the app's pino logger. Nest passes the context as the last argument and,
 * for errors, a stack before it.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  private write(level: Level, message: unknown, params: unknown[], withStack = false): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = params.length > 0 && typeof params.at(-1) === 'string' ? (params.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (withStack && typeof params[0] === 'string' && params[0].includes('\n')) fields.stack = params[0];
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
