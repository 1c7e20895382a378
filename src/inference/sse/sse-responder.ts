import type { Response } from 'express';
import type { Observable } from 'rxjs';

/** Resolves when `res` can take more bytes (or is gone), so producers pace themselves to the client. */
export function writable(res: Response): () => Promise<void> {
  return () =>
    res.writableNeedDrain && !res.destroyed
      ? new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        })
      : Promise.resolve();
}

/**
 * Writes an Observable of SSE frames to `res`. A client that goes away is detected on the response
 * (`close` before the response finished) and unsubscribes, which runs the pipeline's `finalize`.
 */
export function respondWithSse(res: Response, frames$: Observable<string>, headers: Record<string, string>): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.flushHeaders();
  const subscription = frames$.subscribe({
    next: (frame) => {
      if (!res.writableEnded) res.write(frame);
    },
    error: () => res.end(),
    complete: () => res.end(),
  });
  res.on('close', () => subscription.unsubscribe());
}
