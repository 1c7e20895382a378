import { describe, expect, it } from '@jest/globals';
import {
  type AnthropicMessage,
  type AnthropicUsage,
  fromAnthropicMessage,
  isAnthropicMessage,
  toFinishReason,
  toOpenAiUsage,
} from '../../src/inference/providers/anthropic.translate.js';

describe('toFinishReason', () => {
  it.each<[string | null | undefined, string]>([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['something_new', 'stop'],
    [null, 'stop'],
    [undefined, 'stop'],
  ])('%s → %s', (stopReason, expected) => {
    expect(toFinishReason(stopReason)).toBe(expected);
  });
});

describe('toOpenAiUsage', () => {
  it.each<[string, AnthropicUsage | undefined, unknown]>([
    [
      'no cache',
      { input_tokens: 25, output_tokens: 15 },
      {
        prompt_tokens: 25,
        completion_tokens: 15,
        total_tokens: 40,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      },
    ],
    [
      'prompt_tokens counts uncached, cache-written and cache-read input',
      { input_tokens: 10, cache_creation_input_tokens: 2000, cache_read_input_tokens: 30000, output_tokens: 50 },
      {
        prompt_tokens: 32010,
        completion_tokens: 50,
        total_tokens: 32060,
        prompt_tokens_details: { cached_tokens: 30000, cache_write_tokens: 2000 },
      },
    ],
    [
      'null counts (message_delta leaves them null) count as 0',
      { input_tokens: null, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens: 3 },
      {
        prompt_tokens: 0,
        completion_tokens: 3,
        total_tokens: 3,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      },
    ],
    [
      'absent usage',
      undefined,
      {
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      },
    ],
  ])('%s', (_label, usage, expected) => {
    expect(toOpenAiUsage(usage)).toEqual(expected);
  });
});

describe('isAnthropicMessage', () => {
  it.each<[string, unknown, boolean]>([
    ['a message', { type: 'message', content: [] }, true],
    ['an error body', { type: 'error', error: { type: 'api_error', message: 'x' } }, false],
    ['an OpenAI completion', { object: 'chat.completion', choices: [] }, false],
    ['content not a list', { type: 'message', content: 'hi' }, false],
    ['null', null, false],
  ])('%s', (_label, body, expected) => {
    expect(isAnthropicMessage(body)).toBe(expected);
  });
});

describe('fromAnthropicMessage', () => {
  const message = (extra: Partial<AnthropicMessage>): AnthropicMessage => ({
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    content: [],
    model: 'claude-opus-4-7',
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 1 },
    ...extra,
  });
  const context = { model: 'native-model', created: 1764144000 };
  const usage = (prompt: number, completion: number, read = 0, write = 0) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read, cache_write_tokens: write },
  });

  it.each<[string, Partial<AnthropicMessage>, Record<string, unknown>]>([
    [
      'text blocks joined; id, model, created, stop',
      {
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'text', text: ', world' },
        ],
      },
      {
        id: 'msg_01',
        object: 'chat.completion',
        created: 1764144000,
        model: 'claude-opus-4-7',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hello, world', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usage(3, 1),
      },
    ],
    [
      'thinking blocks are not content',
      {
        content: [
          { type: 'thinking', thinking: 'Let me think…', signature: 'sig' },
          { type: 'redacted_thinking', data: 'xyz' },
          { type: 'text', text: '42' },
        ],
      },
      {
        choices: [
          { index: 0, message: { role: 'assistant', content: '42', refusal: null }, logprobs: null, finish_reason: 'stop' },
        ],
      },
    ],
    [
      'tool_use only → content null, tool_calls with JSON-string arguments, finish tool_calls',
      {
        stop_reason: 'tool_use',
        content: [
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris', days: 2 } },
          { type: 'tool_use', id: 'toolu_02', name: 'now', input: {} },
        ],
      },
      {
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [
                { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":2}' } },
                { id: 'toolu_02', type: 'function', function: { name: 'now', arguments: '{}' } },
              ],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
      },
    ],
    [
      'text and tool_use → both',
      {
        stop_reason: 'tool_use',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_01', name: 'f', input: { a: 1 } },
        ],
      },
      {
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'Checking.',
              refusal: null,
              tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
      },
    ],
    [
      'no content at all → "", max_tokens → length',
      { content: [], stop_reason: 'max_tokens' },
      {
        choices: [
          { index: 0, message: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: 'length' },
        ],
      },
    ],
    ['a missing model → the native model', { model: '' }, { model: 'native-model' }],
    [
      'cache counts in usage',
      { usage: { input_tokens: 4, cache_creation_input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 7 } },
      { usage: usage(1004, 7, 900, 100) },
    ],
  ])('%s', (_label, extra, expected) => {
    expect(fromAnthropicMessage(message(extra), context)).toMatchObject(expected);
  });
});
