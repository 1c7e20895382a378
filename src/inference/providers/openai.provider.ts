import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from '../openai.types.js';
import type { ChatProvider } from './chat-provider.js';
import { ProviderError } from './provider-error.js';
import { UpstreamHttp } from './upstream-http.js';

/** OpenAI's Chat Completions over HTTP; also vLLM, llama.cpp server, LM Studio, OpenRouter. */
export class OpenAiProvider implements ChatProvider {
  readonly name: string;

  private readonly http: UpstreamHttp;

  constructor(private readonly config: ProviderConfig) {
    this.name = config.name;
    this.http = new UpstreamHttp(config, new URL(`${config.baseUrl}/chat/completions`));
  }

  async complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const exchange = this.http.begin(signal);
    try {
      const { stream_options: _unused, ...rest } = body;
      const res = await exchange.post(this.headers(), { ...rest, stream: false });
      const parsed = (await exchange.readJson(res)) as ChatCompletion;
      if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.choices)) {
        throw new ProviderError('protocol', `${this.name} returned a body without choices`, this.name, res.statusCode);
      }
      if (!parsed.model) parsed.model = body.model;
      return parsed;
    } catch (error) {
      throw exchange.classify(error);
    } finally {
      exchange.close();
    }
  }

  async *stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const exchange = this.http.begin(signal);
    const streamOptions = { ...(body.stream_options ?? {}), include_usage: true };
    let sawDone = false;
    try {
      const res = await exchange.post(this.headers(), { ...body, stream: true, stream_options: streamOptions });
      let finished = false;
      for await (const event of exchange.events(res)) {
        if (sawDone) continue;
        if (event.data === '[DONE]') {
          // Read on to the end of the response (briefly) so its connection can return to the pool.
          sawDone = true;
          exchange.settle();
          continue;
        }
        const chunk = this.parseChunk(event.data);
        if (chunk.choices.some((c) => c.finish_reason)) finished = true;
        yield chunk;
      }
      // Some servers omit [DONE]; a stream that also never finished a choice was cut short.
      if (!sawDone && !finished) throw new ProviderError('protocol', `${this.name} stream ended before completion`, this.name);
    } catch (error) {
      // After [DONE] the answer is complete: a server slow to end the response only costs its socket.
      if (sawDone) return;
      throw exchange.classify(error);
    } finally {
      exchange.close();
    }
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    return headers;
  }

  private parseChunk(data: string): ChatCompletionChunk {
    let chunk: ChatCompletionChunk & { error?: { message?: string; type?: string; code?: string } };
    try {
      chunk = JSON.parse(data);
    } catch {
      throw new ProviderError('protocol', `${this.name} sent a malformed stream frame`, this.name);
    }
    if (!chunk || typeof chunk !== 'object') {
      throw new ProviderError('protocol', `${this.name} sent a malformed stream frame`, this.name);
    }
    if (chunk.error) {
      throw new ProviderError(
        'http',
        chunk.error.message ? String(chunk.error.message).slice(0, 500) : `${this.name} reported an error mid-stream`,
        this.name,
        502,
        chunk.error.type,
        chunk.error.code ? String(chunk.error.code) : undefined,
      );
    }
    if (!Array.isArray(chunk.choices)) {
      throw new ProviderError('protocol', `${this.name} sent a stream frame without choices`, this.name);
    }
    return chunk;
  }
}
