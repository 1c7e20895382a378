import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeOpenAi } from './support/fake-openai.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

/*
 * The frames a streaming client gets, whatever spelling the upstream's JSON has. Chunks are forwarded
 * as the upstream wrote them (plus the stamp) when their text allows it, and serialised again when it
 * does not; either way each frame is `data: <one line of JSON>\n\n` holding exactly what parsing the
 * upstream chunk and stamping it gives — and, for compact upstream JSON, the very bytes serialising
 * the stamped chunk gives.
 */

const head = '"id":"chatcmpl-w","object":"chat.completion.chunk","created":1764144000,"model":"m"';
const content = (text: string) =>
  `{${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}]}`;

/** Upstream `data:` payloads, one frame each (a payload with a \n is sent as several data lines). */
const PAYLOADS: { label: string; data: string; compact: boolean }[] = [
  {
    label: 'role chunk',
    data: `{${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
    compact: true,
  },
  { label: 'content', data: content('Hello'), compact: true },
  {
    label: "OpenAI's own shape, usage null in every chunk",
    data: `{${head},"service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" wor"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"a8Xk"}`,
    compact: true,
  },
  {
    label: 'usage first',
    data: `{"usage":null,${head},"choices":[{"index":0,"delta":{"content":"ld"},"finish_reason":null}]}`,
    compact: true,
  },
  {
    label: 'spaced out, escapes, trailing blanks',
    data: `{ "id" : "chatcmpl-w" , "object":"chat.completion.chunk", "created":1764144000, "model":"m", "choices" : [ { "index":0, "delta": {"content":"sp\\u00e9ced \\/ \\"q\\""}, "finish_reason":null } ], "usage" : null }  \t`,
    compact: false,
  },
  {
    label: 'usage key spelled with an escape',
    data: `{${head},"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":null}],"us\\u0061ge":null}`,
    compact: false,
  },
  {
    label: 'strings and nested keys that look like usage',
    data: `{${head},"choices":[{"index":0,"delta":{"content":"\\"usage\\":null} ","usage":null},"finish_reason":null}],"x\\"usage":1,"usage":null}`,
    compact: true,
  },
  {
    label: 'several data lines',
    data: `{${head},\n"choices":[{"index":0,"delta":{"content":" two"},\n"finish_reason":null}]}`,
    compact: false,
  },
  {
    label: 'a stamp field already there',
    data: `{"routed_provider":"upstream-says",${head},"choices":[{"index":0,"delta":{"content":" lines"},"finish_reason":null}]}`,
    compact: false,
  },
  {
    label: 'a repeated key (the last counts)',
    data: `{${head},"choices":[{"index":0,"delta":{"content":"ignored"},"finish_reason":null}],"choices":[{"index":0,"delta":{"content":"."},"finish_reason":null}]}`,
    compact: false,
  },
  { label: 'finish', data: `{${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`, compact: true },
  {
    label: 'usage only',
    data: `{${head},"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":9,"total_tokens":16}}`,
    compact: true,
  },
];

/** What the client must get for one payload: parsed, stamped, usage left out unless asked for. */
function expected(data: string, includeUsage: boolean): Record<string, unknown> | null {
  const chunk = JSON.parse(data) as Record<string, unknown> & { choices: unknown[] };
  if (!includeUsage && chunk.choices.length === 0) return null;
  chunk.routed_provider = 'local-up';
  chunk.routed_inference_tier = 1;
  if (!includeUsage) delete chunk.usage;
  return chunk;
}

function sseText(lineEnd: string): string {
  const frames = PAYLOADS.map(
    ({ data }) =>
      `${data
        .split('\n')
        .map((line) => `data: ${line}`)
        .join(lineEnd)}${lineEnd}${lineEnd}`,
  );
  return `${frames.join('')}data: [DONE]${lineEnd}${lineEnd}`;
}

describe('streamed frames as the client gets them', () => {
  let fake: FakeOpenAi;
  let app: TestApp;
  let key: string;
  /** How the upstream writes its body: the SSE text and the size of each write (0: one write per frame). */
  let wire = { lineEnd: '\n', pieceBytes: 0 };

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    fake.behaviour =
      () =>
      async ({ sse, res }) => {
        sse.start();
        const text = sseText(wire.lineEnd);
        if (wire.pieceBytes === 0) {
          for (const frame of text.split(`${wire.lineEnd}${wire.lineEnd}`).slice(0, -1))
            sse.raw(`${frame}${wire.lineEnd}${wire.lineEnd}`);
        } else {
          const bytes = Buffer.from(text);
          for (let at = 0; at < bytes.length; at += wire.pieceBytes) res.write(bytes.subarray(at, at + wire.pieceBytes));
        }
        res.end();
      };
    app = await startTestApp(gatewayYaml({ upstreams: { 'local-up': fake.baseUrl } }));
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  for (const includeUsage of [false, true]) {
    for (const w of [
      { lineEnd: '\n', pieceBytes: 0 },
      { lineEnd: '\r\n', pieceBytes: 0 },
      { lineEnd: '\n', pieceBytes: 7 },
    ]) {
      it(`${includeUsage ? 'with' : 'without'} include_usage, upstream lines ending ${JSON.stringify(w.lineEnd)}, ${w.pieceBytes ? `written ${w.pieceBytes} bytes at a time` : 'a write per frame'}`, async () => {
        wire = w;
        const result = await postSse(app.url, key, {
          model: 'local-up/local-up-model',
          stream: true,
          ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
          messages: [{ role: 'user', content: 'hi' }],
        });
        expect(result.status).toBe(200);
        // Every frame is one data line.
        expect(result.raw).toMatch(/^(data: [^\n]*\n\n)+$/);
        expect(result.frames.at(-1)).toBe('[DONE]');
        const want = PAYLOADS.map(({ data, compact }) => ({ compact, chunk: expected(data, includeUsage) })).filter(
          (w): w is { compact: boolean; chunk: Record<string, unknown> } => w.chunk !== null,
        );
        const got = result.frames.slice(0, -1);
        expect(got.map((f) => JSON.parse(f))).toEqual(want.map((w) => w.chunk));
        // The stamp is there once, also where the upstream sent a field of that name.
        for (const frame of got) expect(frame.split('"routed_provider":')).toHaveLength(2);
        // Compact upstream JSON: the same bytes as serialising the stamped chunk.
        for (const [i, w] of want.entries()) if (w.compact) expect(got[i]).toBe(JSON.stringify(w.chunk));
        const [row] = await app.rows('id = $1', [result.headers['x-completion-id']]);
        expect(row).toMatchObject({ outcome: 'completed', tokens_in: 7, tokens_out: 9 });
        expect(row.ttft_ms).not.toBeNull();
      });
    }
  }
});
