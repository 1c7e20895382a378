import type { ServerResponse } from 'node:http';

/** Resolves once `res` can take more bytes: at once when it can, else on `drain` (or `close`, when the caller sees `res.destroyed`). */
export function whenWritable(res: ServerResponse): Promise<void> {
  if (!res.writableNeedDrain || res.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
