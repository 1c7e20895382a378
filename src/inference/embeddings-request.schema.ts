import { z } from 'zod';
import { AppError, ErrorCode } from '../common/app-error.js';
import { hasControlCharacters } from '../common/text.js';
import type { EmbeddingsRequestBody } from './providers/embeddings-provider.js';

/** OpenAI's limit on the number of inputs in one embeddings request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const tokens = z.array(z.number().int().min(0)).min(1);

/** OpenAI's Embeddings body plus Tally's tier floor; unknown fields pass through to OpenAI-family upstreams. */
export const embeddingsRequestSchema = z.looseObject({
  model: z
    .string()
    .min(1)
    .max(256)
    .refine((model) => !hasControlCharacters(model), 'must not contain control characters'),
  input: z.union([
    z.string().min(1, 'must not be empty'),
    z.array(z.string().min(1, 'must not be empty')).min(1).max(MAX_EMBEDDING_INPUTS),
    tokens,
    z.array(tokens).min(1).max(MAX_EMBEDDING_INPUTS),
  ]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().nullish(),
  // Tally extension, stripped before the request leaves.
  minimum_inference_tier: z.number().int().min(1).max(5).nullish(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** Fields that are Tally's own and never sent upstream. */
export const EMBEDDINGS_GATEWAY_FIELDS = ['minimum_inference_tier'] as const;

function inputChars(input: EmbeddingsRequest['input']): number {
  if (typeof input === 'string') return input.length;
  return (input as unknown[]).reduce<number>((n, item) => n + (typeof item === 'string' ? item.length : 0), 0);
}

/** Validates a parsed JSON body; every failure is a 400 envelope that never echoes the input. */
export function parseEmbeddingsRequest(body: unknown, limits: { maxChars: number }): EmbeddingsRequest {
  if (body === undefined) throw new AppError(ErrorCode.InvalidRequest, 'Request body is required.');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(ErrorCode.InvalidRequest, 'Request body must be a JSON object.');
  }
  const result = embeddingsRequestSchema.safeParse(body);
  if (!result.success) {
    const errors = result.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const first = errors[0];
    throw new AppError(
      ErrorCode.InvalidRequest,
      `Embeddings request failed validation: ${first.path || '(body)'}: ${first.message}`,
      { errors },
    );
  }
  const request = result.data;
  if (inputChars(request.input) > limits.maxChars) {
    throw new AppError(ErrorCode.InvalidRequest, `A request may carry at most ${limits.maxChars} characters.`, {
      limit: limits.maxChars,
    });
  }
  return request;
}

/** The body sent upstream: the client's fields minus Tally's, with the provider-native model. */
export function upstreamEmbeddingsBody(request: EmbeddingsRequest, model: string): EmbeddingsRequestBody {
  const body: Record<string, unknown> = { ...request, model };
  for (const field of EMBEDDINGS_GATEWAY_FIELDS) delete body[field];
  // An explicit null means "the default": leave the field out rather than send a null OpenAI rejects.
  for (const field of ['encoding_format', 'dimensions', 'user'] as const) if (body[field] === null) delete body[field];
  return body as EmbeddingsRequestBody;
}
