/**
 * A loopback OTLP/HTTP sink for `BENCH_OTLP=1 npm run bench:gateway`, run as its own process so the
 * export's receiving end does not share the gateway's CPU: accepts `POST /v1/traces`, counts the spans
 * of each JSON export, answers 200. Sends `{ url }` to its parent when listening, `{ spans }` on 'stats'.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let spans = 0;
const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
      };
      for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans += s.spans?.length ?? 0;
    } catch {
      // not JSON: counted as nothing
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"partialSuccess":{}}');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('message', (message) => {
  if (message === 'stats') process.send?.({ spans });
  if (message === 'stop') server.close(() => process.exit(0));
});
