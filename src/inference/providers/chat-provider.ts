import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from '../openai.types.js';

/**
 * One upstream. `body` is already stripped of gateway fields, with `model` set to the provider-native
 * model. Failures are thrown as ProviderError. A stream yields OpenAI-shaped chunks and never `[DONE]`;
 * returning early from the iterator (or aborting `signal`) releases the upstream connection.
 */
export interface ChatProvider {
  readonly name: string;
  complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion>;
  stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk, void, undefined>;
}
