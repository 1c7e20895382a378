import { randomBytes } from 'node:crypto';
import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from '../openai.types.js';
import type { ChatProvider } from './chat-provider.js';
import {
  type EmbeddingsProvider,
  type EmbeddingsRequestBody,
  type EmbeddingsResponse,
  embeddingsList,
} from './embeddings-provider.js';
import { idsOf, type ModelLister } from './model-lister.js';
import { NdjsonParser } from './ndjson-parser.js';
import {
  fromOllamaChat,
  type OllamaChatChunk,
  OllamaStreamTranslator,
  type TranslationContext,
  toOllamaChatRequest,
  toOllamaEmbedRequest,
} from './ollama.translate.js';
import { ProviderError } from './provider-error.js';
import { type PostOptions, type UpstreamErrorFields, UpstreamHttp } from './upstream-http.js';

/** Ollama's error body is `{"error": "<message>"}`. */
function ollamaErrorFields(parsed: unknown): UpstreamErrorFields {
  const error = (parsed as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? { message: error } : {};
}

/**
 * 401/403 come from a proxy or ollama.com in front of Ollama: our key, an auth error (the reference
 * called them invalid requests). A 404 with Ollama's JSON error is its "model not found"; a bare 404
 * (no JSON) is a wrong base_url and stays an ordinary 4xx.
 */
function classifyOllamaStatus(status: number, fields: UpstreamErrorFields): { kind: 'auth' | 'http'; code?: string } {
  if (status === 401 || status === 403) return { kind: 'auth' };
  if (status === 404 && fields.message) return { kind: 'http', code: 'model_not_found' };
  return { kind: 'http' };
}

const hex = () => randomBytes(12).toString('hex');

/** Ollama's native API: `POST {base_url}/api/chat` (NDJSON streams) and `POST {base_url}/api/embed`. */
export class OllamaProvider implements ChatProvider, EmbeddingsProvider, ModelLister {
  readonly name: string;
  private readonly http: UpstreamHttp;
  private readonly chatUrl: URL;
  private readonly embedUrl: URL;

  constructor(private readonly config: ProviderConfig) {
    this.name = config.name;
    this.http = new UpstreamHttp(config, `${config.baseUrl}/`);
    this.chatUrl = new URL(`${config.baseUrl}/api/chat`);
    this.embedUrl = new URL(`${config.baseUrl}/api/embed`);
  }

  private postOptions(accept: string): PostOptions {
    return {
      // Ollama itself needs no key; one is sent when configured, for a proxy or ollama.com.
      headers: this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {},
      accept,
      errorFields: ollamaErrorFields,
      classifyStatus: classifyOllamaStatus,
    };
  }

  private context(model: string): TranslationContext {
    return {
      provider: this.name,
      model,
      id: `chatcmpl-${hex()}`,
      created: Math.floor(Date.now() / 1000),
      mintToolCallId: () => `call_${hex()}`,
    };
  }

  async complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const deadline = this.http.deadline(signal);
    try {
      const request = toOllamaChatRequest(body, false, this.name);
      const res = await this.http.post(this.chatUrl, request, deadline, this.postOptions('application/json'));
      const answer = (await this.http.readJson(res, deadline)) as OllamaChatChunk;
      if (typeof answer.error === 'string') throw new ProviderError('http', answer.error.slice(0, 500), this.name, 502);
      if (!answer.message || typeof answer.message !== 'object') {
        throw new ProviderError('protocol', `${this.name} returned a body without a message`, this.name, res.statusCode);
      }
      return fromOllamaChat(answer, this.context(body.model));
    } catch (error) {
      throw this.http.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk[], void, undefined> {
    const deadline = this.http.deadline(signal);
    const translator = new OllamaStreamTranslator(this.context(body.model));
    try {
      const request = toOllamaChatRequest(body, true, this.name);
      const res = await this.http.post(
        this.chatUrl,
        request,
        deadline,
        this.postOptions('application/x-ndjson, application/json'),
      );
      yield* this.http.chunks(res, deadline, new NdjsonParser(), (text: string, batch: ChatCompletionChunk[]) => {
        batch.push(...translator.push(this.parseLine(text)));
        return translator.finished;
      });
      if (!translator.finished) throw new ProviderError('protocol', `${this.name} stream ended before completion`, this.name);
    } catch (error) {
      // After the done line the answer is complete: a server slow to end the response only costs its socket.
      if (translator.finished) return;
      throw this.http.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  private parseLine(text: string): OllamaChatChunk {
    let line: OllamaChatChunk;
    try {
      line = JSON.parse(text);
    } catch {
      throw new ProviderError('protocol', `${this.name} sent a malformed stream line`, this.name);
    }
    if (!line || typeof line !== 'object')
      throw new ProviderError('protocol', `${this.name} sent a malformed stream line`, this.name);
    return line;
  }

  /** `GET {base_url}/api/tags`: `{"models":[{"name":"llama3.2:latest","model","modified_at","size","digest","details"}]}`. */
  async listModels(signal: AbortSignal): Promise<string[]> {
    const tags = await this.http.getJson(
      new URL(`${this.config.baseUrl}/api/tags`),
      signal,
      this.postOptions('application/json'),
    );
    return idsOf(tags.models, 'name');
  }

  async embed(body: EmbeddingsRequestBody, signal: AbortSignal): Promise<EmbeddingsResponse> {
    const request = toOllamaEmbedRequest(body, this.name);
    const deadline = this.http.deadline(signal);
    try {
      const res = await this.http.post(this.embedUrl, request, deadline, this.postOptions('application/json'));
      const answer = await this.http.readJson(res, deadline);
      const vectors = answer.embeddings;
      if (!Array.isArray(vectors) || !vectors.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number'))) {
        throw new ProviderError('protocol', `${this.name} returned embeddings that are not lists of numbers`, this.name);
      }
      const model = typeof answer.model === 'string' && answer.model ? answer.model : body.model;
      const promptTokens = typeof answer.prompt_eval_count === 'number' ? answer.prompt_eval_count : 0;
      return embeddingsList(vectors as number[][], model, promptTokens, body.encoding_format);
    } catch (error) {
      throw this.http.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }
}
