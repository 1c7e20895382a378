import type { ChatCompletion, ChatMessage, ChatRequestBody, Usage } from '../openai.types.js';

/*
 * Anthropic's Messages API ↔ OpenAI's Chat Completions, as pure functions, one direction each.
 * Wire shapes: https://docs.anthropic.com/en/api/messages
 */

export type AnthropicCacheControl = Record<string, unknown>;

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
}

export type AnthropicContentBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicToolUseBlock | AnthropicToolResultBlock;

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicRequest {
  model: string;
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessageParam[];
  max_tokens: number;
  stream: boolean;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
}

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  [key: string]: unknown;
}

/** A response block; only `text` and `tool_use` are read (thinking and server-tool blocks are not content). */
export interface AnthropicResponseBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  [key: string]: unknown;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  content: AnthropicResponseBlock[];
  model: string;
  stop_reason: string | null;
  stop_sequence?: string | null;
  usage: AnthropicUsage;
  [key: string]: unknown;
}

/** A request that has no Anthropic counterpart (an audio part, a non-function tool, …). */
export class UntranslatableRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UntranslatableRequest';
  }
}

/** The reference's default, and what Anthropic's own examples use; `options.default_max_tokens` overrides it. */
export const DEFAULT_MAX_TOKENS = 4096;

type Part = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const cacheControlOf = (part: Part): { cache_control?: AnthropicCacheControl } =>
  isObject(part.cache_control) ? { cache_control: part.cache_control } : {};

/** The text of any message content: a string as is, the text parts of an array concatenated, null as "". */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}

/** An OpenAI `image_url` part as an Anthropic image block: a base64 data URL inline, an http(s) URL by reference. */
export function toImageBlock(part: Part): AnthropicImageBlock {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : isObject(image) && typeof image.url === 'string' ? image.url : undefined;
  if (url === undefined) throw new UntranslatableRequest('an image_url part needs image_url.url');
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] }, ...cacheControlOf(part) };
  if (url.startsWith('data:')) throw new UntranslatableRequest('an image data URL must be base64-encoded (data:<type>;base64,…)');
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url }, ...cacheControlOf(part) };
  throw new UntranslatableRequest('an image URL must be an https URL or a base64 data URL');
}

/** User content: a string stays a string; text and image parts become blocks (empty texts dropped; Anthropic refuses them). */
export function toUserContent(content: ChatMessage['content']): string | AnthropicContentBlock[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const blocks: AnthropicContentBlock[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      if (typeof part.text === 'string' && part.text !== '')
        blocks.push({ type: 'text', text: part.text, ...cacheControlOf(part) });
    } else if (part.type === 'image_url') {
      blocks.push(toImageBlock(part));
    } else {
      throw new UntranslatableRequest(`content parts of type '${part.type}' have no Anthropic counterpart`);
    }
  }
  return blocks.length > 0 ? blocks : '';
}

/**
 * System and developer messages, wherever they stand, as the top-level `system`: their texts joined
 * with a blank line, or text blocks when a part asks for `cache_control`. Undefined when there is none.
 */
export function toSystem(messages: readonly ChatMessage[]): string | AnthropicTextBlock[] | undefined {
  const instructions = messages.filter((m) => m.role === 'system' || m.role === 'developer');
  const cached = instructions.some(
    (m) => Array.isArray(m.content) && m.content.some((part) => part.type === 'text' && isObject(part.cache_control)),
  );
  if (cached) {
    const blocks: AnthropicTextBlock[] = [];
    for (const m of instructions) {
      const parts = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content ?? []);
      for (const part of parts) {
        if (part.type === 'text' && typeof part.text === 'string' && part.text !== '') {
          blocks.push({ type: 'text', text: part.text, ...cacheControlOf(part) });
        }
      }
    }
    return blocks.length > 0 ? blocks : undefined;
  }
  const texts = instructions.map((m) => contentText(m.content)).filter((text) => text !== '');
  return texts.length > 0 ? texts.join('\n\n') : undefined;
}

