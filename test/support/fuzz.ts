/** Seeded generators of hostile request bodies, shared by the fuzz test and `npm run chaos`. */

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzCase {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  path: string;
  contentType: string | undefined;
  body: Buffer | undefined;
  auth: 'member' | 'admin' | 'none' | 'garbage';
}

const STRINGS = [
  '',
  ' ',
  'fast',
  'local-sim/sim-small',
  'x'.repeat(300),
  '\u0000',
  '😀',
  '../../etc/passwd',
  '<script>',
  "' OR 1=1 --",
  '%00',
  '${HOME}',
];
const ROLES = ['user', 'assistant', 'system', 'tool', 'developer', 'root', '', 42];

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

function randomJson(r: () => number, depth = 0): unknown {
  const k = r();
  if (depth > 4 || k < 0.3) return pick(r, [null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, ...STRINGS]);
  if (k < 0.65) return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
  const keys = [
    'model',
    'messages',
    'stream',
    'n',
    'temperature',
    'role',
    'content',
    'email',
    'chat_id',
    'purpose',
    'x',
    '__proto__',
    'constructor',
  ];
  return Object.fromEntries(Array.from({ length: Math.floor(r() * 5) }, () => [pick(r, keys), randomJson(r, depth + 1)]));
}

function validChat(r: () => number): Record<string, unknown> {
  return {
    model: pick(r, ['local-sim/sim-small', 'fast', 'local-sim/sim-large']),
    stream: r() < 0.5,
    messages: [{ role: 'user', content: `hello ${Math.floor(r() * 1e6)}` }],
  };
}

function mutate(r: () => number, value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(value);
  const keys = Object.keys(copy);
  const ops = r() < 0.5 ? 1 : 3;
  for (let i = 0; i < ops; i++) {
    const op = r();
    if (op < 0.3 && keys.length) delete copy[pick(r, keys)];
    else if (op < 0.6 && keys.length) copy[pick(r, keys)] = randomJson(r);
    else if (op < 0.75) copy.messages = [{ role: pick(r, ROLES), content: randomJson(r) }];
    else if (op < 0.85)
      copy[
        pick(r, [
          'n',
          'temperature',
          'top_p',
          'max_tokens',
          'minimum_inference_tier',
          'stop',
          'tools',
          'anonymize',
          'chat_id',
          'message_id',
          'purpose',
          'stream_options',
        ])
      ] = randomJson(r);
    else copy[`extra_${i}`] = randomJson(r);
  }
  return copy;
}

function deepNest(r: () => number): string {
  const depth = 50 + Math.floor(r() * 100_000);
  return `{"model":"fast","messages":[{"role":"user","content":"x"}],"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

function invalidUtf8(): Buffer {
  return Buffer.concat([
    Buffer.from('{"model":"fast","messages":[{"role":"user","content":"'),
    Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
    Buffer.from('"}]}'),
  ]);
}

/** One generated request. `uuid` is a real id for path parameters, so some paths hit real rows. */
export function fuzzCase(r: () => number, uuid: string): FuzzCase {
  const route = pick(r, [
    ['POST', '/v1/chat/completions'],
    ['POST', '/v1/chat/completions'],
    ['POST', '/v1/chat/completions'],
    ['GET', '/v1/models'],
    ['POST', '/admin/users'],
    ['GET', '/admin/users'],
    [
      'POST',
      `/admin/users/${pick(r, [uuid, 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '%ff', "1'; DROP TABLE users; --"])}/api-keys`,
    ],
    ['DELETE', `/admin/api-keys/${pick(r, ['not-a-uuid', '00000000-0000-4000-8000-000000000000', '..'])}`],
    [
      'GET',
      `/admin/routing-log?${pick(r, ['limit=0', 'limit=abc', 'cursor=%ff%fe', 'chat_id=x', 'since=yesterday', 'tier=1&tier=2', 'refused=maybe', 'limit=5'])}`,
    ],
    ['POST', '/chats'],
    ['GET', '/chats?limit=-1'],
    ['GET', `/chats/${pick(r, [uuid, 'nope'])}`],
    ['POST', `/chats/${pick(r, [uuid, 'nope'])}/messages`],
    ['GET', `/chats/${pick(r, [uuid, 'nope'])}/receipts?event_kinds=${pick(r, ['', 'message', ',,,', 'x'.repeat(500)])}`],
    ['PUT', '/v1/chat/completions'],
    ['GET', '/health'],
    ['GET', '/ready'],
  ] as const);
  const kind = r();
  let body: Buffer | undefined;
  if (kind < 0.25) body = Buffer.from(JSON.stringify(randomJson(r)));
  else if (kind < 0.55) body = Buffer.from(JSON.stringify(mutate(r, validChat(r))));
  else if (kind < 0.62)
    body = Buffer.from(
      JSON.stringify({
        ...validChat(r),
        messages: [{ role: 'user', content: 'z'.repeat(200_000 + Math.floor(r() * 3_000_000)) }],
      }),
    );
  else if (kind < 0.68) body = Buffer.from(deepNest(r));
  else if (kind < 0.73) body = invalidUtf8();
  else if (kind < 0.8)
    body = Buffer.from(pick(r, ['{', '[', 'null', '"str"', '{"a":1}{"b":2}', '\u0000', 'model=fast', '{"model":"fast",}']));
  else if (kind < 0.85)
    body = Buffer.from(JSON.stringify({ email: pick(r, STRINGS), role: pick(r, ['member', 'admin', 'god', 1]) }));
  else if (kind < 0.9)
    body = Buffer.from(JSON.stringify({ content: randomJson(r), model: pick(r, STRINGS), stream: randomJson(r) }));
  else body = Buffer.from(JSON.stringify(validChat(r)));
  return {
    method: route[0],
    path: route[1],
    contentType: pick(r, [
      'application/json',
      'application/json',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/xml',
      undefined,
      'application/json; charset=latin1',
    ]),
    body: route[0] === 'GET' || route[0] === 'DELETE' ? undefined : body,
    auth: pick(r, ['member', 'member', 'member', 'admin', 'none', 'garbage']),
  };
}
