import { describe, expect, it } from '@jest/globals';
import type { ChatRequestBody } from '../../src/inference/openai.types.js';
import {
  finishReason,
  fromOllamaChat,
  OllamaStreamTranslator,
  ollamaUsage,
  parseToolArguments,
  type TranslationContext,
  toOllamaChatRequest,
  toOllamaEmbedRequest,
  toOllamaMessages,
  toOllamaOptions,
} from '../../src/inference/providers/ollama.translate.js';
import { ProviderError } from '../../src/inference/providers/provider-error.js';

function context(): TranslationContext {
  let n = 0;
  return {
    provider: 'ollama-test',
    model: 'llama3.2',
    id: 'chatcmpl-test',
    created: 1764144000,
    mintToolCallId: () => `call_minted_${n++}`,
  };
}

const body = (extra: Partial<ChatRequestBody>): ChatRequestBody => ({
  model: 'llama3.2',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('Ollama translation: OpenAI request → /api/chat', () => {
  it.each([
    ['a system message', { role: 'system', content: 'Be brief.' }, { role: 'system', content: 'Be brief.' }],
    ['a developer message becomes system', { role: 'developer', content: 'Be brief.' }, { role: 'system', content: 'Be brief.' }],
    ['a user string', { role: 'user', content: 'Hello' }, { role: 'user', content: 'Hello' }],
    ['null content', { role: 'assistant', content: null }, { role: 'assistant', content: '' }],
    [
      'text parts joined by newlines',
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
      { role: 'user', content: 'one\ntwo' },
    ],
    [
      'a data: URL image becomes an images entry',
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      { role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] },
    ],
    ['the name field is dropped', { role: 'user', content: 'x', name: 'alice' }, { role: 'user', content: 'x' }],
  ])('%s', (_name, message, expected) => {
    expect(toOllamaMessages([message as ChatRequestBody['messages'][number]], 'ollama-test')).toEqual([expected]);
  });

  it('turns assistant tool calls into object arguments and names tool results by their call id', () => {
    const messages = toOllamaMessages(
      [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: '14:00' },
        { role: 'tool', tool_call_id: 'call_a', content: '22°C' },
      ],
      'ollama-test',
    );
    expect(messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_a', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } },
          { id: 'call_b', function: { index: 1, name: 'get_time', arguments: { city: 'Rome' } } },
        ],
      },
      { role: 'tool', content: '14:00', tool_call_id: 'call_b', tool_name: 'get_time' },
      { role: 'tool', content: '22°C', tool_call_id: 'call_a', tool_name: 'get_weather' },
    ]);
  });

  it.each([
    ['an https image URL', { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
    ['an audio part', { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }],
  ])('refuses %s as unsupported (Ollama cannot take it)', (_name, part) => {
    const call = () => toOllamaMessages([{ role: 'user', content: [part] }], 'ollama-test');
    expect(call).toThrow(ProviderError);
    try {
      call();
    } catch (error) {
      expect((error as ProviderError).kind).toBe('unsupported');
      expect((error as ProviderError).toAppError().code).toBe('not_implemented');
    }
  });

  it.each([
    ['nothing set', {}, undefined],
    ['max_tokens → num_predict', { max_tokens: 64 }, { num_predict: 64 }],
    ['max_completion_tokens wins over max_tokens', { max_tokens: 64, max_completion_tokens: 32 }, { num_predict: 32 }],
    ['temperature and top_p', { temperature: 0.2, top_p: 0.9 }, { temperature: 0.2, top_p: 0.9 }],
    ['temperature 0 is kept', { temperature: 0 }, { temperature: 0 }],
    ['a stop string becomes a list', { stop: 'END' }, { stop: ['END'] }],
    ['a stop list stays a list', { stop: ['a', 'b'] }, { stop: ['a', 'b'] }],
    [
      'seed and penalties',
      { seed: 7, presence_penalty: 0.5, frequency_penalty: 0.1 },
      { seed: 7, presence_penalty: 0.5, frequency_penalty: 0.1 },
    ],
    ['nulls are unset', { max_tokens: null, temperature: null, stop: null }, undefined],
  ])('options: %s', (_name, extra, expected) => {
    expect(toOllamaOptions(body(extra as Partial<ChatRequestBody>))).toEqual(expected);
  });

  const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];

  it.each([
    ['plain', {}, {}],
    ['tools pass through in the OpenAI shape Ollama accepts', { tools: TOOLS }, { tools: TOOLS }],
    ['tool_choice "none" withholds the tools', { tools: TOOLS, tool_choice: 'none' }, {}],
    ['tool_choice "auto" keeps them', { tools: TOOLS, tool_choice: 'auto' }, { tools: TOOLS }],
    ['json_object → format "json"', { response_format: { type: 'json_object' } }, { format: 'json' }],
    [
      'json_schema → format: the schema',
      { response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } } },
      { format: { type: 'object' } },
    ],
    [
      'fields without an Ollama equivalent are not sent',
      { user: 'u1', logprobs: true, stream_options: { include_usage: true } },
      {},
    ],
  ])('request: %s', (_name, extra, expected) => {
    expect(toOllamaChatRequest(body(extra as Partial<ChatRequestBody>), true, 'ollama-test')).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      ...expected,
    });
  });

  it.each([
    ['a JSON object string', '{"city":"Paris"}', { city: 'Paris' }],
    ['an object already', { city: 'Paris' }, { city: 'Paris' }],
    ['invalid JSON', '{"city":', {}],
    ['a JSON array', '[1,2]', {}],
    ['a JSON string', '"Paris"', {}],
    ['undefined', undefined, {}],
  ])('tool arguments: %s', (_name, value, expected) => {
    expect(parseToolArguments(value)).toEqual(expected);
  });
});

