import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a fake upstream saw of one request. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  /** True when the caller hung up before the response was finished. */
  aborted: boolean;
  finished: boolean;
  /** The response is over: finished, or its connection closed. */
  closed: boolean;
}

/** One request as a fake upstream answers it: already recorded, its body read and parsed. */
export interface IncomingCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly record: ReceivedRequest;
  /** The body as JSON; `{}` when it was empty or not JSON (see `parsed`). */
  readonly body: Record<string, unknown>;
  /** Whether the body was a JSON object. */
  readonly parsed: boolean;
  /** The body's bytes as received (e.g. a compressed export). */
  readonly raw: Buffer;
}

/**
 * A real HTTP server on loopback for a fake upstream (OpenAI, Azure, Ollama, Anthropic). Keep-alive
 * like a real API (the client pools connections; tests check it reuses them); every request is
 * recorded with its path, headers, parsed body and how its response ended, then handed to `respond`.
 * A `respond` that throws drops the connection.
 */
export abstract class LoopbackServer {
  readonly requests: ReceivedRequest[] = [];
  /** TCP connections accepted so far (to see pooled connections being reused). */
  connections = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /** `http://127.0.0.1:<port>`, without a path. */
  get origin(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  protected abstract respond(call: IncomingCall): Promise<void> | void;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const raw = Buffer.concat(parts);
    let body: Record<string, unknown> = {};
    let parsed = false;
    try {
      const json: unknown = JSON.parse(raw.toString('utf8'));
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        body = json as Record<string, unknown>;
        parsed = true;
      }
    } catch {
      // Not JSON: `parsed` stays false, and the fake decides what that means.
    }
    const record: ReceivedRequest = {
      path: req.url ?? '',
      headers: req.headers,
      body,
      aborted: false,
      finished: false,
      closed: false,
    };
    this.requests.push(record);
    res.on('close', () => {
      record.closed = true;
      if (!res.writableFinished) record.aborted = true;
    });
    res.on('finish', () => {
      record.finished = true;
    });
    try {
      await this.respond({ req, res, record, body, parsed, raw });
    } catch {
      res.destroy();
    }
  }
}
