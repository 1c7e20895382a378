import type { ChatProvider } from './chat-provider.js';

/** OpenAI's Embeddings request as sent upstream: gateway fields stripped, `model` provider-native. */
export interface EmbeddingsRequestBody {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64' | null;
  dimensions?: number | null;
  user?: string | null;
  [key: string]: unknown;
}

export interface Embedding {
  object: 'embedding';
  index: number;
  /** Floats, or base64 of little-endian float32s when `encoding_format` was `base64`. */
  embedding: number[] | string;
  [key: string]: unknown;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage?: { prompt_tokens: number; total_tokens: number; [key: string]: unknown };
  [key: string]: unknown;
}

/** An adapter that can embed. A provider type without embeddings simply lacks `embed`. */
export interface EmbeddingsProvider {
  embed(body: EmbeddingsRequestBody, signal: AbortSignal): Promise<EmbeddingsResponse>;
}

export function canEmbed(provider: ChatProvider): provider is ChatProvider & EmbeddingsProvider {
  return typeof (provider as Partial<EmbeddingsProvider>).embed === 'function';
}

/** The wire form of `encoding_format: "base64"`: the vector's float32 values, little-endian, base64. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

/** An OpenAI embeddings list from vectors computed (or received as floats) by an adapter. */
export function embeddingsList(
  vectors: readonly (readonly number[])[],
  model: string,
  promptTokens: number,
  encoding: EmbeddingsRequestBody['encoding_format'],
): EmbeddingsResponse {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? float32Base64(vector) : [...vector],
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
