import { apiKey } from '../session.js';
import type { ErrorEnvelope } from './types.js';

/** An answer that was not 2xx, with the envelope's stable code (or `network_error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when the server refuses the stored key (401): the shell signs out. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function authHeaders(key = apiKey()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Reads the error envelope of a failed answer into an ApiError. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let envelope: Partial<ErrorEnvelope> | null = null;
  try {
    envelope = (await res.json()) as ErrorEnvelope;
  } catch {
    // not JSON
  }
  const error = envelope?.error;
  return new ApiError(
    res.status,
    error?.code ?? `http_${res.status}`,
    error?.message ?? `The server answered ${res.status}.`,
    (error?.details as Record<string, unknown> | undefined) ?? {},
  );
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Use this key instead of the stored one (sign-in checks a key before storing it). */
  key?: string;
  /** A 401 is the caller's business (sign-in), not a reason to sign out. */
  quiet401?: boolean;
}

/** Sends a request with the key; resolves with the parsed JSON (undefined for 204), rejects with ApiError. */
export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers: {
        ...authHeaders(opts.key ?? apiKey()),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The server could not be reached.');
  }
  if (!res.ok) {
    const error = await errorFrom(res);
    if (res.status === 401 && !opts.quiet401) for (const listener of unauthorizedListeners) listener();
    throw error;
  }
  return res;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** `?a=1&b=2` from the defined, non-empty entries. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
