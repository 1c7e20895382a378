import { describe, expect, it } from '@jest/globals';
import { AnthropicStreamTranslator } from '../../src/inference/providers/anthropic.stream.js';
import { ProviderError } from '../../src/inference/providers/provider-error.js';

const CONTEXT = { provider: 'anthropic-prod', model: 'claude-native', created: 1764144000, id: 'chatcmpl-local' };

/** One named event as the SSE parser hands it over. */
const ev = (name: string, data: Record<string, unknown>) => ({ event: name, data: JSON.stringify(data) });

const messageStart = (usage: Record<string, unknown> = { input_tokens: 25, output_tokens: 1 }) =>
  ev('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-opus-4-7',
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  });
const blockStart = (index: number, block: Record<string, unknown>) =>
  ev('content_block_start', { type: 'content_block_start', index, content_block: block });
const blockDelta = (index: number, delta: Record<string, unknown>) =>
  ev('content_block_delta', { type: 'content_block_delta', index, delta });
const blockStop = (index: number) => ev('content_block_stop', { type: 'content_block_stop', index });
const messageDelta = (stopReason: string, usage: Record<string, unknown>) =>
  ev('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage });
const messageStop = ev('message_stop', { type: 'message_stop' });
const ping = ev('ping', { type: 'ping' });

const HEAD = { id: 'msg_01', object: 'chat.completion.chunk', created: 1764144000, model: 'claude-opus-4-7' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  ...HEAD,
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usageChunk = (prompt: number, completion: number, read = 0, write = 0) => ({
  ...HEAD,
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read, cache_write_tokens: write },
  },
});

/** Feeds events one at a time and checks what each one yields. */
function run(steps: [ReturnType<typeof ev>, unknown[]][]) {
  const translator = new AnthropicStreamTranslator(CONTEXT);
  for (const [event, expected] of steps) expect([event.event, translator.accept(event)]).toEqual([event.event, expected]);
  return translator;
}

