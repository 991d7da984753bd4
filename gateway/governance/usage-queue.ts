/**
 * Usage leaves the hot path in batches: ledger entries and unused rate-limit units are queued and
 * sent every `flushMs` (sooner when a batch is full or a tight lease asks for it). A failed send
 * keeps the batch for the next flush — ledger entries are money and are idempotent on replay —
 * up to a hard cap, past which the oldest are dropped and counted. Lease releases of the same
 * budget within one batch are merged into one entry.
 */
import type { GovernanceChannel, RateReturn, UsageLedgerEntry } from '../../clients/governance.ts';
import type { GatewayLogger } from '../logger.ts';

const BATCH = 2_000;
const CAP = 200_000;

export class UsageQueue {
  private ledger: UsageLedgerEntry[] = [];
  private returns: RateReturn[] = [];
  /** budget id → amount released from the lease since the last flush. */
  private releases = new Map<string, number>();
  private releaseSeq = 0;
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

  private take(): { ledger: UsageLedgerEntry[]; returns: RateReturn[] } {
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
    const returns = this.returns;
    this.ledger = [];
    this.returns = [];
    return { ledger, returns };
  }

  /** Sends everything queued; concurrent calls share one send. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.ledger.length === 0 && this.releases.size === 0 && this.returns.length === 0)
      return Promise.resolve();
    const batch = this.take();
    this.flushing = this.channel
      .reportUsage({ holder: this.holder, ledger: batch.ledger, rateReturns: batch.returns })
      .catch((error: unknown) => {
        this.logger.error('governance: usage report failed; will retry', { error });
        this.ledger = [...batch.ledger, ...this.ledger];
        this.returns = [...batch.returns, ...this.returns];
        const excess = this.ledger.length - CAP;
        if (excess > 0) {
          this.ledger.splice(0, excess);
          this.dropped += excess;
        }
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.flush();
  }
}
