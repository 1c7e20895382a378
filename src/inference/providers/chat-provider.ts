import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from '../openai.types.js';

/**
 * One upstream. `body` is already stripped of gateway fields, with `model` set to the provider-native
 * model. Failures are thrown as ProviderError. A stream yields OpenAI-shaped chunks in batches, each
 * batch the chunks that arrived together (one upstream read; never empty), and never `[DONE]`; the
 * pipeline then handles and writes a batch at once rather than chunk by chunk. Returning early from the
 * iterator (or aborting `signal`) releases the upstream connection.
 */
export interface ChatProvider {
  readonly name: string;
  complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion>;
  stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk[], void, undefined>;
}
