/**
 * Issue 11, Medium 11: a client that sends headers and part of a body, then nothing, gets a 408
 * and a closed connection once the body has been idle for `bodyIdleTimeoutMs` (default 30 s;
 * short here). The limit covers reading the body only: slow answers and long streams are not cut.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../gateway/create-gateway.ts';
import { startHttpMock, type HttpMock } from '../mocks/http-mock.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { FakeControlPlane, key, provider, snapshotOf } from './harness.ts';

const IDLE_MS = 400;

let mock: OpenAIMock;
/** Streams three chunks further apart than the body idle limit, then `[DONE]`. */
let slowStream: HttpMock;
let gateway: Gateway;
let server: Server;
let port = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  mock = await startOpenAIMock();
  slowStream = await startHttpMock(async (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const text of ['one', 'two', 'three']) {
      const chunk = {
        id: 'c',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: text } }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 1.5));
    }
    res.end('data: [DONE]\n\n');
  });
  const controlPlane = new FakeControlPlane(
    snapshotOf({
      providers: [provider('openai', mock.url, [key()]), provider('groq', slowStream.url, [key()])],
    }),
  );
  gateway = await createGateway({ controlPlane, bodyIdleTimeoutMs: IDLE_MS });
  server = createServer((req, res) => void gateway.handle(req, res));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await gateway?.close();
  await mock?.close();
  await slowStream?.close();
});

const HEAD = (length: number) =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: heimdall\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${length}\r\n\r\n`;

/** Writes `parts` on a raw socket (awaiting each delay first) and resolves with all it received once the server closes it. */
function rawExchange(parts: ReadonlyArray<string | number>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    void (async () => {
      for (const part of parts) {
        if (typeof part === 'number') await new Promise((r) => setTimeout(r, part));
        else socket.write(part);
      }
    })();
  });
}

describe('request body idle timeout', () => {
  it('headers and 9 of 1000 body bytes, then silence: 408 request_timeout, and the server closes the connection', async () => {
    const received = await rawExchange([HEAD(1000), '{"model":']);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received.toLowerCase()).toContain('connection: close');
    const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as {
      error: { type: string; code: string; param: null; message: string };
    };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_timeout', param: null });
  });

  it('a body that keeps arriving in small pieces is read to the end and served', async () => {
    const body = JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const pieces = body.match(/.{1,8}/g)!;
    // `Connection: close` so the exchange ends with the answer.
    const steps: Array<string | number> = [
      HEAD(Buffer.byteLength(body)).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'),
    ];
    for (const piece of pieces) steps.push(IDLE_MS / 8, piece);
    const received = await rawExchange(steps);
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('does not cut a plain answer that takes longer than the body idle limit', async () => {
    mock.enqueue({ kind: 'delay', ms: IDLE_MS * 2 });
    const client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
  });

  it('does not cut a stream whose events are further apart than the body idle limit', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'groq/llama',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('onetwothree');
  });
});
