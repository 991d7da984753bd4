/**
 * The gateway's side of one lease: a meter's slice granted by the control plane, spent locally.
 *
 *   held = granted − released (what the control plane counts as reserved for this holder)
 *   free = the part of `held` no attempt has reserved yet
 *
 * Strict reservations take from `free`, renewing first when it is short; if the control plane
 * cannot grant enough, the request waits (bounded) only while the window could still fit it
 * once other reservations settle, and is refused otherwise. Settling gives back the unused part
 * of a reservation and releases the consumed part from the lease (a `release` ledger entry), so
 * the counters stay the ledger's sums. Usage beyond the lease (soft mode) is settled without a
 * release: it is spend the lease never covered. Near the limit, leases are exactly what a
 * request needs and are returned right after use, so no replica strands headroom.
 */
import type { GovernanceChannel, LeaseGrant, MeterKind, UsageLedgerEntry } from '../../clients/governance.ts';

export interface AccountDeps {
  channel: GovernanceChannel;
  holder: string;
  now(): number;
  /** Queues a lease release (budget) or unused units (rate limit) for the next flush. */
  release(account: MeterAccount, amount: number): void;
  /** Asks for an early flush (tight leases are handed back promptly). */
  flushSoon(): void;
  /** Sends queued usage now. */
  flush(): Promise<void>;
}

/** Share of the limit asked for on top of what a request needs, while headroom is plentiful. */
export const CHUNK_SHARE = 0.05;
const WAIT_STEP_MS = 5;
const WAIT_STEP_MAX_MS = 50;

export type MaybePromise<T> = T | Promise<T>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MeterAccount {
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
  private overdrawn = false;
  private seq = 0;
  /**
   * The seq of a grant whose answer never came (timeout, dropped connection). The next renewal
   * asks with the same seq: if the control plane did grant it, it answers with that same grant
   * instead of stranding it until the lease expires.
   */
  private unanswered: number | undefined;
  private acquiring: Promise<void> | undefined;
  /** Known upper bound of what may still be reserved, and until when it holds. */
  private ceiling: { value: number; until: number } | undefined;

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
  protected expireWindow(): void {
    const info = this.info;
    if (!info || this.deps.now() < info.windowEnd) return;
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
    const seq = this.unanswered ?? ++this.seq;
    this.unanswered = seq;
    return reported
      .then(() =>
        this.deps.channel.acquireLease({
          holder: this.deps.holder,
          kind: this.kind,
          id: this.id,
          seq,
          want,
          min,
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

  /** Renews the lease by up to `needed` (plus a chunk while headroom is plentiful), at least `least`. */
  private acquire(needed: number, least = needed): Promise<void> {
    if (this.acquiring)
      return this.acquiring.then(() => (this.free >= needed ? undefined : this.acquire(needed, least)));
    const extra = this.tight ? 0 : Math.ceil(this.limit * CHUNK_SHARE);
    const run = this.ask(needed + extra, Math.max(1, least))
      .then(() => undefined)
      .finally(() => {
        this.acquiring = undefined;
      });
    this.acquiring = run;
    return run;
  }

  /** Whether `amount` can never fit before the window ends (no round trip needed to refuse). */
  private hopeless(amount: number): boolean {
    const c = this.ceiling;
    return c !== undefined && this.deps.now() < c.until && amount > c.value + this.free;
  }

  /** Takes exactly `amount` from the lease (strict); false when it does not fit by `deadline`. */
  reserve(amount: number, deadline: number): MaybePromise<boolean> {
    const taken = this.reserveUpTo(amount, amount, deadline);
    return typeof taken === 'number' ? taken === amount : taken.then((got) => got === amount);
  }

  /**
   * Takes as much of `max` as the window allows, at least `min`; 0 when not even `min` fits by
   * `deadline`. Answers at once while the lease covers `max` (the common case: no promise, no
   * microtask); otherwise renews, and waits only while the window could still fit `min` once
   * reservations settle.
   */
  reserveUpTo(max: number, min: number, deadline: number): MaybePromise<number> {
    this.expireWindow();
    this.lastUse = this.deps.now();
    if (this.free >= max) return this.take(max);
    return this.reserveSlowly(max, min, deadline);
  }

  private take(max: number): number {
    const take = Math.min(max, this.free);
    this.free -= take;
    return take;
  }

  private async reserveSlowly(max: number, min: number, deadline: number): Promise<number> {
    let step = WAIT_STEP_MS;
    for (;;) {
      if (this.free >= max) return this.take(max);
      if (this.hopeless(min)) return 0;
      await this.acquire(Math.max(min, max) - this.free, min - this.free);
      if (this.free >= min) return this.take(max);
      const info = this.info;
      const couldFit = info !== undefined && info.limit - info.used >= min;
      if (!couldFit || this.deps.now() + step > deadline) return 0;
      await sleep(step);
      step = Math.min(step * 2, WAIT_STEP_MAX_MS);
    }
  }

  /** Soft admission: anything left in the lease (or grantable) admits the request. */
  admit(): MaybePromise<boolean> {
    this.expireWindow();
    this.lastUse = this.deps.now();
    if (this.free > 0) return true;
    if (this.hopeless(1)) return false;
    return this.acquire(1).then(() => this.free > 0);
  }

  /**
   * Settles an attempt that reserved `reserved` and used `actual`: the covered part is released
   * from the lease, the rest of the reservation returns to `free`.
   */
  settle(reserved: number, actual: number): void {
    const available = reserved + this.free;
    const covered = Math.min(actual, available);
    this.free = available - covered;
    if (this.kind === 'budget') {
      this.held -= covered;
      if (covered > 0) this.deps.release(this, covered);
      if (actual > covered) this.overdrawn = true;
    } else if (actual > covered) {
      // Rate units used beyond the lease are counted anyway (force), so the window sees them.
      this.forceUse(actual - covered);
    }
    if (this.tight) {
      // Near the limit, headroom this replica is not using right now belongs back in the pool.
      this.returnFree();
      this.deps.flushSoon();
    }
  }

  private forceUse(amount: number): void {
    // A newer seq makes an unanswered grant's replay stale: it can only expire now.
    this.unanswered = undefined;
    void this.deps.channel
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

  /**
   * A zero-amount grant entry that only marks this holder's lease as alive, so the control plane
   * does not expire it while a long request still holds part of it.
   */
  heartbeat(): UsageLedgerEntry | undefined {
    if (this.kind !== 'budget' || this.held <= 0) return undefined;
    return {
      requestId: `lease:${this.deps.holder}`,
      attempt: ++this.seq,
      kind: 'reserve',
      budgetId: this.id,
      amountMicros: 0,
    };
  }

  /** Fraction (0–100) of the limit used, as last seen; for routing-rule variables. */
  percentUsed(): number {
    const info = this.info;
    if (!info || info.limit <= 0) return 0;
    const spentHere = this.kind === 'budget' ? info.used : info.used - this.free;
    return Math.max(0, Math.min(100, (spentHere / info.limit) * 100));
  }
}
