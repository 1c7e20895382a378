/**
 * The floor of `npm run bench:gateway`: a node:http proxy that does nothing but relay — no
 * authentication, no routing, no parsing of the answer, no log, no row. One keep-alive agent to the
 * upstream, the request body sent on as received, the response relayed read by read. What any node
 * gateway pays on this machine before doing its job; Tally's and Portkey's figures sit above it.
 *
 * argv[2]: the upstream's base URL (…/v1). Sends `{ url }` over IPC once listening; exits on 'stop'.
 */
import { Agent, createServer, request } from 'node:http';

const upstream = new URL(process.argv[2]);
const base = upstream.pathname.replace(/\/$/, '');
const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 512 });

const server = createServer((req, res) => {
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    const forward = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: base + req.url.replace(/^\/v1/, ''),
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: req.headers.authorization ?? '',
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
        answer.on('data', (part) => res.write(part));
        answer.on('end', () => res.end());
      },
    );
    forward.on('error', () => res.destroy());
    forward.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ url: `http://127.0.0.1:${server.address().port}` }));
process.on('message', (message) => {
  if (message !== 'stop') return;
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
