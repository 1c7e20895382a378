import { authHeaders, errorFrom } from '../api/client.js';
import { readSse } from '../api/sse.js';
import type { Message, TurnStreamEvent } from '../api/types.js';

export interface TurnRequest {
  content: string;
  model: string;
  anonymize: boolean;
  minimum_inference_tier?: number;
}

export interface TurnError {
  code: string;
  message: string;
  /** The HTTP status when the turn was refused or failed before streaming (403, 502...), else null. */
  status: number | null;
}

export interface TurnHandlers {
  onStart(ids: { messageId: string; userMessageId: string }): void;
  onDelta(text: string): void;
  onComplete(message: Message): void;
  onError(error: TurnError): void;
}

/** What the stream ended with: `[DONE]` read (the row and the message are committed), and the answer's id. */
export interface TurnResult {
  done: boolean;
  messageId: string | null;
  failed: boolean;
}

/**
 * Sends one streamed turn (`POST /chats/:id/messages`, `stream: true`) and reports its frames as they
 * arrive. Errors before the stream started come back as an HTTP status with the envelope.
 */
export async function streamTurn(
  chatId: string,
  body: TurnRequest,
  handlers: TurnHandlers,
  signal: AbortSignal,
): Promise<TurnResult> {
  const result: TurnResult = { done: false, messageId: null, failed: false };
  const fail = (error: TurnError) => {
    result.failed = true;
    handlers.onError(error);
  };
  let res: Response;
  try {
    res = await fetch(`/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  } catch (error) {
    fail(abortOr(error, 'The server could not be reached.'));
    return result;
  }
  if (!res.ok || !res.body) {
    const error = await errorFrom(res);
    const id = error.details.message_id;
    if (typeof id === 'string') result.messageId = id;
    fail({ code: error.code, message: error.message, status: res.status });
    return result;
  }
  try {
    await readSse(res.body, (data) => {
      if (data === '[DONE]') {
        result.done = true;
        return;
      }
      let event: TurnStreamEvent;
      try {
        event = JSON.parse(data) as TurnStreamEvent;
      } catch {
        return;
      }
      switch (event.type) {
        case 'start':
          result.messageId = event.message_id;
          handlers.onStart({ messageId: event.message_id, userMessageId: event.user_message_id });
          break;
        case 'delta':
          handlers.onDelta(event.content);
          break;
        case 'complete':
          handlers.onComplete(event.message);
          break;
        case 'error':
          fail({ code: event.error.code, message: event.error.message, status: null });
          break;
      }
    });
  } catch (error) {
    fail(abortOr(error, 'The connection was lost before the answer finished.'));
  }
  if (!result.done && !result.failed) fail({ code: 'incomplete', message: 'The stream ended before it finished.', status: null });
  return result;
}

function abortOr(error: unknown, message: string): TurnError {
  if ((error as Error)?.name === 'AbortError') return { code: 'client_closed', message: 'Stopped.', status: null };
  return { code: 'network_error', message, status: null };
}
