/**
 * This process's lease accounts, one per meter, created on first use. A periodic sweep hands
 * back leases that sat idle (or are tight, so other replicas may need them) — rate-limit spares
 * after SPARE_IDLE_MS, sent at once, since callers on other replicas may be waiting for them;
 * close() returns everything and flushes, so a draining replica leaves no headroom stranded.
 */
import type { GovernanceChannel, MeterKind } from '../../clients/contract/governance.ts';
import { MeterAccount } from './accounts.ts';
import type { Meters } from './charges.ts';
import { RateAccount } from './rate-account.ts';
import type { UsageQueue } from './usage-queue.ts';

/** A lease unused this long goes back to the control plane. */
export const LEASE_IDLE_MS = 10_000;
/**
 * Leases still held are marked alive this often: the control plane expires a holder silent for
 * HEIMDALL_LEASE_TTL_SECONDS (default 60, at least 30), so a live replica beats three times or
 * more within it while a crashed one strands its headroom for about a minute at most.
 */
export const LEASE_HEARTBEAT_MS = 10_000;
/** Sweep period: a fraction of SPARE_IDLE_MS, so idle rate spares go back promptly. */
const SWEEP_MS = 250;

export class MeterRegistry implements Meters {
  /**
   * Per kind, id → account: a lookup per gate per attempt, so no `kind:id` string is built (a
   * concatenated key is flattened and hashed on every lookup).
   */
  private readonly byKind: Record<MeterKind, Map<string, MeterAccount>> = {
    budget: new Map(),
    requests: new Map(),
    tokens: new Map(),
  };
  private readonly sweeper: NodeJS.Timeout;
  private lastHeartbeat = 0;

  constructor(
    private readonly channel: GovernanceChannel,
    private readonly holder: string,
    private readonly queue: UsageQueue,
    readonly now: () => number,
    readonly reserveWaitMs: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  account(kind: MeterKind, id: string, limit: number): MeterAccount {
    const accounts = this.byKind[kind];
    const existing = accounts.get(id);
    if (existing) {
      if (existing.limit !== limit) existing.reconfigure(limit);
      return existing;
    }
    const Account = kind === 'budget' ? MeterAccount : RateAccount;
    const account = new Account(kind, id, limit, {
      channel: this.channel,
      holder: this.holder,
      now: this.now,
      release: (owner, amount) => {
        if (owner.kind === 'budget') this.queue.release(owner.id, amount);
        else if (owner.info)
          this.queue.returnRate({
            kind: owner.kind,
            id: owner.id,
            amount,
            windowStart: owner.info.windowStart,
          });
      },
      flushSoon: () => this.queue.flushSoon(),
      flush: () => this.queue.flush(),
    });
    accounts.set(id, account);
    return account;
  }

  /** Percent used of a meter as last seen (0 when never used here). */
  percentUsed(kind: MeterKind, id: string | undefined): number {
    if (id === undefined) return 0;
    return this.byKind[kind].get(id)?.percentUsed() ?? 0;
  }

  private *accounts(): Iterable<MeterAccount> {
    yield* this.byKind.budget.values();
    yield* this.byKind.requests.values();
    yield* this.byKind.tokens.values();
  }

  private sweep(): void {
    const now = this.now();
    let spares = false;
    for (const account of this.accounts()) {
      if (account instanceof RateAccount && account.returnIdleSpare()) spares = true;
      else if (account.free > 0 && (account.tight || now - account.lastUse > LEASE_IDLE_MS))
        account.returnFree();
    }
    if (spares) this.queue.flushSoon();
    if (now - this.lastHeartbeat < LEASE_HEARTBEAT_MS) return;
    this.lastHeartbeat = now;
    const beats = [...this.accounts()].flatMap((account) => account.heartbeat() ?? []);
    if (beats.length > 0) this.queue.add(beats);
  }

  /** Returns every unused lease. */
  returnAll(): void {
    for (const account of this.accounts()) account.returnFree();
  }

  close(): void {
    clearInterval(this.sweeper);
    this.returnAll();
  }
}
