/**
 * Request-log rows, batched off the hot path. The queue is bounded: when the control plane
 * cannot keep up, new rows are dropped and counted (heimdall_request_logs_dropped_total) rather
 * than growing memory or slowing requests. A batch the control plane did not take (down,
 * restarting, unreachable) is kept and sent again, at most once per flush interval, for up to
 * `retryForMs`; rows are idempotent on id, so a batch that did land before the failure was
 * reported is not stored twice. Only past that window, or when the gateway shuts down while
 * the control plane is still away, are its rows dropped (and counted).
 */
import type { Counter } from 'prom-client';
import type { GovernanceChannel, RequestLogRow } from '../../clients/contract/governance.ts';
import type { GatewayLogger } from '../logger.ts';
import { USAGE_FLUSH_MS } from './usage-queue.ts';

export interface LogQueueOptions {
  /** Rows held at most, the batch awaiting a retry included. @default 10000 */
  capacity?: number;
  /**
   * Rows that trigger a flush before the interval. 500 measured best on the governed bench
   * (whole-process CPU per request, one series of fresh A/B pairs each): 50 cost ~10 % more (ten times the
   * postMessage wake-ups of the SQLite writer thread), 2,000 ~5 % more (rows held longer get
   * promoted out of the young generation).
   * @default 500
   */
  batch?: number;
  /** The same window as usage reports, so a crash loses the same requests from both. @default USAGE_FLUSH_MS */
  flushMs?: number;
  /** How long a failed batch keeps being retried. @default 300000 (5 min) */
  retryForMs?: number;
  /** @default Date.now */
  now?: () => number;
}

interface FailedBatch {
  rows: RequestLogRow[];
  /** When the batch first failed. */
  since: number;
  /** Not retried before this time. */
  next: number;
}

export class LogQueue {
  private rows: RequestLogRow[] = [];
  private failed: FailedBatch | undefined;
  private readonly capacity: number;
  private readonly batch: number;
  private readonly flushMs: number;
  private readonly retryForMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  /** Rows of the batch being sent. */
  private sending = 0;
  private closing = false;

  constructor(
    private readonly channel: GovernanceChannel,
    private readonly logger: GatewayLogger,
    private readonly dropped: Counter,
    options: LogQueueOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.batch = options.batch ?? 500;
    this.flushMs = options.flushMs ?? USAGE_FLUSH_MS;
    this.retryForMs = options.retryForMs ?? 300_000;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Rows not yet delivered: queued, being sent, or awaiting a retry. */
  get pending(): number {
    return this.rows.length + this.sending + (this.failed?.rows.length ?? 0);
  }

  push(row: RequestLogRow): void {
    if (this.pending >= this.capacity) {
      this.dropped.inc();
      return;
    }
    this.rows.push(row);
    if (this.rows.length >= this.batch && !this.flushing && !this.failed) void this.flush();
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    const failed = this.failed;
    if (failed && !this.closing && this.now() < failed.next) return Promise.resolve();
    const batch = failed?.rows ?? this.rows.splice(0, this.batch * 4);
    if (batch.length === 0) return Promise.resolve();
    this.failed = undefined;
    this.sending = batch.length;
    this.flushing = this.channel
      .writeRequestLogs(batch)
      .then(
        () => {
          this.sending = 0;
        },
        (error: unknown) => {
          this.sending = 0;
          this.keepOrDrop(batch, failed?.since, error);
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** `since`: when this batch first failed (undefined: just now). */
  private keepOrDrop(rows: RequestLogRow[], firstFailed: number | undefined, error: unknown): void {
    const now = this.now();
    const since = firstFailed ?? now;
    if (!this.closing && now - since < this.retryForMs) {
      if (firstFailed === undefined)
        this.logger.warn('governance: request-log batch failed; keeping it to retry', {
          error,
          rows: rows.length,
        });
      this.failed = { rows, since, next: now + this.flushMs };
      return;
    }
    this.logger.error('governance: request-log batch failed; rows dropped', { error, rows: rows.length });
    this.dropped.inc(rows.length);
  }

  /** Sends what is queued; a batch that fails now is dropped (and counted) rather than waited for. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closing = true;
    await this.flushing;
    while (this.pending > 0) await this.flush();
  }
}
