import type { Response } from 'express';
import { whenWritable } from '../common/backpressure.js';

/** Bytes gathered before a write, so a large export is not one syscall per line. */
const WRITE_CHUNK = 64 * 1024;

/**
 * Streams batches of items as JSON Lines (one compact object per line, each ending in `\n`), asking
 * for the next batch only once the socket has room: memory stays flat whatever the total size. A
 * failure after the headers went out destroys the response, so a truncated file never looks whole.
 */
export async function respondWithJsonLines(
  res: Response,
  batches: AsyncIterable<readonly unknown[]>,
  headers: Record<string, string>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'application/jsonl');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  let chunk = '';
  try {
    for await (const batch of batches) {
      for (const item of batch) {
        chunk += `${JSON.stringify(item)}\n`;
        if (chunk.length < WRITE_CHUNK) continue;
        const room = res.write(chunk);
        chunk = '';
        if (!room) await whenWritable(res);
        if (res.destroyed) return;
      }
    }
    res.end(chunk);
  } catch (error) {
    res.destroy(error as Error);
  }
}
