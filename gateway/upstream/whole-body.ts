/**
 * A non-streamed upstream exchange read whole through undici's `dispatch`: the body's chunks are
 * gathered as they arrive and decoded once. `request()` + `.text()` builds, per response, an
 * `AsyncResource`, a `BodyReadable` stream that every chunk is pushed through, a consumer on it,
 * and an object of the response headers; on the pass-through path that was ~6 % of the serving
 * thread. What the caller sees is the same: `send` resolves once the body is in (or failed after
 * the status line), `text()` answers the body (a UTF-8 BOM skipped, as undici does) or rejects
 * with the error that cut it, and the headers are parsed only when read (a successful answer's
 * never are).
 */
import { errors, type Dispatcher } from 'undici';
import type { AbortWatch } from '../util/client-abort.ts';
import { DispatchedResponse, StreamBody } from './stream-body.ts';
import type { UpstreamResponse } from './types.ts';

/**
 * undici's dispatch handler that gathers the body. It implements the older callback interface
 * (`onConnect`/`onHeaders`/`onData`/…), typed deprecated, because that is what undici 7's
 * HTTP/1 client calls: a handler of the newer interface is wrapped in an adapter per request,
 * which also parses the headers into an object up front. Abort follows `request()`'s rules:
 * a signal already aborted, or aborted while the request waits for a connection, fails it with
 * the signal's reason; an abort in flight aborts the upstream request with that reason.
 */
export class WholeBodyHandler implements Dispatcher.DispatchHandler {
  private abortUpstream: ((reason?: Error) => void) | undefined = undefined;
  private abortReason: Error | undefined = undefined;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private settled = false;
  private readonly onAbort = (): void => {
    this.abortReason = (this.signal.reason as Error | undefined) ?? new errors.RequestAbortedError();
    this.abortUpstream?.(this.abortReason);
  };

  constructor(
    private readonly signal: AbortWatch,
    private readonly resolve: (response: UpstreamResponse) => void,
    /** Failures before the status line (connect, headers timeout, abort): the raw undici error. */
    private readonly reject: (error: unknown) => void,
  ) {
    if (signal.aborted) this.onAbort();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.abortReason !== undefined) {
      abort(this.abortReason);
      return;
    }
    this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers are not the response.
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return true;
  }

  onComplete(): void {
    this.settle(undefined);
  }

  onError(error: Error): void {
    this.settle(error);
  }

  private settle(failure: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.removeEventListener('abort', this.onAbort);
    if (this.status === 0) {
      this.reject(failure ?? new errors.UndiciError('the response ended before its status line'));
      return;
    }
    this.resolve(
      new DispatchedResponse(
        this.status,
        this.rawHeaders,
        StreamBody.whole(this.chunks, this.length, failure),
      ),
    );
  }
}
