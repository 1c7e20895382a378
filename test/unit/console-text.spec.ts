import { describe, expect, it } from '@jest/globals';
import { SseParser } from '../../web/src/api/sse.js';
import { parseInline, parseMarkdown, plainText } from '../../web/src/markdown/markdown.js';
import { parseRoute } from '../../web/src/router.js';

describe('console SSE parser (incremental)', () => {
  it('returns each event once its blank line arrives, whatever the chunking', () => {
    const stream = 'data: {"type":"start"}\n\ndata: {"type":"delta","content":"a\\nb"}\r\n\r\n: comment\n\ndata: [DONE]\n\n';
    const whole = new SseParser().push(stream);
    expect(whole).toEqual(['{"type":"start"}', '{"type":"delta","content":"a\\nb"}', '[DONE]']);
    for (const size of [1, 2, 3, 7]) {
      const parser = new SseParser();
      const seen: string[] = [];
      for (let i = 0; i < stream.length; i += size) seen.push(...parser.push(stream.slice(i, i + size)));
      expect(seen).toEqual(whole);
    }
  });

  it('joins multi-line data, ignores other fields, and holds a partial event', () => {
    const parser = new SseParser();
    expect(parser.push('event: x\nid: 1\ndata: one\ndata:two\n')).toEqual([]);
    expect(parser.push('\n')).toEqual(['one\ntwo']);
    expect(parser.push('data: tail')).toEqual([]);
  });
});

describe('console markdown reader', () => {
  it('reads fenced code, headings, lists, quotes and paragraphs', () => {
    const blocks = parseMarkdown(
      '# Title\n\nSome **bold** and `code`.\n\n```ts\nconst a = 1 < 2;\n```\n- one\n- two\n\n1. first\n> quoted',
    );
    expect(blocks.map((b) => b.type)).toEqual(['heading', 'paragraph', 'code', 'list', 'list', 'quote']);
    expect(blocks[2]).toEqual({ type: 'code', lang: 'ts', text: 'const a = 1 < 2;' });
    expect(blocks[3]).toMatchObject({
      ordered: false,
      items: [[{ type: 'text', text: 'one' }], [{ type: 'text', text: 'two' }]],
    });
    expect(blocks[4]).toMatchObject({ ordered: true });
  });

  it('runs an unclosed fence to the end (a code block still streaming in)', () => {
    expect(parseMarkdown('Look:\n```\nline 1\nline 2')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: 'Look:' }] },
      { type: 'code', lang: '', text: 'line 1\nline 2' },
    ]);
  });

  it('keeps HTML as text and links only to http(s) and mailto', () => {
    expect(parseInline('<img src=x onerror=alert(1)>')).toEqual([{ type: 'text', text: '<img src=x onerror=alert(1)>' }]);
    expect(parseInline('[ok](https://example.com) [bad](javascript:alert(1))')).toEqual([
      { type: 'link', href: 'https://example.com', children: [{ type: 'text', text: 'ok' }] },
      { type: 'text', text: ' [bad](javascript:alert(1))' },
    ]);
    expect(parseInline('*em* and snake_case_name')).toEqual([
      { type: 'em', children: [{ type: 'text', text: 'em' }] },
      { type: 'text', text: ' and snake_case_name' },
    ]);
    expect(plainText(parseMarkdown('**a** `b`\n\n```\nc\n```'))).toBe('a b\n\nc');
  });
});

describe('console routes', () => {
  it('maps /console paths to screens; anything else is not found', () => {
    const id = '5f0c6a8e-1d2b-4c3a-9e8f-0a1b2c3d4e5f';
    expect(parseRoute('/console/')).toEqual({ screen: 'chats', chatId: null });
    expect(parseRoute(`/console/chats/${id}`)).toEqual({ screen: 'chats', chatId: id });
    expect(parseRoute('/console/admin/routing-log')).toEqual({ screen: 'routing-log' });
    expect(parseRoute(`/console/admin/turns/${id}`)).toEqual({ screen: 'turn', messageId: id });
    expect(parseRoute('/console/admin/usage')).toEqual({ screen: 'usage' });
    expect(parseRoute('/console/admin/users')).toEqual({ screen: 'users' });
    expect(parseRoute('/console/chats/not-a-uuid')).toEqual({ screen: 'not-found' });
  });
});
