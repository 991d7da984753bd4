/**
 * A loopback OpenAI provider streaming real chat.completion.chunk SSE with a pause between chunks,
 * so a client can hang up mid-stream, and per request (the `mock` body field) a cut: the provider
 * closes the connection after `cut_after` chunks, sending no usage and no `[DONE]`. Chunks carry
 * `texts` as content deltas, or `tool_args` as one tool call's argument deltas. Complete streams
 * end with a usage chunk when `stream_options.include_usage` asks, as OpenAI's do.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface StreamSpec {
  texts?: string[];
  tool_args?: string[];
  /** Close the connection after this many chunks (no usage, no [DONE]). */
  cut_after?: number;
  interval_ms?: number;
  /** Pause before the last chunk (lets a client that hangs up before it be gone for sure). */
  last_pause_ms?: number;
  /** What the provider would report as completion tokens for the whole stream. */
  completion_tokens?: number;
}

export interface StreamMock {
  url: string;
  /** Streams whose connection ended before they were complete (client or gateway went away). */
  abandoned: number;
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

function delta(spec: StreamSpec, i: number): Record<string, unknown> {
  if (spec.tool_args) {
    const fn = i === 0 ? { name: 'lookup', arguments: spec.tool_args[i] } : { arguments: spec.tool_args[i] };
    const call =
      i === 0 ? { index: 0, id: 'call_1', type: 'function', function: fn } : { index: 0, function: fn };
    return { tool_calls: [call] };
  }
  return { content: spec.texts?.[i] ?? '' };
}

async function stream(
  res: ServerResponse,
  model: string,
  spec: StreamSpec,
  usage: boolean,
  mock: StreamMock,
) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = {
    id: 'chatcmpl-d',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    system_fingerprint: 'fp',
  };
  res.write(
    sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
  );
  const parts = spec.tool_args ?? spec.texts ?? [];
  for (let i = 0; i < parts.length; i++) {
    if (spec.cut_after === i) {
      // Let what was written reach the gateway first: destroy() drops unsent data.
      await pause(30);
      return void res.socket?.destroy();
    }
    if (i === parts.length - 1 && spec.last_pause_ms) await pause(spec.last_pause_ms);
    else if (i > 0 && spec.interval_ms) await pause(spec.interval_ms);
    if (res.destroyed || res.socket?.destroyed) return void mock.abandoned++;
    res.write(sse({ ...base, choices: [{ index: 0, delta: delta(spec, i), finish_reason: null }] }));
  }
  const finish = spec.tool_args ? 'tool_calls' : 'stop';
  res.write(sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] }));
  if (usage) {
    const completion = spec.completion_tokens ?? parts.length;
    res.write(
      sse({
        ...base,
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion },
      }),
    );
  }
  res.end(sse('[DONE]'));
}

export async function startStreamMock(): Promise<StreamMock> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const options = body.stream_options as { include_usage?: boolean } | undefined;
      void stream(
        res,
        String(body.model),
        (body.mock ?? {}) as StreamSpec,
        options?.include_usage === true,
        mock,
      );
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const mock: StreamMock = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    abandoned: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return mock;
}
