/**
 * Shared plumbing of the provider mocks: a loopback node:http server that records requests
 * (method, path, headers, raw and JSON body), answers through a handler, and serves scripted
 * failures first. Bounded: every test closes its mock, and sockets are destroyed on close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  body: Record<string, unknown>;
}

export interface ScriptedFailure {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: Recorded, res: ServerResponse) => void | Promise<void>;

export interface HttpMock {
  readonly url: string;
  readonly requests: Recorded[];
  /** The next requests get these answers, in order. */
  fail(...failures: ScriptedFailure[]): void;
  reset(): void;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parse(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Writes SSE events (`[event, data]` pairs or bare data) and ends the response. */
export function sendSse(
  res: ServerResponse,
  events: ReadonlyArray<readonly [string | undefined, unknown]>,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const [event, data] of events) {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    res.write(event === undefined ? `data: ${text}\n\n` : `event: ${event}\ndata: ${text}\n\n`);
  }
  res.end();
}

export async function startHttpMock(handler: Handler): Promise<HttpMock> {
  const requests: Recorded[] = [];
  const failures: ScriptedFailure[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readAll(req);
      const url = req.url ?? '';
      const recorded: Recorded = {
        method: req.method ?? '',
        url,
        path: url.split('?')[0]!,
        headers: req.headers,
        raw,
        body: parse(raw),
      };
      requests.push(recorded);
      const failure = failures.shift();
      if (failure) return sendJson(res, failure.status, failure.body, failure.headers);
      try {
        await handler(recorded, res);
      } catch (error) {
        if (!res.headersSent) sendJson(res, 500, { message: `mock handler failed: ${String(error)}` });
        else res.destroy();
      }
    })();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (...more) => void failures.push(...more),
    reset: () => {
      requests.length = 0;
      failures.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
