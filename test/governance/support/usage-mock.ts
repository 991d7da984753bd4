/**
 * A loopback OpenAI-shaped provider whose usage the test dictates per request, through a `mock`
 * body field the gateway passes along: `{ prompt_tokens, completion_tokens, fault, chunks,
 * chunk_text, interval_ms }`. Faults: `status:<n>` (before any byte), `reset` (before any byte),
 * `midstream-reset` (after a few chunks, no usage). Streams send usage in their last chunk when
 * asked (`stream_options.include_usage`), exactly as a non-streamed answer would.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface MockSpec {
  prompt_tokens?: number;
  completion_tokens?: number;
  fault?: string;
  /** The fault applies only to paths containing this (e.g. one provider of several). */
  fault_path?: string;
  chunks?: number;
  chunk_text?: string;
  interval_ms?: number;
}

export interface UsageMock {
  url: string;
  /** Requests seen, by the model they named and the path. */
  seen: Array<{ model: string; path: string; auth: string | undefined; body: Record<string, unknown> }>;
  /** Path substring → status: every request to a matching path fails with it (translated bodies carry no `mock`). */
  failPaths: Map<string, number>;
  close(): Promise<void>;
}

const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function usageOf(spec: MockSpec) {
  const prompt = spec.prompt_tokens ?? 10;
  const completion = spec.completion_tokens ?? 20;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

async function stream(res: ServerResponse, model: string, spec: MockSpec, withUsage: boolean) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = { id: 'chatcmpl-u', object: 'chat.completion.chunk', created: 1, model };
  const chunks = spec.chunks ?? 3;
  for (let i = 0; i < chunks; i++) {
    if (spec.fault === 'midstream-reset' && i === 2) {
      await pause(20);
      res.socket?.destroy();
      return;
    }
    res.write(
      sse({
        ...base,
        choices: [{ index: 0, delta: { content: spec.chunk_text ?? 'tok ' }, finish_reason: null }],
      }),
    );
    if (spec.interval_ms) await pause(spec.interval_ms);
  }
  res.write(sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  if (withUsage) res.write(sse({ ...base, choices: [], usage: usageOf(spec) }));
  res.end(sse('[DONE]'));
}

const named = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Anthropic's Messages stream: input tokens in message_start, output tokens in message_delta. */
function anthropicStream(res: ServerResponse, model: string, spec: MockSpec): void {
  const usage = usageOf(spec);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(
    named('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_u',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: { input_tokens: usage.prompt_tokens, output_tokens: 1 },
      },
    }),
  );
  res.write(
    named('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
  );
  for (let i = 0; i < (spec.chunks ?? 3); i++)
    res.write(
      named('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'tok ' },
      }),
    );
  res.write(named('content_block_stop', { type: 'content_block_stop', index: 0 }));
  res.write(
    named('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.completion_tokens },
    }),
  );
  res.end(named('message_stop', { type: 'message_stop' }));
}

export async function startUsageMock(): Promise<UsageMock> {
  const seen: UsageMock['seen'] = [];
  const failPaths = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // empty body
      }
      const model = typeof body.model === 'string' ? body.model : 'unknown';
      seen.push({ model, path: req.url ?? '', auth: req.headers.authorization, body });
      const raw = (body.mock ?? {}) as MockSpec;
      const spec =
        raw.fault_path && !(req.url ?? '').includes(raw.fault_path) ? { ...raw, fault: undefined } : raw;
      for (const [path, status] of failPaths)
        if ((req.url ?? '').includes(path)) {
          res.writeHead(status, { 'content-type': 'application/json' });
          return void res.end(
            JSON.stringify({ error: { message: 'mock path failure', type: 'server_error' } }),
          );
        }
      if (spec.fault === 'reset') return void req.socket.destroy();
      if (spec.fault?.startsWith('status:')) {
        res.writeHead(Number(spec.fault.slice(7)), { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({ error: { message: 'mock failure', type: 'server_error', code: null } }),
        );
      }
      if ((req.url ?? '').endsWith('/messages') && body.stream === true)
        return void anthropicStream(res, model, spec);
      if ((req.url ?? '').endsWith('/messages')) {
        const usage = usageOf(spec);
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({
            id: 'msg_u',
            type: 'message',
            role: 'assistant',
            model,
            content: [{ type: 'text', text: 'ok' }],
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens },
          }),
        );
      }
      if ((req.url ?? '').includes('/embeddings')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const prompt = spec.prompt_tokens ?? 10;
        return void res.end(
          JSON.stringify({
            object: 'list',
            data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
            model,
            usage: { prompt_tokens: prompt, total_tokens: prompt },
          }),
        );
      }
      if (body.stream === true) {
        const options = body.stream_options as { include_usage?: boolean } | undefined;
        // Mistral and Perplexity report stream usage unasked (Heimdall does not ask them).
        const unasked = /^(mistral|open-mistral|codestral|sonar)/.test(model);
        return void stream(res, model, spec, options?.include_usage === true || unasked);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-u',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: usageOf(spec),
        }),
      );
    });
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    failPaths,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