describe('AnthropicStreamTranslator', () => {
  it('text: role on message_start, a chunk per text_delta, final chunk and usage chunk on message_stop; ignored events yield nothing', () => {
    const t = run([
      [messageStart(), [chunk({ role: 'assistant', content: '' })]],
      [blockStart(0, { type: 'text', text: '' }), []],
      [ping, []],
      [blockDelta(0, { type: 'text_delta', text: 'Hello' }), [chunk({ content: 'Hello' })]],
      [blockDelta(0, { type: 'text_delta', text: '' }), []],
      [blockDelta(0, { type: 'text_delta', text: ', world' }), [chunk({ content: ', world' })]],
      [blockStop(0), []],
      [messageDelta('end_turn', { output_tokens: 15 }), []],
      [messageStop, [chunk({}, 'stop'), usageChunk(25, 15)]],
    ]);
    expect(t.finished).toBe(true);
    expect(t.end()).toEqual([]);
  });

  it('tool calls: opening chunk and argument deltas with ordinal indexes over tool blocks, not block indexes', () => {
    run([
      [messageStart(), [chunk({ role: 'assistant', content: '' })]],
      [blockStart(0, { type: 'text', text: '' }), []],
      [blockDelta(0, { type: 'text_delta', text: 'Checking.' }), [chunk({ content: 'Checking.' })]],
      [blockStop(0), []],
      [
        blockStart(1, { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: {} }),
        [
          chunk({
            tool_calls: [{ index: 0, id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '' } }],
          }),
        ],
      ],
      [blockDelta(1, { type: 'input_json_delta', partial_json: '' }), []],
      [
        blockDelta(1, { type: 'input_json_delta', partial_json: '{"city": "Pa' }),
        [chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] })],
      ],
      [
        blockDelta(1, { type: 'input_json_delta', partial_json: 'ris"}' }),
        [chunk({ tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] })],
      ],
      [blockStop(1), []],
      [
        blockStart(2, { type: 'tool_use', id: 'toolu_B', name: 'now', input: {} }),
        [chunk({ tool_calls: [{ index: 1, id: 'toolu_B', type: 'function', function: { name: 'now', arguments: '' } }] })],
      ],
      [
        blockDelta(2, { type: 'input_json_delta', partial_json: '{}' }),
        [chunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] })],
      ],
      [blockStop(2), []],
      [messageDelta('tool_use', { output_tokens: 40 }), []],
      [messageStop, [chunk({}, 'tool_calls'), usageChunk(25, 40)]],
    ]);
  });

  it('thinking: thinking_delta and signature_delta are not forwarded, and a tool after them is still tool 0', () => {
    run([
      [messageStart(), [chunk({ role: 'assistant', content: '' })]],
      [blockStart(0, { type: 'thinking', thinking: '' }), []],
      [blockDelta(0, { type: 'thinking_delta', thinking: 'Let me work this out.' }), []],
      [blockDelta(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9G' }), []],
      [blockStop(0), []],
      [blockStart(1, { type: 'redacted_thinking', data: 'EmwKAhgB' }), []],
      [blockStop(1), []],
      [
        blockStart(2, { type: 'tool_use', id: 'toolu_A', name: 'f', input: {} }),
        [chunk({ tool_calls: [{ index: 0, id: 'toolu_A', type: 'function', function: { name: 'f', arguments: '' } }] })],
      ],
      [
        blockDelta(2, { type: 'input_json_delta', partial_json: '{}' }),
        [chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] })],
      ],
      [blockStop(2), []],
      [blockStart(3, { type: 'text', text: '' }), []],
      [blockDelta(3, { type: 'text_delta', text: 'Done.' }), [chunk({ content: 'Done.' })]],
      [blockDelta(3, { type: 'citations_delta', citation: { type: 'char_location' } }), []],
      [messageDelta('end_turn', { output_tokens: 9 }), []],
      [messageStop, [chunk({}, 'stop'), usageChunk(25, 9)]],
    ]);
  });

  it('usage: cache counts from message_start, cumulative counts from message_delta replace them when not null', () => {
    run([
      [
        messageStart({ input_tokens: 10, cache_creation_input_tokens: 2000, cache_read_input_tokens: 30000, output_tokens: 1 }),
        [chunk({ role: 'assistant', content: '' })],
      ],
      [
        messageDelta('max_tokens', {
          input_tokens: null,
          cache_creation_input_tokens: null,
          cache_read_input_tokens: 30001,
          output_tokens: 100,
        }),
        [],
      ],
      [messageStop, [chunk({}, 'length'), usageChunk(32011, 100, 30001, 2000)]],
    ]);
  });

  it('ignores unknown events, an input_json_delta for an unknown block, and everything after message_stop', () => {
    const t = run([
      [ev('brand_new_event', { type: 'brand_new_event', x: 1 }), []],
      [messageStart(), [chunk({ role: 'assistant', content: '' })]],
      [blockDelta(7, { type: 'input_json_delta', partial_json: '{"x":1}' }), []],
      [blockStart(0, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }), []],
      [messageDelta('end_turn', { output_tokens: 2 }), []],
      [messageStop, [chunk({}, 'stop'), usageChunk(25, 2)]],
      [blockDelta(0, { type: 'text_delta', text: 'late' }), []],
      [ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }), []],
    ]);
    expect(t.finished).toBe(true);
  });

  it('takes the event type from the data when the frame has no event name', () => {
    const t = new AnthropicStreamTranslator(CONTEXT);
    const start = messageStart();
    expect(t.accept({ event: undefined, data: start.data })).toEqual([chunk({ role: 'assistant', content: '' })]);
  });

  it('keeps its own id and the native model when message_start carries none', () => {
    const t = new AnthropicStreamTranslator(CONTEXT);
    expect(t.accept(ev('message_start', { type: 'message_start', message: { usage: { input_tokens: 1 } } }))).toEqual([
      {
        id: 'chatcmpl-local',
        object: 'chat.completion.chunk',
        created: 1764144000,
        model: 'claude-native',
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      },
    ]);
  });

  it('sends the role chunk before the first content even when message_start never came', () => {
    const t = new AnthropicStreamTranslator(CONTEXT);
    const local = { id: 'chatcmpl-local', object: 'chat.completion.chunk', created: 1764144000, model: 'claude-native' };
    expect(t.accept(blockDelta(0, { type: 'text_delta', text: 'hi' }))).toEqual([
      { ...local, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...local, choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] },
    ]);
  });

  it('a mid-stream error event throws a ProviderError carrying the usage seen so far', () => {
    const t = run([
      [
        messageStart({ input_tokens: 25, cache_read_input_tokens: 5, output_tokens: 1 }),
        [chunk({ role: 'assistant', content: '' })],
      ],
      [blockStart(0, { type: 'text', text: '' }), []],
      [blockDelta(0, { type: 'text_delta', text: 'Hel' }), [chunk({ content: 'Hel' })]],
    ]);
    let thrown: unknown;
    try {
      t.accept(ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    const error = thrown as ProviderError;
    expect(error).toMatchObject({ kind: 'http', message: 'Overloaded', provider: 'anthropic-prod', upstreamStatus: 529 });
    expect(error.upstreamErrorType).toBe('overloaded_error');
    expect(error.fallbackEligible).toBe(true);
    expect(error.reason).toBe('upstream_error:provider_unavailable:status=529:http');
    expect(error.usage).toEqual(usageChunk(30, 1, 5).usage);
    expect(t.finished).toBe(false);
  });

  it.each<[string, string, number, string]>([
    ['rate_limit_error', 'http', 429, 'rate_limit_exceeded'],
    ['api_error', 'http', 500, 'provider_unavailable'],
    ['invalid_request_error', 'http', 400, 'invalid_request'],
    ['authentication_error', 'auth', 401, 'unauthorized'],
    ['a_type_from_the_future', 'http', 500, 'provider_unavailable'],
  ])('an error event of type %s is a %s error with status %i (%s)', (type, kind, status, code) => {
    const t = new AnthropicStreamTranslator(CONTEXT);
    expect(() => t.accept(ev('error', { type: 'error', error: { type, message: 'm' } }))).toThrow(
      expect.objectContaining({ kind, upstreamStatus: status, usage: undefined }),
    );
    try {
      t.accept(ev('error', { type: 'error', error: { type, message: 'm' } }));
    } catch (error) {
      expect((error as ProviderError).toAppError().code).toBe(code);
    }
  });

  it('an error event without a message names its type', () => {
    const t = new AnthropicStreamTranslator(CONTEXT);
    expect(() => t.accept(ev('error', { type: 'error', error: { type: 'overloaded_error' } }))).toThrow(
      'anthropic-prod reported overloaded_error mid-stream',
    );
  });

  it('a malformed event is a protocol failure', () => {
    const t = run([[messageStart(), [chunk({ role: 'assistant', content: '' })]]]);
    expect(() => t.accept({ event: 'content_block_delta', data: '{"type": "content_block_delta", "ind' })).toThrow(
      expect.objectContaining({ kind: 'protocol', usage: usageChunk(25, 1).usage }),
    );
    expect(() => t.accept({ event: 'ping', data: '[1]' })).toThrow(expect.objectContaining({ kind: 'protocol' }));
  });

  describe('end of the upstream', () => {
    it('before message_stop and without a stop reason: cut short, a protocol failure with the usage so far', () => {
      const t = run([
        [messageStart(), [chunk({ role: 'assistant', content: '' })]],
        [blockDelta(0, { type: 'text_delta', text: 'Hel' }), [chunk({ content: 'Hel' })]],
      ]);
      expect(() => t.end()).toThrow(
        expect.objectContaining({
          kind: 'protocol',
          message: 'anthropic-prod stream ended before message_stop',
          usage: usageChunk(25, 1).usage,
        }),
      );
    });

    it('after message_delta gave the stop reason but before message_stop: complete', () => {
      const t = run([
        [messageStart(), [chunk({ role: 'assistant', content: '' })]],
        [blockDelta(0, { type: 'text_delta', text: 'Hi' }), [chunk({ content: 'Hi' })]],
        [messageDelta('stop_sequence', { output_tokens: 2 }), []],
      ]);
      expect(t.end()).toEqual([chunk({}, 'stop'), usageChunk(25, 2)]);
      expect(t.finished).toBe(true);
    });

    it('with nothing at all: a protocol failure with no usage', () => {
      const t = new AnthropicStreamTranslator(CONTEXT);
      expect(() => t.end()).toThrow(expect.objectContaining({ kind: 'protocol', usage: undefined }));
    });
  });
});
