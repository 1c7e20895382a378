import type { Response } from 'express';

/** Bytes gathered before a write, so a large export is not one syscall per line. */
const WRITE_BATCH = 64 * 1024;

/** Resolves when `res` drained, or was closed (then the caller sees `res.destroyed`). */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams `items` as JSON Lines (one compact object per line, each ending in `\n`), reading the next
 * item only when the socket has room: memory stays flat whatever the size. A failure after the
 * headers were sent destroys the response, so a client can never take a truncated file as whole.
 */
export async function respondWithJsonLines(
  res: Response,
  items: AsyncIterable<unknown>,
  headers: Record<string, string>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'application/jsonl');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  let batch = '';
  try {
    for await (const item of items) {
      batch += `${JSON.stringify(item)}\n`;
      if (batch.length < WRITE_BATCH) continue;
      const room = res.write(batch);
      batch = '';
      if (!room) await drained(res);
      if (res.destroyed) return;
    }
    res.end(batch);
  } catch (error) {
    res.destroy(error as Error);
  }
}
