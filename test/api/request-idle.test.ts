/** A /graphql body that stops arriving is answered 408 and its connection closed. */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../api/http-server.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';

const notInference = { handle: () => false, allowedOrigins: () => [] } as unknown as Gateway;
const servers: Array<ReturnType<typeof createHttpServer>> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A stand-in for yoga: reads the whole body, then answers (or keeps an event stream open). */
function graphql(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => res.end(JSON.stringify({ got: Buffer.concat(chunks).length })));
}

async function start(idleMs: number): Promise<number> {
  const server = createHttpServer({
    gateway: notInference,
    pingDatabase: () => Promise.resolve(),
    graphql,
    bodyIdleTimeoutMs: idleMs,
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

/** Sends `head` then each piece after its delay; resolves with all the server sent and whether it closed. */
async function raw(port: number, head: string, pieces: Array<[number, string]>, waitMs: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('close', () => (closed = true));
  socket.write(head);
  for (const [delay, piece] of pieces) {
    await new Promise((r) => setTimeout(r, delay));
    if (!closed) socket.write(piece);
  }
  const deadline = Date.now() + waitMs;
  while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  return { text, closed };
}

const post = (length: number) =>
  `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('/graphql request bodies', () => {
  it('answers 408 and closes when the body stops arriving (headers and 9 of 1,000 bytes)', async () => {
    const port = await start(300);
    const { text, closed } = await raw(port, post(1000) + '{"query":', [], 10_000);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('"code":"request_timeout"');
    expect(closed).toBe(true);
  });

  it('serves a body sent in pauses shorter than the limit, and keeps the connection', async () => {
    const port = await start(400);
    const body = '{"query":"{ __typename }"}';
    const pieces: Array<[number, string]> = [...body].map((c) => [60, c]);
    const { text, closed } = await raw(port, post(body.length), pieces, 800);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain(`{"got":${body.length}}`);
    // Idle keep-alive after the request is not the body limit's business.
    expect(closed).toBe(false);
  });

  it('never cuts an open event stream (GET, no body) that goes quiet', async () => {
    const port = await start(200);
    const { text, closed } = await raw(port, 'GET /graphql HTTP/1.1\r\nHost: x\r\n\r\n', [], 800);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(closed).toBe(false);
  });
});
