import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, type ExecutionContext, Post, Req, UseGuards } from '@nestjs/common';
import { Public } from '../src/auth/auth.guard.js';
import { AppError, ErrorCode } from '../src/common/app-error.js';
import { installFastLane, type LaneSteps } from '../src/common/fast-lane.js';
import { type Answer, AnswerRoute, Client, type ClientConnection, jsonAnswer } from '../src/common/http-transport.js';
import type { TallyRequest } from '../src/common/request-context.js';
import { counterSum, parsePrometheus } from './support/prometheus.js';
import { gatewayYaml, startTestApp, type TestApp } from './support/test-app.js';

interface Result {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(base: string, method: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.end(body);
  });
}

@Controller('v1')
class EchoController {
  @Post('echo')
  @AnswerRoute()
  async echo(@Req() req: TallyRequest, @Client() client: ClientConnection): Promise<Answer> {
    const body = req.parsedBody as { fail?: string };
    if (body.fail === 'plain') throw new Error('boom');
    return jsonAnswer(
      { lane: true, user: req.user, aborted: client.signal.aborted, request_id: req.requestId },
      { 'X-Echo': '1' },
    );
  }

  @Post('guarded')
  @UseGuards({ canActivate: (_: ExecutionContext) => true })
  @AnswerRoute()
  async guarded(): Promise<Answer> {
    return jsonAnswer({}, {});
  }

  @Public()
  @Post('open')
  @AnswerRoute()
  async open(): Promise<Answer> {
    return jsonAnswer({}, {});
  }
}

describe('the fast lane routes only its exact POST paths, with the same steps as Nest', () => {
  let server: Server;
  let base: string;
  const observed: string[] = [];
  const steps = (needsGuard = false): LaneSteps => ({
    observe: (req, res, route) => res.on('close', () => observed.push(`${req.method} ${route()} ${res.statusCode}`)),
    maxBodyBytes: 1024,
    admit: async (req) => {
      if (req.headers.authorization !== 'Bearer ok') throw new AppError(ErrorCode.Unauthorized, 'Missing or invalid API key.');
      req.user = { id: 'u1' } as TallyRequest['user'];
    },
    needsGuard: () => needsGuard,
  });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.end('express');
    });
    installFastLane(server, [{ path: '/v1/echo', controller: new EchoController(), method: 'echo' }], steps());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers POST on the exact path (query string allowed) and passes everything else to Express', async () => {
    const auth = { authorization: 'Bearer ok' };
    const lane = await send(base, 'POST', '/v1/echo?x=1', '{}', auth);
    expect(lane.status).toBe(200);
    expect(JSON.parse(lane.text)).toEqual({
      lane: true,
      user: { id: 'u1' },
      aborted: false,
      request_id: expect.stringMatching(/^req_/),
    });
    expect(lane.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(lane.headers['content-length']).toBe(String(Buffer.byteLength(lane.text)));
    expect(lane.headers['x-echo']).toBe('1');
    expect(lane.headers['x-request-id']).toBe(JSON.parse(lane.text).request_id);
    for (const [method, path] of [
      ['GET', '/v1/echo'],
      ['POST', '/v1/echo/'],
      ['POST', '/V1/echo'],
      ['POST', '/v1/other'],
    ]) {
      expect((await send(base, method, path, '{}', auth)).text).toBe('express');
    }
  });

  it('reads the body, authenticates, and answers every failure with the envelope', async () => {
    const caller = { 'x-request-id': 'req-from-caller' };
    const unauthorized = await send(base, 'POST', '/v1/echo', '{}', caller);
    expect(unauthorized.status).toBe(401);
    expect(JSON.parse(unauthorized.text).error.code).toBe('unauthorized');
    expect(unauthorized.headers['x-request-id']).toBe('req-from-caller');
    const badJson = await send(base, 'POST', '/v1/echo', '{"a":', { authorization: 'Bearer ok' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.text).error.message).toBe('Request body is not valid JSON.');
    const tooLarge = await send(base, 'POST', '/v1/echo', JSON.stringify({ pad: 'x'.repeat(2000) }), {
      authorization: 'Bearer ok',
    });
    expect(tooLarge.status).toBe(413);
    const crash = await send(base, 'POST', '/v1/echo', '{"fail":"plain"}', { authorization: 'Bearer ok', ...caller });
    expect(crash.status).toBe(500);
    expect(JSON.parse(crash.text).error).toMatchObject({ code: 'internal_error', details: { request_id: 'req-from-caller' } });
    expect(observed).toEqual(
      expect.arrayContaining(['POST /v1/echo 401', 'POST /v1/echo 400', 'POST /v1/echo 413', 'POST /v1/echo 500']),
    );
  });

  it('refuses at start-up a route with steps it would skip', () => {
    const other = createServer();
    expect(() =>
      installFastLane(other, [{ path: '/v1/guarded', controller: new EchoController(), method: 'guarded' }], steps()),
    ).toThrow(/__guards__/);
    expect(() =>
      installFastLane(other, [{ path: '/v1/open', controller: new EchoController(), method: 'open' }], steps(true)),
    ).toThrow(/auth metadata/);
  });
});

describe('through the real app, the lane answers as Express and Nest do', () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml());
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
  });

  // `/v1/chat/completions/` (trailing slash) is not the lane's path: Express routes it to the same handler.
  const both = async (path: string, body: string, headers: Record<string, string>) => {
    const lane = await send(app.url, 'POST', path, body, headers);
    const nest = await send(app.url, 'POST', `${path}/`, body, headers);
    return { lane, nest };
  };
  const shape = (r: Result) => {
    const { date: _d, 'x-request-id': _r, 'x-completion-id': _c, 'content-length': _l, ...headers } = r.headers;
    const body = JSON.parse(r.text);
    for (const volatile of ['id', 'created']) if (volatile in body) body[volatile] = typeof body[volatile];
    if (body.error?.details?.request_id) body.error.details.request_id = 'request id';
    return { status: r.status, headers, body };
  };

  it('is installed in front of Express', () => {
    const server = app.running.app.getHttpServer() as Server;
    expect(server.listeners('request')).toHaveLength(1);
    expect(server.listeners('request')[0]).not.toBe(app.running.app.getHttpAdapter().getInstance());
  });

  it('gives the same status, headers and body for answers and for errors', async () => {
    const auth = { authorization: `Bearer ${key}` };
    const cases: [string, string, Record<string, string>, number][] = [
      ['/v1/chat/completions', JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] }), auth, 200],
      [
        '/v1/chat/completions',
        JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
        auth,
        400,
      ],
      ['/v1/chat/completions', '{"model":', auth, 400],
      ['/v1/chat/completions', '{}', { authorization: 'Bearer tly_wrong' }, 401],
      ['/v1/embeddings', JSON.stringify({ model: 'sim-small', input: [] }), auth, 400],
    ];
    for (const [path, body, headers, status] of cases) {
      const { lane, nest } = await both(path, body, headers);
      expect(lane.status).toBe(status);
      expect(shape(lane)).toEqual(shape(nest));
    }
    const rows = await app.rows();
    expect(rows.filter((r) => r.outcome === 'completed')).toHaveLength(2);
  });

  it('labels its requests with the route template, as the Express route does', async () => {
    const scrape = parsePrometheus(await (await fetch(`${app.url}/metrics`)).text());
    expect(counterSum(scrape, 'tally_http_requests_total', { route: '/v1/chat/completions', status: '200' })).toBe(2);
    expect(counterSum(scrape, 'tally_http_requests_total', { route: '/v1/chat/completions', status: '401' })).toBe(2);
  });
});
