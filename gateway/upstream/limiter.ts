/**
 * Per-provider concurrency with a bounded queue (`concurrency_and_buffer_size`): at most
 * `concurrency` upstream requests in flight, at most `bufferSize` waiting. When the queue is
 * full, `drop_excess_requests` answers 429 with Retry-After at once; otherwise the request waits
 * anyway. A slot is taken per attempt and held until the response (stream included) is done.
 */
import { clientClosed, GatewayError } from '../core/errors.ts';
import type { AbortWatch } from '../util/client-abort.ts';

/** Bifrost's defaults. */
export const DEFAULT_CONCURRENCY = 1000;
export const DEFAULT_BUFFER_SIZE = 5000;
/** Seconds suggested to a client turned away by a full queue. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 1;

interface Waiter {
  resolve(): void;
  reject(error: GatewayError): void;
  signal: AbortWatch;
  onAbort: () => void;
}

export class Limiter {
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  private head = 0;

  constructor(
    readonly provider: string,
    public concurrency: number,
    public bufferSize: number,
    public dropExcess: boolean,
  ) {}

  /** Limits change in place on a config change, so in-flight counts carry over. */
  update(concurrency: number, bufferSize: number, dropExcess: boolean): void {
    this.concurrency = concurrency;
    this.bufferSize = bufferSize;
    this.dropExcess = dropExcess;
    this.wakeUp();
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Takes a slot: `undefined` when one was free (no promise on the fast path), else a wait. */
  acquire(signal: AbortWatch): Promise<void> | undefined {
    if (this.inFlight < this.concurrency && this.queued === 0) {
      this.inFlight++;
      return undefined;
    }
    if (this.queued >= this.bufferSize && this.dropExcess) {
      return Promise.reject(
        new GatewayError(
          429,
          'rate_limit_error',
          'queue_full',
          `provider "${this.provider}" is at capacity and its queue is full`,
          {
            retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
          },
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: () => this.cancel(waiter) };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(): void {
    this.inFlight--;
    this.wakeUp();
  }

  private wakeUp(): void {
    while (this.inFlight < this.concurrency && this.head < this.waiting.length) {
      const waiter = this.waiting[this.head]!;
      this.head++;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.inFlight++;
      waiter.resolve();
    }
    if (this.head > 64 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  private cancel(waiter: Waiter): void {
    const index = this.waiting.indexOf(waiter, this.head);
    if (index >= 0) this.waiting.splice(index, 1);
    waiter.reject(clientClosed());
  }
}
