/**
 * Request-log rows, batched off the hot path. The queue is bounded: when the control plane
 * cannot keep up, new rows are dropped and counted (heimdall_request_logs_dropped_total) rather
 * than growing memory or slowing requests. Rows are idempotent on id, so a retried batch is safe.
 */
import type { Counter } from 'prom-client';
import type { GovernanceChannel, RequestLogRow } from '../../clients/governance.ts';
import type { GatewayLogger } from '../logger.ts';

export interface LogQueueOptions {
  /** @default 10000 */
  capacity?: number;
  /** @default 500 */
  batch?: number;
  /** @default 1000 */
  flushMs?: number;
}

export class LogQueue {
  private rows: RequestLogRow[] = [];
  private readonly capacity: number;
  private readonly batch: number;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly channel: GovernanceChannel,
    private readonly logger: GatewayLogger,
    private readonly dropped: Counter,
    options: LogQueueOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.batch = options.batch ?? 500;
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 1_000);
    this.timer.unref();
  }

  push(row: RequestLogRow): void {
    if (this.rows.length >= this.capacity) {
      this.dropped.inc();
      return;
    }
    this.rows.push(row);
    if (this.rows.length >= this.batch && !this.flushing) void this.flush();
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.rows.length === 0) return Promise.resolve();
    const batch = this.rows.splice(0, this.batch * 4);
    this.flushing = this.channel
      .writeRequestLogs(batch)
      .catch((error: unknown) => {
        this.logger.error('governance: request-log batch failed; rows dropped', {
          error,
          rows: batch.length,
        });
        this.dropped.inc(batch.length);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    while (this.rows.length > 0) await this.flush();
    await this.flushing;
  }
}
