import { postSse, type SseResult, type TestApp } from './support/test-app.js';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A small JSON client for the chats API of a running test app, as one user. */
export function chatsClient(app: TestApp, key: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').split(';')[0] === 'application/json' && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
  return {
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    del: (path: string) => call('DELETE', path),
    async createChat(body: Record<string, unknown> = {}): Promise<any> {
      const res = await call('POST', '/chats', body);
      if (res.status !== 201) throw new Error(`createChat: ${res.status} ${res.text}`);
      return res.body;
    },
    /** A non-streamed turn. */
    turn: (chatId: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
      call('POST', `/chats/${chatId}/messages`, { stream: false, ...body }, headers),
    /** A streamed turn over a raw socket; `onFrame` may return 'close' to hang up on the spot. */
    streamTurn: (
      chatId: string,
      body: Record<string, unknown>,
      opts: { headers?: Record<string, string>; onFrame?: (data: string, index: number) => 'close' | undefined } = {},
    ): Promise<SseResult> => postSse(app.url, key, { stream: true, ...body }, { ...opts, path: `/chats/${chatId}/messages` }),
    receipts: (chatId: string, query = '') => call<any>('GET', `/chats/${chatId}/receipts${query}`),
  };
}

export type ChatsClient = ReturnType<typeof chatsClient>;

/** The SSE frames of a turn, parsed (`[DONE]` kept as the string). */
export function parseFrames(result: SseResult): any[] {
  return result.frames.map((f) => (f === '[DONE]' ? f : JSON.parse(f)));
}
