/**
 * `UpstreamPools.send` with `readWhole` (the non-streamed exchange, undici `dispatch` gathering
 * the body): it must answer what `request()` + `.text()` answered — the body as text (a UTF-8
 * BOM dropped), the headers as undici parses them, a body cut after the status line as a
 * rejection of `text()` (not of `send`), failures before it as mapped GatewayErrors, and a
 * client abort as the abort's reason.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientClosed, GatewayError } from '../../gateway/core/errors.ts';
import type { UpstreamCall, UpstreamResponse } from '../../gateway/upstream/types.ts';
import { WholeBodyHandler } from '../../gateway/upstream/whole-body.ts';
import { ClientAbort } from '../../gateway/util/client-abort.ts';
import { useRouteUpstream, type Route } from '../support/route-upstream.ts';

const routes: Record<string, Route> = {
  '/pieces': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('\ufeff{"a":');
    setImmediate(() => res.end('"é"}'));
  },
  '/limited': (res) => {
    res.writeHead(429, [
      ['retry-after', '7'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    res.end('{"error":{"message":"slow down"}}');
  },
  '/cut': (res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('{"partial":');
    setImmediate(() => res.destroy());
  },
  '/empty': (res) => res.end(),
};

const upstream = useRouteUpstream(routes);

function call(path: string, signal = new ClientAbort()): UpstreamCall {
  return { path, headers: {}, body: '{}', signal, bodyTimeoutMs: 2000, readWhole: true };
}

describe('send with readWhole', () => {
  it('answers a body that came in pieces as one text, without its BOM', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/pieces'));
    expect(response.status).toBe(200);
    expect(await response.body.text()).toBe('{"a":"é"}');
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('parses headers as undici does: lower-case names, repeated ones as arrays', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/limited'));
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(await response.body.text()).toBe('{"error":{"message":"slow down"}}');
  });

  it('an empty body is the empty string', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/empty'));
    expect(await response.body.text()).toBe('');
    await response.body.dump();
  });

  it('a body cut after the status line resolves send and rejects text()', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/cut'));
    expect(response.status).toBe(200);
    await expect(response.body.text()).rejects.toThrow();
  });

  it('can also be read as chunks, the same bytes', async () => {
    const response = await upstream.pools.send(upstream.origin, call('/limited'));
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) =>
      response.body.read({ onData: (chunk) => chunks.push(chunk), onEnd: resolve, onError: reject }),
    );
    expect(Buffer.concat(chunks).toString()).toBe('{"error":{"message":"slow down"}}');
  });

  it('a connect failure is a mapped GatewayError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await upstream.pools
      .send(`http://127.0.0.1:${port}`, call('/empty'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('upstream_unreachable');
  });

  it('an abort before the request fails it as the client having closed', async () => {
    const abort = new ClientAbort();
    abort.abort();
    const error = await upstream.pools.send(upstream.origin, call('/empty', abort)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(clientClosed().code);
  });
});

/** The handler driven as undici drives it, where the order of events must not depend on timing. */
describe('WholeBodyHandler and client aborts', () => {
  function drive(abort: ClientAbort) {
    const outcome: { response?: UpstreamResponse; error?: unknown; abortedWith?: Error } = {};
    const handler = new WholeBodyHandler(
      abort,
      (response) => (outcome.response = response),
      (error) => (outcome.error = error),
    );
    // undici's abort(): the request fails with the reason given.
    const upstreamAbort = (reason?: Error): void => {
      outcome.abortedWith = reason;
      handler.onError(reason ?? new Error('aborted'));
    };
    return { handler, outcome, upstreamAbort };
  }

  it('an abort while the body arrives aborts upstream; send resolves, text() rejects with the reason', async () => {
    const abort = new ClientAbort();
    const { handler, outcome, upstreamAbort } = drive(abort);
    handler.onConnect(upstreamAbort);
    handler.onHeaders(200, [Buffer.from('content-type'), Buffer.from('application/json')]);
    handler.onData(Buffer.from('{"a"'));
    const reason = new Error('client left');
    abort.abort(reason);
    expect(outcome.abortedWith).toBe(reason);
    expect(outcome.response?.status).toBe(200);
    await expect(outcome.response!.body.text()).rejects.toBe(reason);
  });

  it('an abort while waiting for a connection fails the request once it gets one', () => {
    const abort = new ClientAbort();
    const { handler, outcome, upstreamAbort } = drive(abort);
    const reason = new Error('client left');
    abort.abort(reason);
    handler.onConnect(upstreamAbort);
    expect(outcome.abortedWith).toBe(reason);
    expect(outcome.error).toBe(reason);
    expect(outcome.response).toBeUndefined();
  });

  it('stops listening once settled: a later abort does nothing', () => {
    const abort = new ClientAbort();
    const { handler, outcome, upstreamAbort } = drive(abort);
    handler.onConnect(upstreamAbort);
    handler.onHeaders(200, []);
    handler.onComplete();
    abort.abort(new Error('late'));
    expect(outcome.abortedWith).toBeUndefined();
  });
});
