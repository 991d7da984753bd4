/**
 * `UpstreamPools.send` for a streamed answer (stream-body.ts, undici `dispatch` without
 * `request()`): it resolves at the status line, hands chunks to one sink in order (those that came
 * before the sink first), pauses the upstream socket while the sink is paused, reports a cut body,
 * a body timeout or a client abort as the sink's error, aborts the exchange when cancelled, and
 * still answers `text()`/`dump()` for bodies read whole.
 */
import { describe, expect, it } from 'vitest';
import { clientClosed, GatewayError } from '../../gateway/core/errors.ts';
import { StreamBody, StreamBodyHandler } from '../../gateway/upstream/stream-body.ts';
import type { BodySink, UpstreamBody, UpstreamCall, UpstreamResponse } from '../../gateway/upstream/types.ts';
import { ClientAbort } from '../../gateway/util/client-abort.ts';
import { useRouteUpstream, type Route } from '../support/route-upstream.ts';

const BIG_CHUNK = 'x'.repeat(64 * 1024);
let bigWritten = 0;
let bigFinished = false;

const routes: Record<string, Route> = {
  '/events': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    setTimeout(() => res.end('data: 2\n\n'), 20);
  },
  '/big': (res) => {
    // 16 MiB, written as fast as the socket takes it: a paused reader must stop it.
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    bigWritten = 0;
    bigFinished = false;
    const more = (): void => {
      while (bigWritten < 16 * 1024 * 1024) {
        bigWritten += BIG_CHUNK.length;
        if (!res.write(BIG_CHUNK)) {
          res.once('drain', more);
          return;
        }
      }
      bigFinished = true;
      res.end();
    };
    res.on('close', () => res.off('drain', more));
    more();
  },
  '/cut': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    setTimeout(() => res.destroy(), 20);
  },
  '/stall': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
  },
  '/typed': (res) => {
    res.writeHead(200, [['Content-TYPE', 'application/json; charset=utf-8']]);
    res.end('{}');
  },
  '/two-types': (res) => {
    res.writeHead(200, [
      ['content-type', 'text/plain'],
      ['content-type', 'application/json'],
    ]);
    res.end('{}');
  },
  '/error': (res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"boom"}}');
  },
};

const upstream = useRouteUpstream(routes);

function call(path: string, signal = new ClientAbort(), bodyTimeoutMs = 2000): UpstreamCall {
  return { path, headers: {}, body: '{}', signal, bodyTimeoutMs };
}

/** Reads a body to its end or error, recording what came. */
function collect(body: UpstreamBody, onChunk?: (chunk: Buffer) => void) {
  const seen = { chunks: [] as string[], ended: false, error: undefined as unknown };
  const done = new Promise<void>((resolve) => {
    body.read({
      onData(chunk) {
        seen.chunks.push(chunk.toString());
        onChunk?.(chunk);
      },
      onEnd() {
        seen.ended = true;
        resolve();
      },
      onError(error) {
        seen.error = error;
        resolve();
      },
    });
  });
  return { seen, done };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads `body` into `chunks` (then 'end'), pausing after every chunk: the test resumes it. */
function readPausing(body: UpstreamBody, chunks: string[]): void {
  body.read({
    onData: (c) => {
      chunks.push(c.toString());
      body.pause();
    },
    onEnd: () => chunks.push('end'),
    onError: () => undefined,
  });
}

describe('send, streamed', () => {
  it('resolves at the status line and delivers the chunks, then the end', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/events'));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    const { seen, done } = collect(response.body);
    await done;
    expect(seen.chunks.join('')).toBe('data: 1\n\ndata: 2\n\n');
    expect(seen.ended).toBe(true);
  });

  it('a paused sink pauses the upstream: nothing arrives and the server is held back', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/big'));
    let received = 0;
    const { seen, done } = collect(response.body, (chunk) => {
      received += chunk.length;
      response.body.pause();
    });
    await sleep(100);
    const whilePaused = received;
    await sleep(200);
    expect(received).toBe(whilePaused);
    expect(bigFinished).toBe(false);
    expect(bigWritten).toBeLessThan(16 * 1024 * 1024);
    // Resumed for good: the rest arrives in order, and the body ends.
    const resume = setInterval(() => response.body.resume(), 1);
    await done;
    clearInterval(resume);
    expect(seen.ended).toBe(true);
    expect(received).toBe(16 * 1024 * 1024);
  });

  it('a body cut after the status line is the sink error', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/cut'));
    const { seen, done } = collect(response.body);
    await done;
    expect(seen.chunks.join('')).toBe('data: 1\n\n');
    expect(seen.ended).toBe(false);
    expect(seen.error).toBeInstanceOf(Error);
  });

  it('silence longer than the body timeout is the sink error', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/stall', new ClientAbort(), 100));
    const { seen, done } = collect(response.body);
    await done;
    expect((seen.error as { code?: string }).code).toBe('UND_ERR_BODY_TIMEOUT');
  });

  it('a client abort mid-body reaches the sink as the abort reason', async () => {
    const abort = new ClientAbort();
    const response = await upstream.pools.send(upstream.origin, call('/stall', abort));
    const { seen, done } = collect(response.body);
    await sleep(20);
    const reason = new Error('client left');
    abort.abort(reason);
    await done;
    expect(seen.error).toBe(reason);
  });

  it('cancel aborts the exchange and the sink hears nothing more', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/stall'));
    const { seen } = collect(response.body);
    await sleep(20);
    response.body.cancel();
    await sleep(20);
    expect(seen.chunks).toEqual(['data: 1\n\n']);
    expect(seen.ended).toBe(false);
    expect(seen.error).toBeUndefined();
  });

  it('text() reads an error answer whole; dump() throws one away', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/error'));
    expect(response.status).toBe(500);
    expect(await response.body.text()).toBe('{"error":{"message":"boom"}}');
    const again = await upstream.pools.send(upstream.origin, call('/error'));
    await again.body.dump();
  });

  it('reads the content type without parsing the headers, as the parsed headers give it', async () => {
    const typed = await upstream.pools.send(upstream.origin, call('/typed'));
    expect(typed.contentType).toBe('application/json; charset=utf-8');
    expect(typed.headers['content-type']).toBe(typed.contentType);
    await typed.body.dump();
    const twice = await upstream.pools.send(upstream.origin, call('/two-types'));
    expect(twice.contentType).toBeUndefined();
    expect(twice.headers['content-type']).toEqual(['text/plain', 'application/json']);
    expect(twice.contentType).toBeUndefined();
    await twice.body.dump();
    const none = await upstream.pools.send(upstream.origin, call('/cut'));
    expect(none.contentType).toBe('text/event-stream');
    none.body.cancel();
  });

  it('an abort before the request fails send as the client having closed', async () => {
    const abort = new ClientAbort();
    abort.abort();
    const error = await upstream.pools.send(upstream.origin, call('/events', abort)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(clientClosed().code);
  });
});