describe('Ollama translation: /api/chat answer → OpenAI', () => {
  it.each([
    ['stop', 'stop', false, 'stop'],
    ['length', 'length', false, 'length'],
    ['load', 'load', false, 'stop'],
    ['missing', undefined, false, 'stop'],
    ['stop after tool calls', 'stop', true, 'tool_calls'],
  ])('finish reason: %s', (_name, doneReason, calledTools, expected) => {
    expect(finishReason(doneReason, calledTools)).toBe(expected);
  });

  it.each([
    ['both counts', { prompt_eval_count: 26, eval_count: 9 }, [26, 9]],
    ['a prompt served from cache (count omitted)', { eval_count: 9 }, [0, 9]],
    ['garbage', { prompt_eval_count: -3, eval_count: 'many' as unknown as number }, [0, 0]],
    ['a fraction', { prompt_eval_count: 2.7, eval_count: 1 }, [2, 1]],
  ])('usage: %s', (_name, chunk, [prompt, completion]) => {
    expect(ollamaUsage(chunk)).toEqual({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    });
  });

  it('translates a text answer', () => {
    expect(
      fromOllamaChat(
        {
          model: 'llama3.2',
          message: { role: 'assistant', content: 'Hello!' },
          done: true,
          done_reason: 'stop',
          prompt_eval_count: 26,
          eval_count: 3,
        },
        context(),
      ),
    ).toEqual({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1764144000,
      model: 'llama3.2',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 26, completion_tokens: 3, total_tokens: 29 },
    });
  });

  it('translates tool calls: JSON-string arguments, minted ids (an Ollama id is kept), content null, finish tool_calls', () => {
    const completion = fromOllamaChat(
      {
        model: 'llama3.2',
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [
            { function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } },
            { id: 'call_from_ollama', function: { index: 1, name: 'get_time', arguments: {} } },
          ],
        },
        done: true,
        done_reason: 'stop',
        eval_count: 15,
        prompt_eval_count: 169,
      },
      context(),
    );
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_minted_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
            { id: 'call_from_ollama', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('ignores thinking (it is not content)', () => {
    const completion = fromOllamaChat(
      { message: { role: 'assistant', content: 'Yes.', thinking: 'Let me think' }, done: true },
      context(),
    );
    expect(completion.choices[0].message).toEqual({ role: 'assistant', content: 'Yes.' });
    expect(completion.model).toBe('llama3.2');
  });
});

