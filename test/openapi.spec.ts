import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OPENAPI_DOCUMENT } from '../src/openapi/openapi.document.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

type Json = any;

/** `METHOD /path/{param}` for every route the Express router behind Nest actually serves. */
function registeredRoutes(app: TestApp): string[] {
  const express = app.running.app.getHttpAdapter().getInstance();
  const routes: string[] = [];
  for (const layer of express.router.stack as { route?: { path: string; methods: Record<string, boolean> } }[]) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods)) {
      if (method === '_all') continue;
      routes.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

function documentedOperations(doc: Json): { key: string; path: string; method: string; op: Json }[] {
  return Object.entries(doc.paths as Record<string, Record<string, Json>>)
    .flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op })),
    )
    .sort((a, b) => a.key.localeCompare(b.key));
}

function resolveRef(doc: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .reduce((node, part) => (node === undefined ? undefined : node[part]), doc);
}

function allRefs(node: Json, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) allRefs(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else allRefs(value, found);
    }
  }
  return found;
}

/**
 * A small JSON Schema check (the keywords the document uses): returns the problems found, so a real
 * response that drifts from its documented schema fails with the path that drifted.
 */
function violations(doc: Json, schema: Json, value: unknown, at = '$'): string[] {
  if (schema.$ref) return violations(doc, resolveRef(doc, schema.$ref), value, at);
  if (schema.oneOf || schema.anyOf) {
    const options: Json[] = schema.oneOf ?? schema.anyOf;
    const passing = options.filter((option) => violations(doc, option, value, at).length === 0).length;
    if (schema.oneOf ? passing !== 1 : passing === 0) return [`${at}: matches ${passing} of ${options.length} alternatives`];
    return [];
  }
  const problems: string[] = [];
  if (schema.type) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual =
      value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : (typeof value as string);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return [`${at}: ${JSON.stringify(value)} is ${actual}, not ${types.join('|')}`];
    }
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${at}: not ${schema.const}`);
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${at}.${key}: missing`);
    for (const [key, child] of Object.entries(object)) {
      const property = schema.properties?.[key];
      if (property) problems.push(...violations(doc, property, child, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${key}: not documented`);
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...violations(doc, schema.additionalProperties, child, `${at}.${key}`));
    }
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) problems.push(...violations(doc, schema.items, item, `${at}[${i}]`));
  }
  return problems;
}

/** Just enough DOM to run the /docs script outside a browser and see what it builds. */
class FakeNode {
  readonly children: FakeNode[] = [];
  readonly attributes: Record<string, string> = {};
  textContent = '';
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes[name] = String(value);
  }
  append(...nodes: (FakeNode | string)[]) {
    for (const node of nodes) {
      if (typeof node === 'string') {
        const text = new FakeNode('#text');
        text.textContent = node;
        this.children.push(text);
      } else this.children.push(node);
    }
  }
  *walk(): Generator<FakeNode> {
    yield this;
    for (const child of this.children) yield* child.walk();
  }
}

function runDocsScript(script: string, json: string): FakeNode {
  const root = new FakeNode('main');
  const data = new FakeNode('script');
  data.textContent = json;
  const document = {
    getElementById: (id: string) => ({ root, openapi: data })[id] ?? null,
    createElement: (tag: string) => new FakeNode(tag),
  };
  new Function('document', script)(document);
  return root;
}

describe('OpenAPI document and /docs', () => {
  let app: TestApp;
  let doc: Json;
  let member: { id: string; key: string };

  const call = async (method: string, path: string, key: string | null, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null,
    };
  };
  /** The documented schema of one operation's answer. */
  const responseSchema = (path: string, method: string, status: string, type = 'application/json') => {
    let response = doc.paths[path][method].responses[status];
    if (response.$ref) response = resolveRef(doc, response.$ref);
    return response.content[type].schema;
  };
  const expectConforms = (schema: Json, value: unknown) => expect(violations(doc, schema, value)).toEqual([]);

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml());
    member = await app.createUser();
    const res = await fetch(`${app.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = await res.json();
  });

  afterAll(async () => {
    await app.close();
  });

  it('documents every route Nest registered, and no route it did not', () => {
    const registered = registeredRoutes(app);
    expect(registered.length).toBeGreaterThanOrEqual(22);
    expect(documentedOperations(doc).map((o) => o.key)).toEqual(registered);
  });

  it('serves the typed document as OpenAPI 3.1 JSON: unique operation ids, resolvable refs, declared path parameters', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    expect(doc.openapi).toBe('3.1.0');
    const operations = documentedOperations(doc);
    expect(new Set(operations.map((o) => o.op.operationId)).size).toBe(operations.length);
    for (const ref of allRefs(doc)) expect([ref, resolveRef(doc, ref) !== undefined]).toEqual([ref, true]);
    for (const { key, path, op } of operations) {
      const declared = (op.parameters ?? [])
        .map((p: Json) => (p.$ref ? resolveRef(doc, p.$ref) : p))
        .filter((p: Json) => p.in === 'path')
        .map((p: Json) => p.name)
        .sort();
      const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect([key, declared]).toEqual([key, inTemplate]);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
  });

  it('describes bearer auth, the error envelope, the chat completion and both SSE answers', () => {
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.ErrorEnvelope.properties.error.required).toEqual([
      'code',
      'message',
      'type',
      'param',
      'details',
    ]);
    const completions = doc.paths['/v1/chat/completions'].post;
    expect(completions.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ChatCompletionRequest',
    });
    expect(Object.keys(completions.responses['200'].content).sort()).toEqual(['application/json', 'text/event-stream']);
    expect(Object.keys(doc.paths['/chats/{id}/messages'].post.responses['200'].content)).toEqual(['text/event-stream']);
    for (const name of ['minimum_inference_tier', 'anonymize', 'chat_id', 'message_id', 'purpose']) {
      expect(doc.components.schemas.ChatCompletionRequest.properties).toHaveProperty(name);
    }
  });

  it('marks exactly the routes api.md names public: they answer without a key, every other operation answers 401', async () => {
    const publicKeys: string[] = [];
    for (const { key, path, method, op } of documentedOperations(doc)) {
      const concrete = path.replace(/\{\w+\}/g, randomUUID());
      const res = await call(method.toUpperCase(), concrete, null);
      if (Array.isArray(op.security) && op.security.length === 0) {
        publicKeys.push(key);
        expect([key, res.status]).toEqual([key, 200]);
      } else {
        expect([key, res.status, res.json?.error?.code]).toEqual([key, 401, 'unauthorized']);
      }
    }
    expect(publicKeys).toEqual(['GET /docs', 'GET /health', 'GET /metrics', 'GET /openapi.json', 'GET /ready']);
  });

  it('matches what the routes really answer', async () => {
    const notFound = await call('GET', `/chats/${randomUUID()}`, member.key);
    expect(notFound.status).toBe(404);
    expectConforms(responseSchema('/chats/{id}', 'get', '404'), notFound.json);
    const badId = await call('GET', '/admin/turns/nope', app.adminKey);
    expectConforms(responseSchema('/admin/turns/{messageId}', 'get', '400'), badId.json);

    expectConforms(responseSchema('/health', 'get', '200'), (await call('GET', '/health', null)).json);
    expectConforms(responseSchema('/ready', 'get', '200'), (await call('GET', '/ready', null)).json);
    expectConforms(responseSchema('/v1/models', 'get', '200'), (await call('GET', '/v1/models', member.key)).json);

    const completion = await call('POST', '/v1/chat/completions', member.key, {
      model: 'local-sim/sim-small',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.status).toBe(200);
    expectConforms(responseSchema('/v1/chat/completions', 'post', '200'), completion.json);

    const embeddings = await call('POST', '/v1/embeddings', member.key, { model: 'local-sim/sim-small', input: ['a', 'b'] });
    expect(embeddings.status).toBe(200);
    expectConforms(responseSchema('/v1/embeddings', 'post', '200'), embeddings.json);
    const base64 = await call('POST', '/v1/embeddings', member.key, {
      model: 'local-sim/sim-small',
      input: 'a',
      encoding_format: 'base64',
    });
    expectConforms(responseSchema('/v1/embeddings', 'post', '200'), base64.json);
    const badEmbedding = await call('POST', '/v1/embeddings', member.key, { model: 'local-sim/sim-small', input: '' });
    expectConforms(responseSchema('/v1/embeddings', 'post', '400'), badEmbedding.json);

    const chat = await call('POST', '/chats', member.key, { title: 'Doc check' });
    expectConforms(responseSchema('/chats', 'post', '201'), chat.json);
    const turn = await call('POST', `/chats/${chat.json.id}/messages`, member.key, {
      content: 'hello',
      model: 'local-sim/sim-small',
    });
    expect(turn.status).toBe(201);
    expectConforms(responseSchema('/chats/{id}/messages', 'post', '201'), turn.json);
    expectConforms(responseSchema('/chats', 'get', '200'), (await call('GET', '/chats', member.key)).json);
    expectConforms(
      responseSchema('/chats/{id}/messages', 'get', '200'),
      (await call('GET', `/chats/${chat.json.id}/messages`, member.key)).json,
    );
    const receipts = await call('GET', `/chats/${chat.json.id}/receipts`, app.adminKey);
    expect(receipts.json.map((e: Json) => e.kind)).toEqual(['message', 'inference', 'message', 'audit']);
    expectConforms(responseSchema('/chats/{id}/receipts', 'get', '200'), receipts.json);

    expectConforms(responseSchema('/admin/users', 'get', '200'), (await call('GET', '/admin/users', app.adminKey)).json);
    const key = await call('POST', `/admin/users/${member.id}/api-keys`, app.adminKey, {});
    expectConforms(responseSchema('/admin/users/{id}/api-keys', 'post', '201'), key.json);
    expectConforms(
      responseSchema('/admin/routing-log', 'get', '200'),
      (await call('GET', '/admin/routing-log', app.adminKey)).json,
    );
    expectConforms(
      responseSchema('/admin/turns/{messageId}', 'get', '200'),
      (await call('GET', `/admin/turns/${turn.json.message.id}`, app.adminKey)).json,
    );
    for (const groupBy of ['user', 'provider', 'model', 'tier', 'day']) {
      const usage = await call('GET', `/admin/usage?group_by=${groupBy}`, app.adminKey);
      expect(usage.json.items.length).toBeGreaterThan(0);
      expectConforms(responseSchema('/admin/usage', 'get', '200'), usage.json);
    }
  });

  it('matches what the streams really send: ChatCompletionChunk frames and TurnStreamEvent frames', async () => {
    const completion = await postSse(app.url, member.key, {
      model: 'local-sim/sim-small',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(completion.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(completion.frames.at(-1)).toBe('[DONE]');
    const chunks = completion.frames.slice(0, -1).map((frame) => JSON.parse(frame));
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expectConforms({ $ref: '#/components/schemas/ChatCompletionChunk' }, chunk);

    const chat = await call('POST', '/chats', member.key, {});
    const turn = await postSse(
      app.url,
      member.key,
      { content: 'stream a turn', model: 'local-sim/sim-small', stream: true },
      { path: `/chats/${chat.json.id}/messages` },
    );
    expect(turn.frames.at(-1)).toBe('[DONE]');
    const events = turn.frames.slice(0, -1).map((frame) => JSON.parse(frame));
    expect(events[0].type).toBe('start');
    expect(events.at(-1).type).toBe('complete');
    for (const event of events) expectConforms({ $ref: '#/components/schemas/TurnStreamEvent' }, event);
  });

  it('catches a response that drifts from its schema (the checker itself can fail)', () => {
    const schema = responseSchema('/health', 'get', '200');
    expect(violations(doc, schema, { status: 'ok' })).toEqual([]);
    expect(violations(doc, schema, { status: 'down' })).not.toEqual([]);
    expect(violations(doc, { $ref: '#/components/schemas/Chat' }, { id: randomUUID() })).toContain('$.owner_id: missing');
    expect(violations(doc, { $ref: '#/components/schemas/CreateChatRequest' }, { titel: 'x' })).toEqual([
      '$.titel: not documented',
    ]);
  });

  it('serves /docs without a key as a self-contained HTML page that renders the same document', async () => {
    const res = await call('GET', '/docs', null);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = res.text;
    expect(html.startsWith('<!doctype html>')).toBe(true);

    // Nothing is loaded from anywhere: no src attributes, no stylesheet links, only same-origin hrefs.
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/https?:\/\/|href="\/\//i);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");

    // The embedded document is the served one, and the inline script is the one the CSP allows.
    const data = /<script type="application\/json" id="openapi">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(data ?? 'null')).toEqual(doc);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    expect(csp).toContain(`'sha256-${createHash('sha256').update(scripts[0]).digest('base64')}'`);
    // Run it: one entry per operation and per schema, and the operations' paths as text.
    const rendered = runDocsScript(scripts[0], data ?? '');
    const ids = [...rendered.walk()].map((node) => node.attributes.id).filter(Boolean);
    const operations = documentedOperations(doc);
    expect(ids.filter((id) => !id.startsWith('schema-')).sort()).toEqual(operations.map((o) => o.op.operationId).sort());
    expect(ids.filter((id) => id.startsWith('schema-'))).toHaveLength(Object.keys(doc.components.schemas).length);
    const texts = new Set([...rendered.walk()].map((node) => node.textContent));
    for (const { path } of operations) expect(texts).toContain(path);

    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });
});
