/**
 * A budget's lease (`held`, `free`: lease-account.ts), spent locally; rate limits specialise it
 * in rate-account.ts.
 *
 * Strict reservations take from `free`, renewing first when it is short; if the control plane
 * cannot grant enough, the request waits (bounded) only while the window could still fit it
 * once other reservations settle, and is refused otherwise. Settling gives back the unused part
 * of a reservation and releases the consumed part from the lease (a `release` ledger entry), so
 * the counters stay the ledger's sums. Usage beyond the lease (soft mode) is settled without a
 * release: it is spend the lease never covered. Near the limit, leases are exactly what a
 * request needs and are returned right after use, so no replica strands headroom.
 */
import type { UsageLedgerEntry } from '../../clients/contract/governance.ts';
import { LeaseAccount } from './lease-account.ts';

export type { AccountDeps } from './lease-account.ts';

/** Share of the limit asked for on top of what a request needs, while headroom is plentiful. */
export const CHUNK_SHARE = 0.05;
const WAIT_STEP_MS = 5;
const WAIT_STEP_MAX_MS = 50;

export type MaybePromise<T> = T | Promise<T>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MeterAccount extends LeaseAccount {
  private acquiring: Promise<void> | undefined;

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

  /**
   * Takes exactly `amount` from the lease (strict); false when it does not fit by `deadline`.
   * `now`, here and below: the caller's clock reading, when it has one (an attempt passes
   * several gates at one instant; each reading is a call out of JavaScript).
   */
  reserve(amount: number, deadline: number, now = this.deps.now()): MaybePromise<boolean> {
    const taken = this.reserveUpTo(amount, amount, deadline, now);
    return typeof taken === 'number' ? taken === amount : taken.then((got) => got === amount);
  }

  /**
   * Takes as much of `max` as the window allows, at least `min`; 0 when not even `min` fits by
   * `deadline`. Answers at once while the lease covers `max` (the common case: no promise, no
   * microtask); otherwise renews, and waits only while the window could still fit `min` once
   * reservations settle.
   */
  reserveUpTo(max: number, min: number, deadline: number, now = this.deps.now()): MaybePromise<number> {
    this.expireWindow(now);
    this.lastUse = now;
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
  admit(now = this.deps.now()): MaybePromise<boolean> {
    this.expireWindow(now);
    this.lastUse = now;
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
