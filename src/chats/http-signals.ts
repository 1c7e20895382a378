import type { Response } from 'express';

/** Aborts when the client goes away before the response finished (detected on the response). */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client closed'));
  });
  return controller.signal;
}
