import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { whenWritable } from '../../common/backpressure.js';

/** A Backpressure for the pipeline: waits until `res` can take more, so a slow client slows the upstream read. */
export function writable(res: Response): () => Promise<void> {
  return () => whenWritable(res);
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
  // The headers are committed here; corked, they leave in one write with the frames the subscription
  // emits synchronously (the upstream's first chunk is already in hand) rather than in a write of their own.
  res.cork();
  res.flushHeaders();
  const subscription = frames$.subscribe({
    next: (frame) => {
      if (!res.writableEnded) res.write(frame);
    },
    error: () => res.end(),
    complete: () => res.end(),
  });
  res.uncork();
  res.on('close', () => subscription.unsubscribe());
}
