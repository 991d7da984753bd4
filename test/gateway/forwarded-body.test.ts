/**
 * The body a provider receives: the client's own text when the gateway changed nothing, the
 * same text with only `model` replaced when routing renamed the model, and the parsed body
 * serialised again whenever the text cannot be trusted to say what the gateway validated
 * (gateway-only fields, injected stream usage, duplicate or escaped top-level keys).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key, provider, snapshotOf, startGateway, type RunningGateway } from './harness.ts';

const completion = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});
const streamed =
  'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n' +
  'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n' +
  'data: [DONE]\n\n';

let upstream: Server;
let received: string[] = [];
let receivedBytes: Buffer[] = [];
let gw: RunningGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      received.push(text);
      receivedBytes.push(bytes);
      const stream = (JSON.parse(text) as { stream?: boolean }).stream === true;
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      res.end(stream ? streamed : completion);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await startGateway(
    snapshotOf({
      providers: [
        provider('openai', url, [key({ models: ['gpt-4o-mini', 'fast'], aliases: { fast: 'gpt-4o-mini' } })]),
      ],
    }),
  );
});
afterAll(async () => {
  await gw.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

async function send(text: string | Uint8Array<ArrayBuffer>): Promise<string> {
  received = [];
  receivedBytes = [];
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });
  await response.text();
  expect(response.status).toBe(200);
  expect(received).toHaveLength(1);
  return received[0]!;
}

const messages = '[{"role":"user","content":"the \\"model\\": \\"x\\" inside a string"}]';

describe('the body forwarded to the provider', () => {
  it('is the client text itself, spelling and spacing kept, when nothing changed', async () => {
    const text = `{ "messages": ${messages},\n  "model" : "gpt-4o-mini", "temperature": 1.50, "seed": 12345678901234567890 }`;
    expect(await send(text)).toBe(text);
  });

  it('carries invalid UTF-8 as the text the gateway read (U+FFFD), never as the raw bytes', async () => {
    const head = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a';
    const tail = 'b"}]}';
    await send(new Uint8Array(Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)])));
    expect(receivedBytes[0]).toEqual(Buffer.from(`${head}\ufffd${tail}`));
  });

  it('is the client text with only model replaced when routing renamed it', async () => {
    const prefixed = `{"messages":${messages},"model":"openai/gpt-4o-mini","metadata":{"model":"keep"}}`;
    expect(await send(prefixed)).toBe(prefixed.replace('"openai/gpt-4o-mini"', '"gpt-4o-mini"'));
    const aliased = `{"model": "fast","messages":${messages}}`;
    expect(await send(aliased)).toBe(`{"model": "gpt-4o-mini","messages":${messages}}`);
  });

  it('is serialised again without the gateway-only fields', async () => {
    const text = `{"model":"gpt-4o-mini","messages":${messages},"fallbacks":[],"provider":"openai"}`;
    expect(JSON.parse(await send(text))).toEqual({
      model: 'gpt-4o-mini',
      messages: JSON.parse(messages) as unknown,
    });
  });

  it('is serialised again when a top-level key is given twice or written with escapes', async () => {
    const twice = `{"model":"gpt-4o","model":"gpt-4o-mini","messages":${messages}}`;
    expect(await send(twice)).toBe(`{"model":"gpt-4o-mini","messages":${messages}}`);
    const escaped = `{"model":"fast","mod\\u0065l":"gpt-4o-mini","messages":${messages}}`;
    expect(await send(escaped)).toBe(`{"model":"gpt-4o-mini","messages":${messages}}`);
  });

  it('carries the stream_options usage Heimdall injects, and the client text when it asked itself', async () => {
    const without = `{"model":"gpt-4o-mini","messages":${messages},"stream":true}`;
    expect(JSON.parse(await send(without))).toMatchObject({ stream_options: { include_usage: true } });
    const asked = `{"model":"gpt-4o-mini","messages":${messages},"stream":true,"stream_options":{"include_usage":true}}`;
    expect(await send(asked)).toBe(asked);
  });
});
