/** The parts of OpenAI's Chat Completions wire format the gateway reads. Everything else passes through. */
export interface ChatMessage {
  role: string;
  content?: string | Record<string, unknown>[] | null;
  [key: string]: unknown;
}

export interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [key: string]: unknown } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  [key: string]: unknown;
}

export interface Usage {
  /** Every input token, cached ones included. */
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: PromptTokensDetails | null;
  [key: string]: unknown;
}

/**
 * The prompt-cache share of `prompt_tokens`. `cached_tokens` (read from the cache) is OpenAI's own
 * field; `cache_write_tokens` (written to the cache) is the name OpenRouter uses for what Anthropic
 * reports as `cache_creation_input_tokens`.
 */
export interface PromptTokensDetails {
  cached_tokens?: number;
  cache_write_tokens?: number;
  [key: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: string; content: string | null; [key: string]: unknown };
    finish_reason: string | null;
    [key: string]: unknown;
  }[];
  usage?: Usage;
  [key: string]: unknown;
}

/**
 * The upstream's own JSON text of a chunk, set by an adapter on the chunk it parsed from that text
 * (and did not change), so the pipeline can forward it, patched with its stamp, instead of serialising
 * the chunk again. Anything that changes a chunk's content (the re-identifier) must not forward it.
 */
export const UPSTREAM_JSON = Symbol('upstreamJson');

export interface ChatCompletionChunk {
  [UPSTREAM_JSON]?: string;
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: string; content?: string | null; [key: string]: unknown };
    finish_reason?: string | null;
    [key: string]: unknown;
  }[];
  usage?: Usage | null;
  [key: string]: unknown;
}