/** An assistant tool call's `arguments` as Anthropic's `input` object ({} when it is not a JSON object). */
function toolInput(args: unknown): Record<string, unknown> {
  if (typeof args !== 'string') return isObject(args) ? args : {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** An assistant message: plain text, or text and one `tool_use` block per tool call. */
export function toAssistantMessage(message: ChatMessage, position: number): AnthropicMessageParam {
  const text = contentText(message.content);
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Part[]) : [];
  const uses: AnthropicToolUseBlock[] = [];
  for (const [k, call] of calls.entries()) {
    const fn = isObject(call.function) ? call.function : undefined;
    if (!fn || typeof fn.name !== 'string' || fn.name === '') continue;
    const id = typeof call.id === 'string' && call.id !== '' ? call.id : `call_${position}_${k}`;
    uses.push({ type: 'tool_use', id, name: fn.name, input: toolInput(fn.arguments) });
  }
  if (uses.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: text === '' ? uses : [{ type: 'text', text }, ...uses] };
}

/**
 * The conversation without its system messages. A `tool` message becomes a user message holding a
 * `tool_result` block; consecutive ones share one user message, as Anthropic requires.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): AnthropicMessageParam[] {
  const out: AnthropicMessageParam[] = [];
  let toolResults: AnthropicToolResultBlock[] | undefined;
  for (const [position, message] of messages.entries()) {
    if (message.role === 'tool') {
      const block: AnthropicToolResultBlock = {
        type: 'tool_result',
        tool_use_id: typeof message.tool_call_id === 'string' ? message.tool_call_id : '',
        content: contentText(message.content),
      };
      if (toolResults) toolResults.push(block);
      else {
        toolResults = [block];
        out.push({ role: 'user', content: toolResults });
      }
      continue;
    }
    // System messages go to the top-level `system`, so they do not separate the tool results around them.
    if (message.role === 'system' || message.role === 'developer') continue;
    toolResults = undefined;
    if (message.role === 'assistant') out.push(toAssistantMessage(message, position));
    else out.push({ role: 'user', content: toUserContent(message.content) });
  }
  return out;
}

/** Function tools as Anthropic tools; undefined when there are none. */
export function toAnthropicTools(tools: unknown): AnthropicTool[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map((tool: unknown, i) => {
    const fn = isObject(tool) && tool.type === 'function' && isObject(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== 'string' || fn.name === '') {
      throw new UntranslatableRequest(`tools[${i}] must be a function tool with a name`);
    }
    const out: AnthropicTool = {
      name: fn.name,
      input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
    if (typeof fn.description === 'string') out.description = fn.description;
    return out;
  });
}

/**
 * `tool_choice` and `parallel_tool_calls: false` as Anthropic's `tool_choice` (which carries
 * `disable_parallel_tool_use`, materialising `auto` when no choice was given; never on `none`).
 */
export function toAnthropicToolChoice(toolChoice: unknown, parallelToolCalls: unknown): AnthropicToolChoice | undefined {
  let choice: AnthropicToolChoice | undefined;
  if (toolChoice === 'auto') choice = { type: 'auto' };
  else if (toolChoice === 'none') choice = { type: 'none' };
  else if (toolChoice === 'required') choice = { type: 'any' };
  else if (isObject(toolChoice) && toolChoice.type === 'function' && isObject(toolChoice.function)) {
    const name = toolChoice.function.name;
    if (typeof name !== 'string' || name === '') throw new UntranslatableRequest('tool_choice.function.name is required');
    choice = { type: 'tool', name };
  } else if (toolChoice !== undefined && toolChoice !== null) {
    throw new UntranslatableRequest('tool_choice must be auto, none, required or a function');
  }
  if (parallelToolCalls === false && choice?.type !== 'none') {
    return { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true } as AnthropicToolChoice;
  }
  return choice;
}

export interface RequestOptions {
  readonly stream: boolean;
  readonly defaultMaxTokens: number;
}

/**
 * An OpenAI chat request as an Anthropic Messages request. Fields without an Anthropic counterpart
 * (seed, logprobs, response_format, …) are dropped, as Anthropic refuses unknown fields.
 */
export function toAnthropicRequest(body: ChatRequestBody, options: RequestOptions): AnthropicRequest {
  const system = toSystem(body.messages);
  const request: AnthropicRequest = {
    model: body.model,
    ...(system !== undefined ? { system } : {}),
    messages: toAnthropicMessages(body.messages),
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? options.defaultMaxTokens,
    stream: options.stream,
  };
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : [];
  if (stop.length > 0) request.stop_sequences = stop;
  const tools = toAnthropicTools(body.tools);
  if (tools) {
    request.tools = tools;
    const choice = toAnthropicToolChoice(body.tool_choice, body.parallel_tool_calls);
    if (choice) request.tool_choice = choice;
  }
  return request;
}

/** Anthropic's `stop_reason` as OpenAI's `finish_reason`. */
export function toFinishReason(stopReason: string | null | undefined): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, pause_turn, and anything newer
  }
}

const tokens = (value: unknown): number => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0);

/**
 * Anthropic's usage as OpenAI's. `prompt_tokens` counts every input token (Anthropic reports the
 * uncached, cache-written and cache-read ones separately); the cache shares go in `prompt_tokens_details`.
 */
export function toOpenAiUsage(usage: AnthropicUsage | null | undefined): Usage {
  const read = tokens(usage?.cache_read_input_tokens);
  const write = tokens(usage?.cache_creation_input_tokens);
  const prompt = tokens(usage?.input_tokens) + read + write;
  const completion = tokens(usage?.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read, cache_write_tokens: write },
  };
}

/** Whether a parsed body has the shape of an Anthropic message. */
export function isAnthropicMessage(body: unknown): body is AnthropicMessage {
  return isObject(body) && body.type === 'message' && Array.isArray(body.content);
}

/**
 * An Anthropic message as an OpenAI chat completion: text blocks joined as `content` (null when the
 * answer is only tool calls), `tool_use` blocks as `tool_calls` with JSON-string arguments. Thinking
 * blocks are not content and are left out.
 */
export function fromAnthropicMessage(message: AnthropicMessage, context: { model: string; created: number }): ChatCompletion {
  const texts: string[] = [];
  const toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  for (const block of message.content) {
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use' && typeof block.name === 'string') {
      toolCalls.push({
        id: typeof block.id === 'string' ? block.id : `call_${toolCalls.length}`,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const content = texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '';
  const assistant: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content, refusal: null };
  if (toolCalls.length > 0) assistant.tool_calls = toolCalls;
  return {
    id: message.id,
    object: 'chat.completion',
    created: context.created,
    model: message.model || context.model,
    choices: [{ index: 0, message: assistant, logprobs: null, finish_reason: toFinishReason(message.stop_reason) }],
    usage: toOpenAiUsage(message.usage),
  };
}
