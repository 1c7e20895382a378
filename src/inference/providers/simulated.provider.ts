import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { z } from 'zod';
import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequestBody, Usage } from '../openai.types.js';
import type { ChatProvider } from './chat-provider.js';

const optionsSchema = z
  .object({
    ttft_ms: z.number().min(0).default(20),
    chunk_ms: z.number().min(0).default(5),
    tokens_per_chunk: z.number().int().min(1).default(2),
    max_reply_tokens: z.number().int().min(1).default(256),
  })
  .strict();

function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    return message.content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

const LONG_WORD = /\S{64,}/g;

/**
 * o200k token count. BPE is quadratic in the length of one unbroken "word", so runs of 64+
 * non-space characters are counted in 64-character slices: linear time, exact for ordinary text.
 */
export function countTokens(text: string): number {
  let count = 0;
  let last = 0;
  for (const match of text.matchAll(LONG_WORD)) {
    count += encode(text.slice(last, match.index)).length;
    for (let i = 0; i < match[0].length; i += 64) count += encode(match[0].slice(i, i + 64)).length;
    last = match.index + match[0].length;
  }
  return count + encode(text.slice(last)).length;
}

/** Prompt tokens the way OpenAI counts chat input: content tokens plus 3 per message and 3 for the reply. */
export function countPromptTokens(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 3 + countTokens(m.role) + countTokens(messageText(m)), 3);
}

/**
 * A built-in offline model: a deterministic reply derived from the last user message, tokenised with
 * the o200k tokenizer so usage is real, streamed with configurable time-to-first-token and pacing.
 */
export class SimulatedProvider implements ChatProvider {
  readonly name: string;
  private readonly options: z.infer<typeof optionsSchema>;

  constructor(config: ProviderConfig) {
    this.name = config.name;
    this.options = optionsSchema.parse(config.options);
  }

  static validateOptions(options: unknown): string | undefined {
    const result = optionsSchema.safeParse(options);
    return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  }

  private reply(body: ChatRequestBody): { tokens: number[]; finish: 'stop' | 'length'; usage: Usage } {
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
    const said = lastUser ? messageText(lastUser).replace(/\s+/g, ' ').trim() : '';
    const text =
      `This is ${body.model}, Tally's simulated model. ` +
      (said ? `You said: "${said.length > 280 ? `${said.slice(0, 280)}…` : said}". ` : '') +
      'No provider was called; configure one in config/gateway.yaml to get real answers.';
    const limit = Math.min(
      this.options.max_reply_tokens,
      body.max_completion_tokens ?? body.max_tokens ?? Number.POSITIVE_INFINITY,
    );
    const all = encode(text);
    const tokens = all.slice(0, limit);
    const prompt = countPromptTokens(body.messages);
    return {
      tokens,
      finish: tokens.length < all.length ? 'length' : 'stop',
      usage: {
        prompt_tokens: prompt,
        completion_tokens: tokens.length,
        total_tokens: prompt + tokens.length,
      },
    };
  }

  async complete(body: ChatRequestBody, signal: AbortSignal): Promise<ChatCompletion> {
    const { tokens, finish, usage } = this.reply(body);
    await sleep(this.options.ttft_ms, undefined, { signal });
    return {
      id: `chatcmpl-${randomUUID().replace(/-/g, '')}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: decode(tokens) }, finish_reason: finish }],
      usage,
    };
  }

  async *stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const { tokens, finish, usage } = this.reply(body);
    const base = {
      id: `chatcmpl-${randomUUID().replace(/-/g, '')}`,
      object: 'chat.completion.chunk' as const,
      created: Math.floor(Date.now() / 1000),
      model: body.model,
    };
    await sleep(this.options.ttft_ms, undefined, { signal });
    yield {
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    };
    // Decode cumulatively so a multi-byte character split across tokens is never emitted half-formed.
    let sent = '';
    for (let i = 0; i < tokens.length; i += this.options.tokens_per_chunk) {
      if (i > 0) await sleep(this.options.chunk_ms, undefined, { signal });
      const text = decode(tokens.slice(0, i + this.options.tokens_per_chunk));
      const safe = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
      if (safe.length > sent.length) {
        yield {
          ...base,
          choices: [{ index: 0, delta: { content: safe.slice(sent.length) }, finish_reason: null }],
        };
        sent = safe;
      }
    }
    const full = decode(tokens);
    if (full.length > sent.length) {
      yield {
        ...base,
        choices: [{ index: 0, delta: { content: full.slice(sent.length) }, finish_reason: null }],
      };
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] };
    yield { ...base, choices: [], usage };
  }
}
