import type { ProviderConfig } from '../../config/app-config.js';
import { type ChatCompletion, type ChatCompletionChunk, type ChatRequestBody, UPSTREAM_JSON } from '../openai.types.js';
import { SseParser } from '../sse/sse-parser.js';
import type { ChatProvider } from './chat-provider.js';
import {
  type EmbeddingsProvider,
  type EmbeddingsRequestBody,
  type EmbeddingsResponse,
  float32Base64,
} from './embeddings-provider.js';
import { idsOf, type ModelLister } from './model-lister.js';
import { ProviderError } from './provider-error.js';
import { openAiErrorFields, type PostOptions, UpstreamHttp } from './upstream-http.js';

/**
 * Whether a chunk's JSON text (which parsed to an object) can be forwarded as it is: it starts with its
 * brace and is one line (several `data:` lines join with \n, which would break the client's frame).
 */
function forwardable(json: string): boolean {
  return json.charCodeAt(0) === 123 && json.indexOf('\n') === -1;
}

/**
 * OpenAI's Chat Completions and Embeddings over HTTP; also vLLM, llama.cpp server, LM Studio,
 * OpenRouter. Subclasses change where requests go and how they authenticate (Azure OpenAI), not the
 * wire format.
 */
export class OpenAiProvider implements ChatProvider, EmbeddingsProvider, ModelLister {
  readonly name: string;
  protected readonly http: UpstreamHttp;
  private readonly chatCompletionsUrl: URL;
  private readonly embeddingsUrl: URL;

  constructor(protected readonly config: ProviderConfig) {
    this.name = config.name;
    this.http = new UpstreamHttp(config, `${config.baseUrl}/`);
    this.chatCompletionsUrl = new URL(`${config.baseUrl}/chat/completions`);
    this.embeddingsUrl = new URL(`${config.baseUrl}/embeddings`);
  }

  /** Where a chat completion for `model` (provider-native) is posted. */
  protected chatUrl(_model: string): URL {
    return this.chatCompletionsUrl;
  }

  protected embedUrl(_model: string): URL {
    return this.embeddingsUrl;
  }

  protected authHeaders(): Record<string, string> {
    return this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {};
  }

  /**
   * A stream chunk as the gateway passes it on; `null` drops it (a subclass may drop provider
   * annotations). One that changes a chunk returns a new object, so the upstream text of the old one
   * is not forwarded in its place.
   */
  protected adjustChunk(chunk: ChatCompletionChunk, _model: string): ChatCompletionChunk | null {
    return chunk;
  }

  private postOptions(accept: string): PostOptions {
    return { headers: this.authHeaders(), accept, errorFields: openAiErrorFields };
  }

  async complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const deadline = this.http.deadline(signal);
    try {
      const { stream_options: _unused, ...rest } = body;
      const res = await this.http.post(
        this.chatUrl(body.model),
        { ...rest, stream: false },
        deadline,
        this.postOptions('application/json'),
      );
      const parsed = (await this.http.readJson(res, deadline)) as unknown as ChatCompletion;
      if (!Array.isArray(parsed.choices)) {
        throw new ProviderError('protocol', `${this.name} returned a body without choices`, this.name, res.statusCode);
      }
      if (!parsed.model) parsed.model = body.model;
      return parsed;
    } catch (error) {
      throw this.http.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk[], void, undefined> {
    const deadline = this.http.deadline(signal);
    const streamOptions = { ...(body.stream_options ?? {}), include_usage: true };
    let sawDone = false;
    try {
      const res = await this.http.post(
        this.chatUrl(body.model),
        { ...body, stream: true, stream_options: streamOptions },
        deadline,
        this.postOptions('application/json, text/event-stream'),
      );
      let finished = false;
      yield* this.http.chunks(res, deadline, new SseParser(), (event, batch: ChatCompletionChunk[]) => {
        if (event.data === '[DONE]') {
          sawDone = true;
          return true;
        }
        const parsed = this.parseChunk(event.data);
        const chunk = this.adjustChunk(parsed, body.model);
        if (!chunk) return false;
        // The text says exactly what the chunk holds (unchanged, one line): the pipeline may forward it.
        if (chunk === parsed && forwardable(event.data)) chunk[UPSTREAM_JSON] = event.data;
        if (!finished && chunk.choices.some((c) => c.finish_reason)) finished = true;
        batch.push(chunk);
        return false;
      });
      // Some servers omit [DONE]; a stream that also never finished a choice was cut short.
      if (!sawDone && !finished) throw new ProviderError('protocol', `${this.name} stream ended before completion`, this.name);
    } catch (error) {
      // After [DONE] the answer is complete: a server slow to end the response only costs its socket.
      if (sawDone) return;
      throw this.http.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /** `POST …/embeddings`; the body (including `encoding_format`) goes as given, the answer comes back as sent. */
  async embed(body: EmbeddingsRequestBody, signal: AbortSignal): Promise<EmbeddingsResponse> {
    const deadline = this.http.deadline(signal);
    try {
      const res = await this.http.post(this.embedUrl(body.model), body, deadline, this.postOptions('application/json'));
      const parsed = (await this.http.readJson(res, deadline)) as unknown as EmbeddingsResponse;
      if (!Array.isArray(parsed.data)) {
        throw new ProviderError('protocol', `${this.name} returned embeddings without data`, this.name, res.statusCode);
      }
      if (!parsed.model) parsed.model = body.model;
      if (body.encoding_format === 'base64') {
        // Some OpenAI-compatible servers ignore encoding_format; the client asked for base64 and decodes it.
        for (const entry of parsed.data) {
          if (Array.isArray(entry?.embedding)) entry.embedding = float32Base64(entry.embedding);
        }
      }
      return parsed;
    } catch (error) {
      throw this.http.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /** `GET {base_url}/models`: `{"object":"list","data":[{"id","object":"model","created","owned_by"}]}`. */
  async listModels(signal: AbortSignal): Promise<string[]> {
    const list = await this.http.getJson(new URL(`${this.config.baseUrl}/models`), signal, this.postOptions('application/json'));
    return idsOf(list.data, 'id');
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
