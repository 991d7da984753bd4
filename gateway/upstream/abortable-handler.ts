/**
 * What the two dispatch handlers (whole-body.ts, stream-body.ts) share: the client's abort and
 * the end of the exchange. Both implement undici's older callback interface (`onConnect`,
 * `onHeaders`, `onData`, …), typed deprecated, because that is what undici 7's HTTP/1 client
 * calls: a handler of the newer interface is wrapped in an adapter per request, which also parses
 * the headers into an object up front. Abort follows `request()`'s rules: a signal already
 * aborted, or aborted while the request waits for a connection, fails `send` with the signal's
 * reason; an abort in flight aborts the upstream exchange with that reason.
 */
import { errors, type Dispatcher } from 'undici';
import type { AbortWatch } from '../util/client-abort.ts';
import type { UpstreamResponse } from './types.ts';

export abstract class AbortableHandler implements Dispatcher.DispatchHandler {
  private abortUpstream: ((reason?: Error) => void) | undefined = undefined;
  private abortReason: Error | undefined = undefined;
  private settled = false;
  private readonly onAbort = (): void => {
    this.abortReason = (this.signal.reason as Error | undefined) ?? new errors.RequestAbortedError();
    this.abortUpstream?.(this.abortReason);
  };

  constructor(
    private readonly signal: AbortWatch,
    protected readonly resolve: (response: UpstreamResponse) => void,
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

  onComplete(): void {
    this.settle(undefined);
  }

  onError(error: Error): void {
    this.settle(error);
  }

  /** Aborts the exchange in flight with `reason`. */
  protected abortExchange(reason: Error): void {
    this.abortUpstream?.(reason);
  }

  /** Whether the status line has arrived (what `send` resolves with exists). */
  protected abstract get answered(): boolean;

  /** The exchange ended after the status line: whole (`failure` undefined) or cut by `failure`. */
  protected abstract ended(failure: Error | undefined): void;

  private settle(failure: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.removeEventListener('abort', this.onAbort);
    if (!this.answered) {
      this.reject(failure ?? new errors.UndiciError('the response ended before its status line'));
      return;
    }
    this.ended(failure);
  }
}
