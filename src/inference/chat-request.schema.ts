import { z } from 'zod';
import { AppError, ErrorCode } from '../common/app-error.js';
import { hasControlCharacters } from '../common/text.js';
import type { ChatRequestBody } from './openai.types.js';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i, 'must be a UUID');

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
  tool_calls: z.array(z.looseObject({})).optional(),
});

/** OpenAI's Chat Completions body plus Tally's extensions; unknown fields pass through to the upstream. */
export const chatRequestSchema = z.looseObject({
  model: z
    .string()
    .min(1)
    .max(256)
    .refine((model) => !hasControlCharacters(model), 'must not contain control characters'),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  n: z.literal(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  tools: z.array(z.looseObject({})).nullish(),
  tool_choice: z.union([z.string(), z.looseObject({})]).nullish(),
  // Tally extensions, stripped before the request leaves.
  minimum_inference_tier: z.number().int().min(1).max(5).nullish(),
  anonymize: z.boolean().nullish(),
  chat_id: uuid.nullish(),
  message_id: uuid.nullish(),
  purpose: z
    .string()
    .regex(/^[a-z0-9_.-]{1,64}$/, 'must match [a-z0-9_.-]{1,64}')
    .nullish(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Fields that are Tally's own and never sent upstream. */
export const GATEWAY_FIELDS = ['minimum_inference_tier', 'anonymize', 'chat_id', 'message_id', 'purpose'] as const;

export interface ChatLimits {
  maxMessages: number;
  maxChars: number;
}

function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) {
    return content.reduce((n: number, part) => n + (typeof part?.text === 'string' ? part.text.length : 0), 0);
  }
  return 0;
}

/** Validates a parsed JSON body; every failure is a 400 envelope that never echoes the input. */
export function parseChatRequest(body: unknown, limits: ChatLimits): ChatRequest {
  if (body === undefined) throw new AppError(ErrorCode.InvalidRequest, 'Request body is required.');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(ErrorCode.InvalidRequest, 'Request body must be a JSON object.');
  }
  const result = chatRequestSchema.safeParse(body);
  if (!result.success) {
    const errors = result.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const first = errors[0];
    throw new AppError(
      ErrorCode.InvalidRequest,
      `Chat completion request failed validation: ${first.path || '(body)'}: ${first.message}`,
      { errors },
    );
  }
  const request = result.data;
  if (request.messages.length > limits.maxMessages) {
    throw new AppError(ErrorCode.InvalidRequest, `A request may carry at most ${limits.maxMessages} messages.`, {
      limit: limits.maxMessages,
    });
  }
  const chars = request.messages.reduce((n, m) => n + contentChars(m.content), 0);
  if (chars > limits.maxChars) {
    throw new AppError(ErrorCode.InvalidRequest, `A request may carry at most ${limits.maxChars} characters.`, {
      limit: limits.maxChars,
    });
  }
  return request;
}

/** The body sent upstream: the client's fields minus Tally's, with the provider-native model. */
export function upstreamBody(request: ChatRequest, model: string): ChatRequestBody {
  const body: Record<string, unknown> = { ...request, model };
  for (const field of GATEWAY_FIELDS) delete body[field];
  return body as ChatRequestBody;
}
