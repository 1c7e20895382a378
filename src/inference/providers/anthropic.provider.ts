import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from '../openai.types.js';
import { SseParser } from '../sse/sse-parser.js';
import { AnthropicStreamTranslator } from './anthropic.stream.js';
import {
  type AnthropicRequest,
  DEFAULT_MAX_TOKENS,
  fromAnthropicMessage,
  isAnthropicMessage,
  toAnthropicRequest,
  UntranslatableRequest,
} from './anthropic.translate.js';
import type { ChatProvider } from './chat-provider.js';
import { idsOf, type ModelLister } from './model-lister.js';
import { ProviderError } from './provider-error.js';
import { openAiErrorFields, type PostOptions, type UpstreamErrorFields, UpstreamHttp } from './upstream-http.js';

/** The Messages API version this adapter speaks. */
export const ANTHROPIC_VERSION = '2023-06-01';

const optionsSchema = z
  .object({
    /** `max_tokens` when the request gives neither max_tokens nor max_completion_tokens (Anthropic requires one). */
    default_max_tokens: z.number().int().min(1).default(DEFAULT_MAX_TOKENS),
  })
  .strict();

const now = () => Math.floor(Date.now() / 1000);

/** Anthropic's Messages API (`POST {base_url}/v1/messages`), translated to and from OpenAI's shapes. */
export class AnthropicProvider implements ChatProvider, ModelLister {
  readonly name: string;

  private readonly http: UpstreamHttp;
  private readonly messagesUrl: URL;
  private readonly options: z.infer<typeof optionsSchema>;

  constructor(private readonly config: ProviderConfig) {
    this.name = config.name;
    this.options = optionsSchema.parse(config.options);
    this.http = new UpstreamHttp(config, `${config.baseUrl}/`);
    this.messagesUrl = new URL(`${config.baseUrl}/v1/messages`);
  }

  static validateOptions(options: unknown): string | undefined {
    const result = optionsSchema.safeParse(options);
    return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  }

  async complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const request = this.translate(body, false);
    const deadline = this.http.deadline(signal);
    try {
      const res = await this.http.post(this.messagesUrl, request, deadline, this.postOptions('application/json'));
      const message = await this.http.readJson(res, deadline);
      if (!isAnthropicMessage(message)) {
        throw new ProviderError('protocol', `${this.name} returned a body that is not a message`, this.name, res.statusCode);
      }
      return fromAnthropicMessage(message, { model: body.model, created: now() });
    } catch (error) {
      throw this.http.classify(error, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async *stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk[], void, undefined> {
    const request = this.translate(body, true);
    const deadline = this.http.deadline(signal);
    const translator = new AnthropicStreamTranslator({
      provider: this.name,
      model: body.model,
      created: now(),
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    });
    try {
      const res = await this.http.post(
        this.messagesUrl,
        request,
        deadline,
        this.postOptions('application/json, text/event-stream'),
      );
      yield* this.http.chunks(res, deadline, new SseParser(), (event, batch: ChatCompletionChunk[]) => {
        batch.push(...translator.accept(event));
        return translator.finished;
      });
      const last = translator.end();
      if (last.length > 0) yield last;
    } catch (error) {
      // After message_stop the answer is complete: a server slow to end the response only costs its socket.
      if (translator.finished) return;
      throw translator.failure(this.http.classify(error, deadline));
    } finally {
      deadline.dispose();
    }
  }

  /**
   * `GET {base_url}/v1/models?limit=1000`: `{"data":[{"type":"model","id","display_name","created_at"}],
   * "has_more","first_id","last_id"}`. One page (1000 is the API's maximum; Anthropic serves tens).
   */
  async listModels(signal: AbortSignal): Promise<string[]> {
    const list = await this.http.getJson(
      new URL(`${this.config.baseUrl}/v1/models?limit=1000`),
      signal,
      this.postOptions('application/json'),
    );
    return idsOf(list.data, 'id');
  }

  private translate(body: ChatRequestBody, stream: boolean): AnthropicRequest {
    try {
      return toAnthropicRequest(body, { stream, defaultMaxTokens: this.options.default_max_tokens });
    } catch (error) {
      if (error instanceof UntranslatableRequest) {
        throw new ProviderError('unsupported', `${this.name}: ${error.message}`, this.name);
      }
      throw error;
    }
  }

  /** Anthropic nests its error as OpenAI does (`error.message`, `error.type`); 401/403 are auth errors. */
  private postOptions(accept: string): PostOptions {
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (this.config.apiKey) headers['x-api-key'] = this.config.apiKey;
    return { headers, accept, errorFields: openAiErrorFields, classifyStatus: classifyAnthropicStatus };
  }
}

/**
 * 401/403 are our key. Anthropic's "no such model" is a 404 `not_found_error` whose message names the
 * `model` field (`model: claude-…`): `invalid_model`, as OpenAI's `model_not_found` and Azure's
 * `DeploymentNotFound` are, so one classification holds for every provider.
 */
function classifyAnthropicStatus(status: number, fields: UpstreamErrorFields): { kind: 'auth' | 'http'; code?: string } {
  if (status === 401 || status === 403) return { kind: 'auth' };
  if (status === 404 && fields.type === 'not_found_error' && /^model:/.test(fields.message ?? '')) {
    return { kind: 'http', code: 'model_not_found' };
  }
  return { kind: 'http' };
}
