import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequestBody, Usage } from '../openai.types.js';
import type { ChatProvider } from './chat-provider.js';
import {
  type EmbeddingsProvider,
  type EmbeddingsRequestBody,
  type EmbeddingsResponse,
  embeddingsList,
} from './embeddings-provider.js';
import { loadO200k, type O200kTokenizer } from './o200k.js';
import { ProviderError } from './provider-error.js';

const MAX_EMBEDDING_DIMENSIONS = 4096;

let o200k: O200kTokenizer | undefined;
/** The o200k tables (~5 MB, ~0.1 s to read): loaded only when a simulated provider is configured (its constructor). */
function tokenizer(): O200kTokenizer {
  o200k ??= loadO200k();
  return o200k;
}
const encode = (text: string): number[] => tokenizer().encode(text);
const decode = (tokens: readonly number[]): string => tokenizer().decode(tokens);

const optionsSchema = z
  .object({
    ttft_ms: z.number().min(0).default(20),
    chunk_ms: z.number().min(0).default(5),
    tokens_per_chunk: z.number().int().min(1).default(2),
    max_reply_tokens: z.number().int().min(1).default(256),
    embedding_dimensions: z.number().int().min(1).max(MAX_EMBEDDING_DIMENSIONS).default(256),
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

/** o200k token ids, with the same 64-character slicing of long runs as `countTokens` (linear time). */
export function tokenIds(text: string): number[] {
  const ids: number[] = [];
  const append = (piece: string) => {
    for (const id of encode(piece)) ids.push(id); // no spread: a long text has more tokens than call arguments allow
  };
  let last = 0;
  for (const match of text.matchAll(LONG_WORD)) {
    append(text.slice(last, match.index));
    for (let i = 0; i < match[0].length; i += 64) append(match[0].slice(i, i + 64));
    last = match.index + match[0].length;
  }
  append(text.slice(last));
  return ids;
}

/** A 32-bit integer hash (murmur3's finaliser): spreads token ids evenly over the buckets. */
function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A deterministic embedding of a token sequence by feature hashing: each token and each pair of
 * neighbouring tokens adds ±1 (±0.5 for pairs) to a bucket chosen by its hash, and the vector is
 * L2-normalised. Texts that share tokens point the same way, so similarity search behaves plausibly.
 */
export function hashedEmbedding(tokens: readonly number[], dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const add = (feature: number, weight: number) => {
    const h = mix(feature);
    vector[h % dimensions] += h & 0x80000000 ? -weight : weight;
  };
  for (let i = 0; i < tokens.length; i++) {
    add(tokens[i], 1);
    if (i > 0) add(Math.imul(tokens[i - 1] + 1, 0x9e3779b1) ^ tokens[i], 0.5);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** Prompt tokens the way OpenAI counts chat input: content tokens plus 3 per message and 3 for the reply. */
export function countPromptTokens(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 3 + countTokens(m.role) + countTokens(messageText(m)), 3);
}

/**
 * A built-in offline model: a deterministic reply derived from the last user message, tokenised with
 * the o200k tokenizer so usage is real, streamed with configurable time-to-first-token and pacing.
 */
export class SimulatedProvider implements ChatProvider, EmbeddingsProvider {
  readonly name: string;
  private readonly options: z.infer<typeof optionsSchema>;

  constructor(config: ProviderConfig) {
    this.name = config.name;
    this.options = optionsSchema.parse(config.options);
    // Loaded now, not on the first call: that call would wait ~0.3–1.3 s (a rate-limit test saw its bucket refill).
    tokenizer();
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

  /** Deterministic vectors (see `hashedEmbedding`) with real o200k token counts; base64 when asked. */
  async embed(body: EmbeddingsRequestBody, signal: AbortSignal): Promise<EmbeddingsResponse> {
    const dimensions = body.dimensions ?? this.options.embedding_dimensions;
    if (dimensions > MAX_EMBEDDING_DIMENSIONS) {
      throw new ProviderError('http', `dimensions must be at most ${MAX_EMBEDDING_DIMENSIONS}`, this.name, 400);
    }
    const { input } = body;
    const sequences: number[][] =
      typeof input === 'string'
        ? [tokenIds(input)]
        : input.length > 0 && typeof input[0] === 'number'
          ? [input as number[]]
          : (input as (string | number[])[]).map((item) => (typeof item === 'string' ? tokenIds(item) : item));
    await sleep(this.options.ttft_ms, undefined, { signal });
    const tokens = sequences.reduce((sum, sequence) => sum + sequence.length, 0);
    return embeddingsList(
      sequences.map((sequence) => hashedEmbedding(sequence, dimensions)),
      body.model,
      tokens,
      body.encoding_format,
    );
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

  async *stream(body: ChatRequestBody, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk[], void, undefined> {
    const { tokens, finish, usage } = this.reply(body);
    const base = {
      id: `chatcmpl-${randomUUID().replace(/-/g, '')}`,
      object: 'chat.completion.chunk' as const,
      created: Math.floor(Date.now() / 1000),
      model: body.model,
    };
    await sleep(this.options.ttft_ms, undefined, { signal });
    yield [
      {
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      },
    ];
    // Decode cumulatively so a multi-byte character split across tokens is never emitted half-formed.
    let sent = '';
    for (let i = 0; i < tokens.length; i += this.options.tokens_per_chunk) {
      if (i > 0) await sleep(this.options.chunk_ms, undefined, { signal });
      const text = decode(tokens.slice(0, i + this.options.tokens_per_chunk));
      const safe = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
      if (safe.length > sent.length) {
        yield [
          {
            ...base,
            choices: [{ index: 0, delta: { content: safe.slice(sent.length) }, finish_reason: null }],
          },
        ];
        sent = safe;
      }
    }
    const full = decode(tokens);
    if (full.length > sent.length) {
      yield [
        {
          ...base,
          choices: [{ index: 0, delta: { content: full.slice(sent.length) }, finish_reason: null }],
        },
      ];
    }
    // The finish and usage chunks are ready together: one batch.
    yield [
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] },
      { ...base, choices: [], usage },
    ];
  }
}
