/**
 * Usage leaves the hot path in batches: ledger entries and unused rate-limit units are queued and
 * sent every `flushMs` (sooner when a batch is full or a tight lease asks for it). A failed report
 * is re-sent whole, with its batch number, before anything newer — ledger entries are money and
 * idempotent on replay — up to a hard cap, past which the oldest are dropped and counted. Lease
 * releases of the same budget within one report are merged into one entry.
 */
import type {
  GovernanceChannel,
  RateReturn,
  UsageLedgerEntry,
  UsageReport,
} from '../../clients/contract/governance.ts';
import type { GatewayLogger } from '../logger.ts';

/**
 * Default flush window of usage reports, and of request-log rows (log-queue.ts): equal, so a
 * SIGKILL loses the same window of both — the requests in flight or settled in the last window
 * on that process — and Σ request-log cost stays Σ settle for everything that survived.
 */
export const USAGE_FLUSH_MS = 500;

const BATCH = 2_000;
const CAP = 200_000;

export class UsageQueue {
  private ledger: UsageLedgerEntry[] = [];
  private returns: RateReturn[] = [];
  /** budget id → amount released from the lease since the last flush. */
  private releases = new Map<string, number>();
  private releaseSeq = 0;
  private batchSeq = 0;
  /** Reports not yet accepted, oldest first. */
  private failed: UsageReport[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  dropped = 0;

  constructor(
    private readonly channel: GovernanceChannel,
    private readonly holder: string,
    private readonly logger: GatewayLogger,
    flushMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  add(entries: readonly UsageLedgerEntry[]): void {
    for (const entry of entries) this.ledger.push(entry);
    if (this.ledger.length >= BATCH) this.flushSoon();
  }

  release(budgetId: string, amount: number): void {
    this.releases.set(budgetId, (this.releases.get(budgetId) ?? 0) + amount);
  }

  returnRate(ret: RateReturn): void {
    this.returns.push(ret);
  }

  flushSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.flush();
    }, 5);
    this.soon.unref();
  }

  private take(): UsageReport {
    const ledger = this.ledger;
    for (const [budgetId, amount] of this.releases) {
      // One release per budget and flush, numbered per holder so a replay is recognised.
      ledger.push({
        requestId: `lease:${this.holder}`,
        attempt: ++this.releaseSeq,
        kind: 'release',
        budgetId,
        amountMicros: amount,
      });
    }
    this.releases = new Map();
    const report: UsageReport = {
      holder: this.holder,
      batch: ++this.batchSeq,
      ledger,
      rateReturns: this.returns,
    };
    this.ledger = [];
    this.returns = [];
    return report;
  }

  /** Sends failed reports first (whole, same batch number), then what is queued now. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    const empty = this.ledger.length === 0 && this.releases.size === 0 && this.returns.length === 0;
    if (empty && this.failed.length === 0) return Promise.resolve();
    if (!empty) this.failed.push(this.take());
    this.flushing = this.sendPending().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async sendPending(): Promise<void> {
    while (this.failed.length > 0) {
      const report = this.failed[0]!;
      try {
        await this.channel.reportUsage(report);
      } catch (error) {
        this.logger.error('governance: usage report failed; will retry', { error });
        this.trim();
        return;
      }
      this.failed.shift();
    }
  }

  /** Past the cap, the oldest unsent entries are dropped (and counted) rather than growing memory. */
  private trim(): void {
    let total = this.failed.reduce((n, r) => n + r.ledger.length, 0);
    while (total > CAP && this.failed.length > 1) {
      const dropped = this.failed.shift()!;
      total -= dropped.ledger.length;
      this.dropped += dropped.ledger.length;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.flush();
  }
}
