/**
 * ClientAbort, the per-request disconnect signal used instead of an AbortController (see
 * gateway/util/client-abort.ts): its listener semantics, its lazily built real AbortSignal, and
 * end to end that a client leaving still stops the upstream request and the retry sleep.
 * (A disconnect mid-stream is covered by faults.test.ts, "a client that disconnects mid-stream
 * frees the upstream connection"; a limiter wait by units.test.ts with an AbortSignal and here
 * with a ClientAbort.)
 */
import { request } from 'node:http';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestLog } from '../../gateway/core/attempt.ts';
import { Limiter } from '../../gateway/upstream/limiter.ts';
import { sleep } from '../../gateway/engine/retry.ts';
import { ClientAbort } from '../../gateway/util/client-abort.ts';
import { chatBody, key, provider, snapshotOf, useMockedGateway } from './harness.ts';

describe('ClientAbort', () => {
  it('calls each listener once, in order, and forgets them (once or not)', () => {
    const abort = new ClientAbort();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    abort.addEventListener('abort', a, { once: true });
    abort.addEventListener('abort', b);
    abort.addEventListener('abort', a); // same listener again: registered once, like EventTarget
    expect(abort.aborted).toBe(false);
    abort.abort();
    abort.abort();
    expect(calls).toEqual(['a', 'b']);
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBeInstanceOf(DOMException);
    expect((abort.reason as DOMException).name).toBe('AbortError');
  });

  it('keeps a given reason', () => {
    const abort = new ClientAbort();
    const reason = new Error('gone');
    abort.abort(reason);
    expect(abort.reason).toBe(reason);
  });

  it('does not call a removed listener, nor one removed by an earlier listener', () => {
    const abort = new ClientAbort();
    const removed = vi.fn();
    const removedLater = vi.fn();
    const kept = vi.fn();
    abort.addEventListener('abort', removed);
    abort.addEventListener('abort', () => abort.removeEventListener('abort', removedLater));
    abort.addEventListener('abort', removedLater);
    abort.addEventListener('abort', kept);
    abort.removeEventListener('abort', removed);
    abort.removeEventListener('abort', () => undefined); // unknown listener: no-op
    abort.abort();
    expect(removed).not.toHaveBeenCalled();
    expect(removedLater).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
  });

  it('never calls a listener added after the abort (checking `aborted` is the caller’s job)', () => {
    const abort = new ClientAbort();
    abort.abort();
    const late = vi.fn();
    abort.addEventListener('abort', late);
    abort.abort();
    expect(late).not.toHaveBeenCalled();
    // Same as AbortSignal:
    const controller = new AbortController();
    controller.abort();
    const lateReal = vi.fn();
    controller.signal.addEventListener('abort', lateReal);
    expect(lateReal).not.toHaveBeenCalled();
  });

  it('a throwing listener does not stop the others', async () => {
    const abort = new ClientAbort();
    const after = vi.fn();
    abort.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    abort.addEventListener('abort', after);
    const reported = new Promise<unknown>((resolve) => {
      const original = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (error) => {
        for (const listener of original) process.on('uncaughtException', listener);
        resolve(error);
      });
    });
    abort.abort();
    expect(after).toHaveBeenCalledTimes(1);
    expect(((await reported) as Error).message).toBe('listener failed');
  });

  it('stops a retry sleep and a limiter wait', async () => {
    const abort = new ClientAbort();
    const limiter = new Limiter('p', 1, 10, false);
    expect(limiter.acquire(new ClientAbort())).toBeUndefined();
    const waiting = limiter.acquire(abort)!;
    const sleeping = sleep(60_000, abort);
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ status: 499 });
    await expect(sleeping).rejects.toThrow('aborted');
    expect(limiter.queued).toBe(0);
    await expect(sleep(10, abort)).rejects.toThrow('aborted');
  });

  it('sleep and the limiter leave no listener behind when they end normally', async () => {
    const abort = new ClientAbort();
    const limiter = new Limiter('p', 1, 10, false);
    limiter.acquire(abort);
    const waiting = limiter.acquire(abort)!;
    limiter.release();
    await waiting;
    await sleep(1, abort);
    const spy = vi.fn();
    abort.addEventListener('abort', spy);
    abort.abort();
    expect(spy).toHaveBeenCalledTimes(1);
    expect((abort as unknown as { listeners: unknown }).listeners).toBeUndefined();
  });
});

describe('a client that leaves before the provider answers', () => {
  const logs: RequestLog[] = [];
  const suite = useMockedGateway(
    (url) =>
      snapshotOf({
        providers: [
          provider('openai', url, [key({ models: ['gpt-4o-mini'] })], {
            // Long timeouts: whatever ends the upstream request below is the client's abort.
            network_config: {
              max_retries: 1,
              retry_backoff_initial: 10,
              retry_backoff_max: 40,
              default_request_timeout_in_seconds: 30,
            },
          }),
        ],
      }),
    { onRequestFinished: (_ctx, log) => void logs.push(log) },
  );

  beforeEach(() => {
    suite.mock.reset();
    logs.length = 0;
  });

  const waitFor = async (check: () => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not reached');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  /** Sends a chat request with node:http and returns a way to drop the connection. */
  function leaveable(): { leave(): void } {
    const body = JSON.stringify(chatBody('openai/gpt-4o-mini'));
    const req = request(`${suite.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', () => undefined);
    req.end(body);
    return { leave: () => req.destroy() };
  }

  it('closes the upstream request that has not answered yet', async () => {
    suite.mock.enqueue({ kind: 'hang' });
    const client = leaveable();
    await waitFor(() => suite.mock.requests.length === 1);
    // nextSocketClose rejects if the upstream socket stays open past its deadline.
    const closed = suite.mock.nextSocketClose(2000);
    client.leave();
    await expect(closed).resolves.toBeUndefined();
    await waitFor(() => logs.length === 1);
    expect(logs[0]!.status).toBe(499);
  });

  it('stops waiting for a retry and sends no further attempt', async () => {
    suite.mock.enqueue({ kind: 'status', status: 429, headers: { 'retry-after-ms': '700' } });
    const client = leaveable();
    await waitFor(() => suite.mock.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.leave();
    await waitFor(() => logs.length === 1, 500);
    expect(logs[0]!.status).toBe(499);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(suite.mock.requests.length).toBe(1);
  });
});
