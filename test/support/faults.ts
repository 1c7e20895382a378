import { type Behaviour, sleep } from './fake-openai.js';

/** Upstream faults: each ends the client's request with an error and one failed row, and leaks nothing. */
export const FAULTS: Record<string, { behaviour: Behaviour; reason: RegExp; streamStatus: number }> = {
  'a reset mid-stream': {
    behaviour: async ({ sse, res }) => {
      sse.start();
      sse.role();
      sse.content('partial');
      await sleep(5);
      res.socket?.resetAndDestroy();
    },
    reason: /provider_unavailable:network/,
    streamStatus: 200,
  },
  'a stall longer than the read timeout': {
    behaviour: async ({ sse, res }) => {
      sse.start();
      sse.role();
      await sleep(3000);
      if (!res.destroyed) sse.done();
    },
    reason: /provider_unavailable:timeout/,
    streamStatus: 200,
  },
  'malformed frames': {
    behaviour: ({ sse }) => {
      sse.start();
      sse.role();
      sse.raw('data: {"id": "x", "choices": [ {broken\n\n');
      sse.done();
    },
    reason: /provider_unavailable:protocol/,
    streamStatus: 200,
  },
  'a stream that ends without a terminal chunk': {
    behaviour: ({ sse, res }) => {
      sse.start();
      sse.role();
      sse.content('cut');
      res.end();
    },
    reason: /provider_unavailable:protocol/,
    streamStatus: 200,
  },
  'a trickle past the request deadline': {
    behaviour: async ({ sse, res }) => {
      sse.start();
      sse.role();
      for (let i = 0; i < 40 && !res.destroyed; i++) {
        await sleep(100); // always inside the read timeout, never finishing within the request deadline
        if (!res.destroyed) sse.content('.');
      }
      if (!res.destroyed) sse.done();
    },
    reason: /provider_unavailable:timeout/,
    streamStatus: 200,
  },
  'a body that never starts': {
    behaviour: async ({ res }) => {
      await sleep(3000);
      if (!res.destroyed) res.end();
    },
    reason: /provider_unavailable:timeout/,
    streamStatus: 503,
  },
  'a connection closed before any answer': {
    behaviour: ({ res }) => {
      res.socket?.destroy();
    },
    reason: /provider_unavailable:network/,
    streamStatus: 503,
  },
  'a 200 that is not JSON': {
    behaviour: ({ res }) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>gateway timeout</html>');
    },
    reason: /provider_unavailable:protocol/,
    streamStatus: 200,
  },
};
