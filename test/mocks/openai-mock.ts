/**
 * A loopback provider speaking OpenAI's wire format (chat, completions, embeddings, responses;
 * plain and SSE), with scripted faults. It records every request and counts socket closes so
 * tests can see that the gateway freed an upstream connection. Paths are matched by suffix, so
 * Azure-style (`/openai/deployments/<d>/chat/completions?api-version=…`) and prefixed base URLs
 * work too. `GET …/models` lists `models` (OpenAI's list shape).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const MOCK_TEXT = 'Hello from the mock provider — 你好, 世界! 🌍 The quick brown fox jumps.';
export const MOCK_USAGE = { prompt_tokens: 11, completion_tokens: 17, total_tokens: 28 };

/** What the next request gets; requests beyond the queue get a normal success. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  /** A 200 whose body is not a JSON object (by default, one cut short). */
  | { kind: 'malformed-json'; body?: string }
  | { kind: 'stall-mid-stream'; afterChunks: number }
  | { kind: 'truncate-stream'; afterChunks: number }
  | { kind: 'reset-mid-stream'; afterChunks: number }
  | { kind: 'slow-stream'; intervalMs: number; repeat: number };

export interface RecordedRequest {
  method: string;
  /** Path with query. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** What `GET /v1/models` lists unless a test sets `models`. */
export const MOCK_MODELS = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'];

export interface OpenAIMock {
  readonly url: string;
  /** Model ids `GET …/models` answers with (settable; `reset` restores MOCK_MODELS). */
  models: string[];
  readonly requests: RecordedRequest[];
  readonly socketCloses: number;
  enqueue(...faults: Fault[]): void;
  /** Resolves at the next socket close (or rejects after `timeoutMs`). */
  nextSocketClose(timeoutMs: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const words = (text: string): string[] => text.match(/\s*\S+\s*/g) ?? [text];
const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const named = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function operationOf(url: string): 'chat' | 'completions' | 'embeddings' | 'responses' | undefined {
  const path = url.split('?')[0]!;
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/completions')) return 'completions';
  if (path.endsWith('/embeddings')) return 'embeddings';
  if (path.endsWith('/responses')) return 'responses';
  return undefined;
}

function jsonBody(operation: string, model: string): unknown {
  const created = 1_700_000_000;
  if (operation === 'chat') {
    return {
      id: 'chatcmpl-mock',
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: MOCK_TEXT }, finish_reason: 'stop' }],
      usage: MOCK_USAGE,
    };
  }
  if (operation === 'completions') {
    return {
      id: 'cmpl-mock',
      object: 'text_completion',
      created,
      model,
      choices: [{ index: 0, text: MOCK_TEXT, logprobs: null, finish_reason: 'stop' }],
      usage: MOCK_USAGE,
    };
  }
  if (operation === 'embeddings') {
    return {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
      model,
      usage: { prompt_tokens: 5, total_tokens: 5 },
    };
  }
  return {
    id: 'resp_mock',
    object: 'response',
    created_at: created,
    status: 'completed',
    model,
    output: [
      {
        type: 'message',
        id: 'msg_mock',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: MOCK_TEXT, annotations: [] }],
      },
    ],
    usage: { input_tokens: 11, output_tokens: 17, total_tokens: 28 },
  };
}

/** The SSE events of a successful stream, one string per event. */
function streamEvents(operation: string, model: string, includeUsage: boolean): string[] {
  const created = 1_700_000_000;
  if (operation === 'responses') {
    const events = [
      named('response.created', {
        type: 'response.created',
        response: { id: 'resp_mock', status: 'in_progress', model },
      }),
    ];
    for (const delta of words(MOCK_TEXT))
      events.push(
        named('response.output_text.delta', {
          type: 'response.output_text.delta',
          item_id: 'msg_mock',
          output_index: 0,
          content_index: 0,
          delta,
        }),
      );
    events.push(
      named('response.completed', { type: 'response.completed', response: jsonBody('responses', model) }),
    );
    return events;
  }
  const chat = operation === 'chat';
  const base = {
    id: chat ? 'chatcmpl-mock' : 'cmpl-mock',
    object: chat ? 'chat.completion.chunk' : 'text_completion',
    created,
    model,
  };
  const usage = includeUsage ? { usage: null } : {};
  const piece = (text: string, finish: string | null) => ({
    ...base,
    choices: [
      chat
        ? { index: 0, delta: finish ? {} : { content: text }, finish_reason: finish }
        : { index: 0, text, finish_reason: finish },
    ],
    ...usage,
  });
  const events = words(MOCK_TEXT).map((text) => sse(piece(text, null)));
  events.push(sse(piece('', 'stop')));
  if (includeUsage) events.push(sse({ ...base, choices: [], usage: MOCK_USAGE }));
  events.push(sse('[DONE]'));
  return events;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch {
        resolve({});
      }
    });
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeStream(res: ServerResponse, events: string[], fault: Fault | undefined): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const cut = fault && 'afterChunks' in fault ? fault.afterChunks : Infinity;
  const list =
    fault?.kind === 'slow-stream' ? Array.from({ length: fault.repeat }, () => events[0]!) : events;
  for (let i = 0; i < list.length; i++) {
    if (i === cut) {
      // Let the chunks already written reach the gateway before the fault, so it is mid-stream.
      await pause(50);
      if (fault?.kind === 'truncate-stream') res.end();
      else if (fault?.kind === 'reset-mid-stream') res.socket?.destroy();
      return; // stall: keep the socket open, send nothing more
    }
    if (res.destroyed) return;
    res.write(list[i]!);
    if (fault?.kind === 'slow-stream') await pause(fault.intervalMs);
  }
  res.end();
}

export async function startOpenAIMock(): Promise<OpenAIMock> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const sockets = new Set<Socket>();
  let closes = 0;
  const closeWaiters: Array<() => void> = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readJson(req);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const fault = faults.shift();
      const operation = operationOf(req.url ?? '');
      if (fault?.kind === 'reset') return void req.socket.destroy();
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'delay') await pause(fault.ms);
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        return void res.end(
          JSON.stringify(
            fault.body ?? {
              error: {
                message: `mock failure ${fault.status}`,
                type: 'server_error',
                code: null,
                param: null,
              },
            },
          ),
        );
      }
      if (req.method === 'GET' && (req.url ?? '').split('?')[0]!.endsWith('/models')) {
        const data = mock.models.map((id) => ({
          id,
          object: 'model',
          created: 1_700_000_000,
          owned_by: 'mock',
        }));
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ object: 'list', data }));
      }
      if (operation === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({
            error: { message: 'not found', type: 'invalid_request_error', code: null, param: null },
          }),
        );
      }
      if (fault?.kind === 'malformed-json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(fault.body ?? '{"id": "chatcmpl-broken", "choices": [');
      }
      const model = typeof body.model === 'string' ? body.model : 'unknown';
      if (body.stream === true) {
        const options = body.stream_options as { include_usage?: boolean } | undefined;
        return void (await writeStream(
          res,
          streamEvents(operation, model, options?.include_usage === true),
          fault,
        ));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jsonBody(operation, model)));
    })();
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closes++;
      closeWaiters.splice(0).forEach((wake) => wake());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const mock: OpenAIMock = {
    url: `http://127.0.0.1:${port}`,
    models: [...MOCK_MODELS],
    requests,
    get socketCloses() {
      return closes;
    },
    enqueue: (...more) => void faults.push(...more),
    nextSocketClose: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no socket closed in time')), timeoutMs);
        closeWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    reset: () => {
      requests.length = 0;
      faults.length = 0;
      mock.models = [...MOCK_MODELS];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return mock;
}
