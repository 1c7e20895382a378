import { describe, expect, it } from '@jest/globals';
import type { ChatMessage, ChatRequestBody } from '../../src/inference/openai.types.js';
import {
  contentText,
  toAnthropicMessages,
  toAnthropicRequest,
  toAnthropicToolChoice,
  toAnthropicTools,
  toImageBlock,
  toSystem,
  toUserContent,
  UntranslatableRequest,
} from '../../src/inference/providers/anthropic.translate.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('contentText', () => {
  it.each<[string, ChatMessage['content'], string]>([
    ['a string as is', 'hi', 'hi'],
    [
      'text parts concatenated',
      [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ],
      'ab',
    ],
    [
      'non-text parts left out',
      [
        { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        { type: 'text', text: 'c' },
      ],
      'c',
    ],
    ['null as empty', null, ''],
    ['absent as empty', undefined, ''],
  ])('%s', (_label, content, expected) => {
    expect(contentText(content)).toBe(expected);
  });
});

describe('toImageBlock', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    [
      'a base64 data URL → base64 source',
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ],
    [
      'an https URL → url source (detail dropped)',
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ],
    [
      'image_url given as a bare string',
      { type: 'image_url', image_url: 'https://example.com/cat.jpg' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ],
    [
      'cache_control kept',
      { type: 'image_url', image_url: { url: 'https://example.com/a.webp' }, cache_control: { type: 'ephemeral' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.webp' }, cache_control: { type: 'ephemeral' } },
    ],
  ])('%s', (_label, part, expected) => {
    expect(toImageBlock(part)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a data URL that is not base64', { type: 'image_url', image_url: { url: 'data:image/svg+xml,%3Csvg%3E' } }],
    ['a file URL', { type: 'image_url', image_url: { url: 'file:///etc/passwd' } }],
    ['no URL', { type: 'image_url', image_url: {} }],
  ])('refuses %s', (_label, part) => {
    expect(() => toImageBlock(part)).toThrow(UntranslatableRequest);
  });
});

describe('toUserContent', () => {
  it.each<[string, ChatMessage['content'], unknown]>([
    ['a string stays a string', 'hello', 'hello'],
    ['null becomes ""', null, ''],
    [
      'text and image parts become blocks, in order',
      [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${PNG}` } },
      ],
      [
        { type: 'text', text: 'What is this?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } },
      ],
    ],
    [
      'empty text parts dropped; cache_control kept',
      [
        { type: 'text', text: '' },
        { type: 'text', text: 'long document', cache_control: { type: 'ephemeral' } },
      ],
      [{ type: 'text', text: 'long document', cache_control: { type: 'ephemeral' } }],
    ],
    ['only empty parts becomes ""', [{ type: 'text', text: '' }], ''],
  ])('%s', (_label, content, expected) => {
    expect(toUserContent(content)).toEqual(expected);
  });

  it('refuses parts Anthropic has no counterpart for, naming the type', () => {
    expect(() => toUserContent([{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }])).toThrow(
      /content parts of type 'input_audio'/,
    );
  });
});

describe('toSystem', () => {
  it.each<[string, ChatMessage[], unknown]>([
    ['none → undefined', [{ role: 'user', content: 'hi' }], undefined],
    [
      'system and developer messages anywhere, joined with a blank line, empty ones skipped',
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'system', content: '' },
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'Answer in ' },
            { type: 'text', text: 'French.' },
          ],
        },
      ],
      'Be brief.\n\nAnswer in French.',
    ],
    [
      'text blocks when a part asks for cache_control',
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: [{ type: 'text', text: 'A long manual', cache_control: { type: 'ephemeral' } }] },
      ],
      [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'A long manual', cache_control: { type: 'ephemeral' } },
      ],
    ],
    [
      'nothing when every cached part is empty',
      [{ role: 'system', content: [{ type: 'text', text: '', cache_control: { type: 'ephemeral' } }] }],
      undefined,
    ],
  ])('%s', (_label, messages, expected) => {
    expect(toSystem(messages)).toEqual(expected);
  });
});

describe('toAnthropicMessages', () => {
  it.each<[string, ChatMessage[], unknown]>([
    [
      'user and assistant text; system left out; name dropped; no merging of same-role turns',
      [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'a', name: 'ann' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
      ],
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: 'c' },
      ],
    ],
    [
      'assistant tool_calls → text + tool_use blocks, arguments parsed',
      [
        {
          role: 'assistant',
          content: 'Let me look.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
      ],
      [
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
          ],
        },
      ],
    ],
    [
      'assistant tool_calls with null content → only tool_use; unparseable or non-object arguments → {}; nameless calls skipped',
      [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'f', arguments: 'not json' } },
            { id: 'call_b', type: 'function', function: { name: 'g', arguments: '[1,2]' } },
            { id: 'call_c', type: 'function', function: { arguments: '{}' } },
            { type: 'function', function: { name: 'h', arguments: '{"x":1}' } },
          ],
        },
      ],
      [
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_a', name: 'f', input: {} },
            { type: 'tool_use', id: 'call_b', name: 'g', input: {} },
            { type: 'tool_use', id: 'call_0_3', name: 'h', input: { x: 1 } },
          ],
        },
      ],
    ],
    [
      'assistant whose tool_calls are all invalid → plain text',
      [{ role: 'assistant', content: 'ok', tool_calls: [{ id: 'x', type: 'function', function: {} }] }],
      [{ role: 'assistant', content: 'ok' }],
    ],
    [
      'consecutive tool messages → one user message of tool_result blocks; a later one starts a new message',
      [
        { role: 'user', content: 'weather and time?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
        { role: 'assistant', content: 'Sunny, noon.' },
        { role: 'tool', tool_call_id: 'call_3', content: 'late' },
      ],
      [
        { role: 'user', content: 'weather and time?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
            { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
            { type: 'tool_result', tool_use_id: 'call_2', content: '12:00' },
          ],
        },
        { role: 'assistant', content: 'Sunny, noon.' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_3', content: 'late' }] },
      ],
    ],
    [
      'a system message between tool results does not split them',
      [
        { role: 'tool', tool_call_id: 'a', content: '1' },
        { role: 'system', content: 'note' },
        { role: 'tool', tool_call_id: 'b', content: '2' },
      ],
      [
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'a', content: '1' },
            { type: 'tool_result', tool_use_id: 'b', content: '2' },
          ],
        },
      ],
    ],
  ])('%s', (_label, messages, expected) => {
    expect(toAnthropicMessages(messages)).toEqual(expected);
  });
});

describe('toAnthropicTools', () => {
  it.each<[string, unknown, unknown]>([
    ['absent → undefined', undefined, undefined],
    ['empty → undefined', [], undefined],
    [
      'function tools → name, description, input_schema',
      [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather by city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            strict: true,
          },
        },
        { type: 'function', function: { name: 'now' } },
      ],
      [
        {
          name: 'get_weather',
          description: 'Weather by city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
        { name: 'now', input_schema: { type: 'object', properties: {} } },
      ],
    ],
  ])('%s', (_label, tools, expected) => {
    expect(toAnthropicTools(tools)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['a custom tool', [{ type: 'custom', custom: { name: 'x' } }]],
    ['a function without a name', [{ type: 'function', function: { description: 'x' } }]],
  ])('refuses %s', (_label, tools) => {
    expect(() => toAnthropicTools(tools)).toThrow(UntranslatableRequest);
  });
});

describe('toAnthropicToolChoice', () => {
  it.each<[string, unknown, unknown, unknown]>([
    ['nothing → undefined', undefined, undefined, undefined],
    ['auto', 'auto', undefined, { type: 'auto' }],
    ['none', 'none', undefined, { type: 'none' }],
    ['required → any', 'required', undefined, { type: 'any' }],
    ['a named function → tool', { type: 'function', function: { name: 'f' } }, undefined, { type: 'tool', name: 'f' }],
    [
      'parallel_tool_calls:false with no choice materialises auto',
      undefined,
      false,
      { type: 'auto', disable_parallel_tool_use: true },
    ],
    ['parallel_tool_calls:false on required', 'required', false, { type: 'any', disable_parallel_tool_use: true }],
    [
      'parallel_tool_calls:false on a named function',
      { type: 'function', function: { name: 'f' } },
      false,
      { type: 'tool', name: 'f', disable_parallel_tool_use: true },
    ],
    ['parallel_tool_calls:false never on none', 'none', false, { type: 'none' }],
    ['parallel_tool_calls:true changes nothing', 'auto', true, { type: 'auto' }],
  ])('%s', (_label, choice, parallel, expected) => {
    expect(toAnthropicToolChoice(choice, parallel)).toEqual(expected);
  });

  it('refuses a choice it cannot express', () => {
    expect(() => toAnthropicToolChoice({ type: 'allowed_tools', allowed_tools: {} }, undefined)).toThrow(UntranslatableRequest);
    expect(() => toAnthropicToolChoice({ type: 'function', function: {} }, undefined)).toThrow(UntranslatableRequest);
  });
});

describe('toAnthropicRequest', () => {
  const base: ChatRequestBody = { model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'hi' }] };
  const options = { stream: false, defaultMaxTokens: 4096 };
  const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } };

  it.each<[string, Partial<ChatRequestBody>, Partial<typeof options>, unknown]>([
    [
      "the reference's worked example: default max_tokens, stream flag, nothing else",
      {},
      {},
      { model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4096, stream: false },
    ],
    [
      'max_completion_tokens wins over max_tokens; the configured default applies only without either',
      { max_tokens: 100, max_completion_tokens: 200 },
      {},
      { model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'hi' }], max_tokens: 200, stream: false },
    ],
    [
      'max_tokens',
      { max_tokens: 100 },
      { defaultMaxTokens: 8192, stream: true },
      { model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, stream: true },
    ],
    [
      'configured default',
      {},
      { defaultMaxTokens: 8192 },
      { model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8192, stream: false },
    ],
    [
      'system, temperature, top_p, stop string → stop_sequences',
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
        temperature: 0.2,
        top_p: 0.9,
        stop: 'END',
      },
      {},
      {
        model: 'claude-opus-4-7',
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 4096,
        stream: false,
        temperature: 0.2,
        top_p: 0.9,
        stop_sequences: ['END'],
      },
    ],
    [
      'stop list; null sampling fields left out',
      { stop: ['a', 'b'], temperature: null, top_p: null },
      {},
      {
        model: 'claude-opus-4-7',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 4096,
        stream: false,
        stop_sequences: ['a', 'b'],
      },
    ],
    [
      'fields without an Anthropic counterpart are dropped',
      {
        stream_options: { include_usage: true },
        seed: 7,
        n: 1,
        user: 'u1',
        logprobs: true,
        frequency_penalty: 0.5,
        response_format: { type: 'text' },
      },
      {},
      { model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4096, stream: false },
    ],
    [
      'tools with tool_choice and parallel_tool_calls',
      { tools: [weather], tool_choice: 'required', parallel_tool_calls: false },
      {},
      {
        model: 'claude-opus-4-7',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 4096,
        stream: false,
        tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
      },
    ],
    [
      'tool_choice without tools is not sent',
      { tool_choice: 'auto', parallel_tool_calls: false },
      {},
      { model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4096, stream: false },
    ],
  ])('%s', (_label, extra, opts, expected) => {
    expect(toAnthropicRequest({ ...base, ...extra }, { ...options, ...opts })).toEqual(expected);
  });
});
