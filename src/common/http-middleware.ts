import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ErrorCode } from './app-error.js';
import { sendError } from './error.filter.js';
import type { TallyRequest } from './request-context.js';

const PRINTABLE_ID = /^[\x21-\x7e]{1,128}$/;
export const MAX_JSON_DEPTH = 64;

/** Accepts the caller's `X-Request-Id` (or `X-Correlation-Id`), else mints one; echoed on every response. */
export function requestIdMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const supplied = [req.headers['x-request-id'], req.headers['x-correlation-id']]
    .map((h) => (Array.isArray(h) ? h[0] : h)?.trim())
    .find((h) => h && PRINTABLE_ID.test(h));
  const requestId = supplied ?? `req_${randomUUID().replace(/-/g, '')}`;
  (req as TallyRequest).requestId = requestId;
  res.setHeader('X-Request-Id', requestId);
  next();
}

/** JSON, or the types `curl -d` and browsers' simple requests send for a JSON text; never multipart. */
function acceptsJson(header: string | undefined): boolean {
  if (!header) return true;
  const type = header.split(';')[0].trim().toLowerCase();
  return (
    type === 'application/json' ||
    (type.startsWith('application/') && type.endsWith('+json')) ||
    type === 'text/plain' ||
    type === 'application/x-www-form-urlencoded'
  );
}

/**
 * Whether a parsed JSON value nests arrays and objects deeper than `limit` — the same count as the
 * brackets of its text — visiting values, not characters, and stopping on the first path past it. A
 * prompt is one string value however long it is, so this costs a few nodes where the text scan costs
 * every character (~39 µs for a 21 kB body, 4.5 × its JSON.parse).
 */
export function valueDepthExceeds(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (valueDepthExceeds(value[i], limit - 1)) return true;
    return false;
  }
  for (const key in value) if (valueDepthExceeds((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/** Deepest bracket nesting of a JSON text, scanning outside strings; stops early past `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const tooDeep = () => new AppError(ErrorCode.InvalidRequest, `Request body nests deeper than ${MAX_JSON_DEPTH} levels.`);

/**
 * Reads the body once, within `maxBytes`, and parses it as strict UTF-8 JSON. Every failure answers
 * with the error envelope here, so no framework default error page can leak out.
 */
export function jsonBodyMiddleware(maxBytes: number) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const method = req.method!.toUpperCase();
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') {
      req.resume();
      next();
      return;
    }
    const fail = (error: AppError) => {
      sendError(res, error);
      req.resume();
    };
    const tooLarge = () =>
      new AppError(ErrorCode.PayloadTooLarge, `Request body exceeds ${maxBytes} bytes.`, {
        limit_bytes: maxBytes,
      });
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      fail(tooLarge());
      return;
    }

    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (part: Buffer) => {
      if (done) return;
      size += part.length;
      if (size > maxBytes) {
        done = true;
        fail(tooLarge());
        return;
      }
      parts.push(part);
    });
    req.on('error', () => {
      done = true;
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      if (size === 0) {
        (req as TallyRequest).parsedBody = undefined;
        return next();
      }
      if (!acceptsJson(req.headers['content-type'])) {
        return fail(new AppError(ErrorCode.InvalidRequest, 'Content-Type must be application/json.'));
      }
      let text: string;
      try {
        text = utf8.decode(Buffer.concat(parts, size));
      } catch {
        return fail(new AppError(ErrorCode.InvalidRequest, 'Request body is not valid UTF-8.'));
      }
      // JSON.parse first (it nests without recursion), then the depth of what it made. A text that does
      // not parse is scanned for its brackets, so a deep one is refused as too deep either way.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) return fail(tooDeep());
        return fail(new AppError(ErrorCode.InvalidRequest, 'Request body is not valid JSON.'));
      }
      if (valueDepthExceeds(parsed, MAX_JSON_DEPTH)) return fail(tooDeep());
      (req as TallyRequest).parsedBody = parsed;
      next();
    });
  };
}
