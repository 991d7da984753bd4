/**
 * The per-request "the client went away" signal, without `AbortController`.
 *
 * Every inference request needs one, but almost none ever fires (only a client disconnect
 * aborts). A real `AbortController` costs on the hot path even when it never fires: the
 * `AbortSignal` is built when `.signal` is first read, and each `addEventListener` /
 * `removeEventListener` (the limiter wait, the retry sleep, undici for every upstream request)
 * goes through Node's EventTarget machinery — a few per cent of the serving thread under load.
 * `ClientAbort` is a plain object with just what our code and undici use. Nothing in gateway/
 * needs a real `AbortSignal` today; one that does can make an AbortController and abort it from
 * a listener here.
 *
 * undici's contract for a `signal` option (lib/api/abort-signal.js, lib/api/api-request.js,
 * `addAbortListener` in lib/core/util.js): it must have `addEventListener` or `on`; undici reads
 * `aborted` first, otherwise adds one `'abort'` listener with `{ once: true }`, removes it with
 * `removeEventListener` when the request ends, and reads `reason` when the listener fires.
 *
 * Semantics follow `AbortSignal` where our code can tell:
 * - `abort()` fires each listener once, in the order added, then forgets them all (so `once`
 *   changes nothing: no listener can run twice); later `abort()` calls do nothing.
 * - Adding the same listener twice registers it once.
 * - A listener added after the abort is never called: checking `aborted` first is the caller's
 *   job, exactly as with `AbortSignal` (undici, `Limiter.acquire` callers and `sleep` do).
 * - A listener removed while the others run (by one of them) is not called.
 * - `abort()` with no reason stores the same `AbortError` `DOMException` `AbortController` does.
 * - A listener that throws does not stop the others; the error is rethrown as an uncaught
 *   exception, as EventTarget reports it.
 * Listeners are called with no arguments (no `Event` object).
 */

export type AbortListener = () => void;

/**
 * What code waiting on a client disconnect may use. Both `ClientAbort` and a real `AbortSignal`
 * satisfy it, so tests and other callers can still pass `new AbortController().signal`.
 */
export interface AbortWatch {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

export class ClientAbort implements AbortWatch {
  aborted = false;
  reason: unknown = undefined;
  /** Created on first add: most requests never register a listener that outlives a reply. */
  private listeners: (AbortListener | undefined)[] | undefined = undefined;
  /** The listeners being called by `abort()`; a removal during that run blanks its entry. */
  private firing: (AbortListener | undefined)[] | undefined = undefined;

  addEventListener(type: 'abort', listener: AbortListener, _options?: { once?: boolean }): void {
    if (type !== 'abort' || this.aborted) return;
    const listeners = (this.listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: 'abort', listener: AbortListener): void {
    if (type !== 'abort') return;
    const listeners = this.listeners ?? this.firing;
    if (listeners === undefined) return;
    const index = listeners.indexOf(listener);
    if (index < 0) return;
    if (listeners === this.firing) listeners[index] = undefined;
    else listeners.splice(index, 1);
  }

  /** Marks the request aborted and calls every listener once. Idempotent. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason =
      reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) {
      this.firing = listeners;
      for (let i = 0; i < listeners.length; i++) {
        const listener = listeners[i];
        if (listener === undefined) continue;
        try {
          listener();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      this.firing = undefined;
    }
  }
}