describe('OllamaStreamTranslator (event by event)', () => {
  const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1764144000, model: 'llama3.2' };
  const line = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    model: 'llama3.2',
    created_at: '2025-07-07T20:22:19.184789Z',
    message: { role: 'assistant', ...message },
    done: false,
    ...extra,
  });

  it('emits a role chunk on the first line, then content, and on done a finish chunk and a usage-only chunk', () => {
    const t = new OllamaStreamTranslator(context());
    expect(t.push(line({ content: 'Hel' }))).toEqual([
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
    ]);
    expect(t.push(line({ content: 'lo' }))).toEqual([
      { ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
    ]);
    expect(t.finished).toBe(false);
    expect(t.push(line({ content: '' }, { done: true, done_reason: 'length', prompt_eval_count: 26, eval_count: 2 }))).toEqual([
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'length' }] },
      { ...base, choices: [], usage: { prompt_tokens: 26, completion_tokens: 2, total_tokens: 28 } },
    ]);
    expect(t.finished).toBe(true);
  });

  it('emits nothing for empty content and thinking, and ignores lines after done', () => {
    const t = new OllamaStreamTranslator(context());
    expect(t.push(line({ content: '', thinking: 'hmm' }))).toHaveLength(1); // only the role chunk
    expect(t.push(line({ content: '', thinking: ' more' }))).toEqual([]);
    t.push(line({ content: 'ok' }, { done: true, done_reason: 'stop' }));
    expect(t.push(line({ content: 'late' }))).toEqual([]);
    expect(t.push({ error: 'late error' })).toEqual([]);
  });

  it('streams each tool call complete, with ordinal indexes across lines and ids, and finishes with tool_calls', () => {
    const t = new OllamaStreamTranslator(context());
    t.push(line({ content: '' }));
    expect(
      t.push(line({ content: '', tool_calls: [{ function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } }] })),
    ).toEqual([
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: 'call_minted_0',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      },
    ]);
    // Ollama numbers each call's function.index itself; the OpenAI index is our own ordinal.
    const second = t.push(
      line({ content: '', tool_calls: [{ function: { index: 0, name: 'get_time', arguments: { tz: 'JST' } } }] }),
    );
    expect(second[0].choices[0].delta.tool_calls).toEqual([
      { index: 1, id: 'call_minted_1', type: 'function', function: { name: 'get_time', arguments: '{"tz":"JST"}' } },
    ]);
    const end = t.push(line({ content: '' }, { done: true, done_reason: 'stop', eval_count: 15, prompt_eval_count: 169 }));
    expect(end[0].choices[0].finish_reason).toBe('tool_calls');
  });

  it('fails on an error line mid-stream', () => {
    const t = new OllamaStreamTranslator(context());
    t.push(line({ content: 'partial' }));
    expect(() => t.push({ error: 'an error was encountered while running the model' })).toThrow(
      'an error was encountered while running the model',
    );
    expect(t.finished).toBe(false);
  });

  it('takes the model Ollama echoes on the first line for every chunk', () => {
    const t = new OllamaStreamTranslator(context());
    const [role] = t.push({ ...line({ content: '' }), model: 'llama3.2:latest' });
    const [finish] = t.push({ model: 'llama3.2:latest', message: { content: '' }, done: true });
    expect([role.model, finish.model]).toEqual(['llama3.2:latest', 'llama3.2:latest']);
  });
});

describe('Ollama translation: embeddings → /api/embed', () => {
  it.each([
    ['a string', { input: 'Why is the sky blue?' }, { input: 'Why is the sky blue?' }],
    ['a list of strings', { input: ['a', 'b'] }, { input: ['a', 'b'] }],
    ['dimensions', { input: 'x', dimensions: 256 }, { input: 'x', dimensions: 256 }],
    [
      'encoding_format and user are the gateway’s to honour, not sent',
      { input: 'x', encoding_format: 'base64', user: 'u' },
      { input: 'x' },
    ],
  ])('%s', (_name, extra, expected) => {
    expect(toOllamaEmbedRequest({ model: 'all-minilm', ...(extra as { input: string }) }, 'ollama-test')).toEqual({
      model: 'all-minilm',
      ...expected,
    });
  });

  it.each([
    ['a token array', [1, 2, 3]],
    ['token arrays', [[1, 2], [3]]],
  ])('refuses %s as unsupported (so the next candidate is tried)', (_name, input) => {
    expect(() => toOllamaEmbedRequest({ model: 'all-minilm', input }, 'ollama-test')).toThrow(/token arrays/);
  });
});
