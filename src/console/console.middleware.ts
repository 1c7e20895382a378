import type { NextFunction, Request, Response } from 'express';
import type { ConsoleFile, ConsoleFiles } from './console-files.js';
import { CONSOLE_HEADERS } from './console-headers.js';

/** The console's one URL prefix. No API route starts with it, so its fallback can never shadow one. */
export const CONSOLE_BASE = '/console/';

/** Sends one built file with the console's headers; gzip when the client takes it. */
export function sendConsoleFile(req: Request, res: Response, file: ConsoleFile, cacheControl: string): void {
  res.set(CONSOLE_HEADERS);
  res.setHeader('Content-Type', file.type);
  res.setHeader('Cache-Control', cacheControl);
  let body = file.body;
  if (file.gzip) {
    res.setHeader('Vary', 'Accept-Encoding');
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      res.setHeader('Content-Encoding', 'gzip');
      body = file.gzip;
    }
  }
  res.setHeader('Content-Length', String(body.length));
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
}

/**
 * GET/HEAD `/` and `/console` redirect to `/console/`; under `/console/`, a built file is served as
 * itself (hashed assets cached for a year), an unknown `assets/` file falls through to the JSON 404,
 * and every other path is a client-side route answered with index.html (never cached). Anything
 * outside the prefix, and every other method, goes on to the API routes untouched.
 */
export function consoleMiddleware(files: ConsoleFiles) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    // originalUrl, not path: Nest may mount middleware under a pattern that Express strips from req.path.
    const path = new URL(req.originalUrl, 'http://console.invalid').pathname;
    if (path === '/' || path === '/console') {
      res.redirect(302, CONSOLE_BASE);
      return;
    }
    if (!path.startsWith(CONSOLE_BASE)) {
      next();
      return;
    }
    if (!files.built) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build:web`.\n');
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(path.slice(CONSOLE_BASE.length));
    } catch {
      next();
      return;
    }
    const file = name.includes('..') ? undefined : files.get(name);
    if (file && name !== 'index.html') {
      sendConsoleFile(req, res, file, file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return;
    }
    if (name.startsWith('assets/')) {
      next();
      return;
    }
    sendConsoleFile(req, res, files.get('index.html')!, 'no-cache');
  };
}
