/**
 * The core of the gateway's side of one lease (budget or rate limit): what it holds, and its
 * calls to the control plane — asks, forced use, hand-backs — in seq order.
 *
 *   held = granted − released (what the control plane counts as reserved for this holder)
 *   free = the part of `held` no attempt has reserved yet
 *
 * accounts.ts (budgets) and rate-account.ts (rate limits) decide when to ask and how much.
 */
import type { GovernanceChannel, LeaseGrant, MeterKind } from '../../clients/contract/governance.ts';

export interface AccountDeps {
  channel: GovernanceChannel;
  holder: string;
  now(): number;
  /** Queues a lease release (budget) or unused units (rate limit) for the next flush. */
  release(account: LeaseAccount, amount: number): void;
  /** Asks for an early flush (tight leases are handed back promptly). */
  flushSoon(): void;
  /** Sends queued usage now. */
  flush(): Promise<void>;
}

export class LeaseAccount {
  free = 0;
  held = 0;
  tight = false;
  info: LeaseGrant | undefined;
  lastUse = 0;
  /**
   * Units this holder took from the counter in the current window (grants, forced use, minus
   * what it handed back). When the counter's `used` is no more than this, no other holder can be
   * sitting on unspent units of it.
   */
  protected windowNet = 0;
  /** Spend beyond the lease not yet reported: the control plane's view is short by it. */
  protected overdrawn = false;
  protected seq = 0;
  /**
   * The seq of a grant whose answer never came (timeout, dropped connection). The next renewal
   * asks with the same seq: if the control plane did grant it, it answers with that same grant
   * instead of stranding it until the lease expires.
   */
  private unanswered: number | undefined;
  /**
   * This account's lease calls, one at a time in seq order: a call overtaken by a later seq
   * would be answered as stale (nothing granted), and an ask must be judged after the forced use
   * sent before it.
   */
  private lane: Promise<unknown> = Promise.resolve();
  /** Rate units used beyond the lease and not yet sent; one forced grant carries them all. */
  private owed = 0;
  /** Known upper bound of what may still be reserved, and until when it holds. */
  protected ceiling: { value: number; until: number } | undefined;

  constructor(
    readonly kind: MeterKind,
    readonly id: string,
    public limit: number,
    protected readonly deps: AccountDeps,
  ) {}

  /** The limit changed in the config: forget what was inferred from the old one. */
  reconfigure(limit: number): void {
    this.limit = limit;
    this.ceiling = undefined;
    this.tight = false;
  }

  /** Rate leases die with their window (counters restart); budget leases carry over. */
  protected expireWindow(now: number): void {
    const info = this.info;
    if (!info || now < info.windowEnd) return;
    this.forgetWindow();
  }

  private forgetWindow(): void {
    this.info = undefined;
    this.tight = false;
    this.ceiling = undefined;
    if (this.kind !== 'budget') {
      this.free = 0;
      this.held = 0;
      this.windowNet = 0;
    }
  }

  /**
   * One lease request: `want` units, nothing below `min`. The answer is recorded (a new window
   * first drops what the old one left); a lost answer is asked for again with the same seq.
   */
  protected ask(want: number, min: number): Promise<LeaseGrant> {
    // Spend beyond the lease must reach the control plane before it judges what remains.
    const reported = this.overdrawn ? this.deps.flush() : Promise.resolve();
    this.overdrawn = false;
    let seq = 0;
    return reported
      .then(() =>
        this.serially(() => {
          seq = this.unanswered ?? ++this.seq;
          this.unanswered = seq;
          return this.deps.channel.acquireLease({
            holder: this.deps.holder,
            kind: this.kind,
            id: this.id,
            seq,
            want,
            min,
          });
        }),
      )
      .then((grant) => {
        if (this.unanswered === seq) this.unanswered = undefined;
        // Units of an ended window count for nothing in the next one (its counter restarted).
        if (this.info && grant.windowStart > this.info.windowStart) this.forgetWindow();
        this.info = grant;
        this.free += grant.granted;
        this.held += grant.granted;
        this.windowNet += grant.granted;
        // A short grant means headroom is scarce: from now on ask for exact amounts.
        this.tight = grant.granted < want;
        const ceiling = grant.limit - grant.used;
        this.ceiling = { value: ceiling, until: Math.min(grant.windowEnd, this.deps.now() + 250) };
        return grant;
      });
  }

  private serially<T>(call: () => Promise<T>): Promise<T> {
    const run = this.lane.then(call, call);
    this.lane = run.catch(() => undefined);
    return run;
  }

  /** Counts units used beyond the lease; concurrent overruns go out as one forced grant. */
  protected forceUse(amount: number): void {
    this.owed += amount;
    if (this.owed === amount) void this.serially(() => this.sendOwed());
  }

  private sendOwed(): Promise<void> {
    const amount = this.owed;
    this.owed = 0;
    // A newer seq makes an unanswered grant's replay stale: it can only expire now.
    this.unanswered = undefined;
    return this.deps.channel
      .acquireLease({
        holder: this.deps.holder,
        kind: this.kind,
        id: this.id,
        seq: ++this.seq,
        want: amount,
        min: 0,
        force: true,
      })
      .then((grant) => {
        if (this.info && grant.windowStart > this.info.windowStart) this.forgetWindow();
        this.info = grant;
        this.windowNet += grant.granted;
      })
      .catch(() => undefined);
  }

  /** Hands the unused lease back (idle, tight, or shutting down). */
  returnFree(): void {
    if (this.free <= 0) return;
    const amount = this.free;
    this.free = 0;
    this.held -= amount;
    this.windowNet -= amount;
    this.deps.release(this, amount);
  }
}