/** The handler driven as undici drives it, where the order of events must not depend on timing. */
describe('StreamBodyHandler', () => {
  function drive() {
    const outcome = { response: undefined as UpstreamResponse | undefined, resumed: 0 };
    const handler = new StreamBodyHandler(
      new ClientAbort(),
      (response) => (outcome.response = response),
      () => undefined,
    );
    handler.onConnect(() => undefined);
    handler.onHeaders(200, [], () => outcome.resumed++);
    return { handler, outcome };
  }

  it('keeps chunks that come before the sink, and hands them over first, in order', () => {
    const { handler, outcome } = drive();
    expect(handler.onData(Buffer.from('a'))).toBe(true);
    expect(handler.onData(Buffer.from('b'))).toBe(true);
    const chunks: string[] = [];
    const sink: BodySink = {
      onData: (c) => chunks.push(c.toString()),
      onEnd: () => chunks.push('end'),
      onError: () => undefined,
    };
    outcome.response!.body.read(sink);
    handler.onData(Buffer.from('c'));
    handler.onComplete();
    expect(chunks).toEqual(['a', 'b', 'c', 'end']);
  });

  it('a pause answers false to undici; resume restarts the socket and hands over the end', () => {
    const { handler, outcome } = drive();
    const body = outcome.response!.body;
    const chunks: string[] = [];
    readPausing(body, chunks);
    expect(handler.onData(Buffer.from('a'))).toBe(false);
    expect(outcome.resumed).toBe(0);
    body.resume();
    expect(outcome.resumed).toBe(1);
    expect(handler.onData(Buffer.from('b'))).toBe(false);
    handler.onComplete();
    expect(chunks).toEqual(['a', 'b']);
    body.resume();
    expect(chunks).toEqual(['a', 'b', 'end']);
  });

  it('a paused-then-resumed sink within one chunk keeps the socket going', () => {
    const { handler, outcome } = drive();
    const body = outcome.response!.body;
    body.read({
      onData: () => {
        body.pause();
        body.resume();
      },
      onEnd: () => undefined,
      onError: () => undefined,
    });
    expect(handler.onData(Buffer.from('a'))).toBe(true);
    expect(outcome.resumed).toBe(0);
  });

  it('a complete body delivers its chunks and end, honouring pause', () => {
    const body = StreamBody.whole([Buffer.from('a'), Buffer.from('b')], 2, undefined);
    const chunks: string[] = [];
    readPausing(body, chunks);
    expect(chunks).toEqual(['a']);
    body.resume();
    expect(chunks).toEqual(['a', 'b']);
    body.resume();
    expect(chunks).toEqual(['a', 'b', 'end']);
  });
});

describe('textNow', () => {
  it('answers a complete body at once, its BOM skipped, and throws what cut it', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(StreamBody.whole([bom, Buffer.from('{"a":'), Buffer.from('1}')], 10, undefined).textNow()).toBe(
      '{"a":1}',
    );
    expect(StreamBody.whole([], 0, undefined).textNow()).toBe('');
    const cut = new Error('socket hang up');
    expect(() => StreamBody.whole([Buffer.from('{"a"')], 4, cut).textNow()).toThrow(cut);
  });

  it('is undefined for a body still arriving, already read, or cancelled, which text() must wait for', () => {
    const source = { resumeSocket: () => undefined, abort: () => undefined };
    const arriving = new StreamBody(source);
    arriving.push(Buffer.from('{"a":1'));
    expect(arriving.textNow()).toBeUndefined();
    const read = StreamBody.whole([Buffer.from('{}')], 2, undefined);
    read.read({ onData: () => undefined, onEnd: () => undefined, onError: () => undefined });
    expect(read.textNow()).toBeUndefined();
    const cancelled = StreamBody.whole([Buffer.from('{}')], 2, undefined);
    cancelled.cancel();
    expect(cancelled.textNow()).toBeUndefined();
  });
});
