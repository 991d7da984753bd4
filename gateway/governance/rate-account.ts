/**
 * The gateway's side of one rate limit's lease (request units, or token units). A caller the
 * local lease cannot serve joins a queue instead of being refused: one ask at a time goes to
 * the control plane for what the whole queue needs (concurrent callers coalesce into it), and
 * its answer is handed out oldest first. A part served means the rest may fit too, so the next
 * ask follows at once. Callers are refused only when the control plane answers that the shared
 * counter has no room — so `x-ratelimit-remaining` on a 429 is 0.
 *
 * Leases follow demand: an ask adds a spare of what this replica took since the ask before its
 * previous one (at most 5 % of the limit; none once grants run short), so steady traffic is
 * admitted from the lease without a round trip. Two intervals, not one: a lease that is used up
 * before the next ask would otherwise only grow by what callers queued during that ask (about one
 * unit), so asks stayed one per √(2n) requests (measured: ~450 asks of each dimension, plus as
 * many forced token grants, per 100k requests); over two, leases grow geometrically and asks are
 * one per doubling. Spare units idle for SPARE_IDLE_MS go back to the control plane.
 * Leased units count as used there, so a full counter may still hold other replicas' spares:
 * while it may (the counter's `used` exceeds what this replica took), refused callers keep
 * asking for up to RATE_WAIT_MS — long enough for those spares to come back — and once a wait
 * found nothing, later refusals in that window are immediate.
 */
import type { LeaseGrant } from '../../clients/contract/governance.ts';
import { CHUNK_SHARE, MeterAccount, type MaybePromise } from './accounts.ts';

/** Spare units (asked beyond what queued callers need) go back after sitting unused this long. */
export const SPARE_IDLE_MS = 500;
/** Longest a caller waits on a full counter for spares other replicas are handing back. */
export const RATE_WAIT_MS = 2_000;
const RETRY_FIRST_MS = 20;
const RETRY_MAX_MS = 200;

/** Waits and idleness are real time; windows follow the injected clock (tests move it). */
const clock = () => performance.now();

interface Waiter {
  /** Request units to take; 0 for token admission (needs room, takes nothing). */
  units: number;
  admit(ok: boolean): void;
  fail(error: unknown): void;
}

export class RateAccount extends MeterAccount {
  private waiters: Waiter[] = [];
  /** An ask is in flight or a retry is scheduled: new callers queue behind it. */
  private busy = false;
  private waitingSince: number | undefined;
  private retryMs = RETRY_FIRST_MS;
  /** Start of a window a full wait found empty: later refusals in it need no wait. */
  private exhaustedWindow: number | undefined;
  /** Units taken since the last ask, and in the interval before it: the next ask's spare. */
  private takenSinceAsk = 0;
  private takenBeforeAsk = 0;
  private lastTake = clock();

  /** Request units; waits for the control plane's answer rather than refusing on an empty lease. */
  override reserve(amount: number, _deadline?: number, now = this.deps.now()): MaybePromise<boolean> {
    this.expireWindow(now);
    this.lastUse = now;
    if (this.waiters.length === 0 && this.free >= amount) {
      this.spend(amount);
      return true;
    }
    return this.enqueue(amount);
  }

  /** Token admission: any room admits (tokens are counted when the provider reports them). */
  override admit(now = this.deps.now()): MaybePromise<boolean> {
    this.expireWindow(now);
    this.lastUse = now;
    if (this.waiters.length === 0 && this.free > 0) return true;
    return this.enqueue(0);
  }

  override settle(reserved: number, actual: number): void {
    this.takenSinceAsk += actual;
    this.lastTake = clock();
    super.settle(reserved, actual);
  }

  /** Returns spare units nobody used for SPARE_IDLE_MS; true when some went back. */
  returnIdleSpare(): boolean {
    if (this.free <= 0 || this.waiters.length > 0 || clock() - this.lastTake < SPARE_IDLE_MS) return false;
    this.returnFree();
    return true;
  }

  private enqueue(units: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiters.push({ units, admit: resolve, fail: reject });
      this.pump();
    });
  }

  private spend(units: number): void {
    this.free -= units;
    this.takenSinceAsk += units;
    this.lastTake = clock();
  }

  /** Hands leased units to queued callers, oldest first. */
  private serve(): void {
    let served = 0;
    for (const waiter of this.waiters) {
      if (this.free < Math.max(1, waiter.units)) break;
      this.spend(waiter.units);
      waiter.admit(true);
      served++;
    }
    if (served > 0) this.waiters = this.waiters.slice(served);
  }

  /** One ask for everything the queue needs, plus a spare sized by recent demand. */
  private pump(): void {
    if (this.busy || this.waiters.length === 0) return;
    this.busy = true;
    const demand = this.kind === 'tokens' ? 1 : this.waiters.reduce((sum, w) => sum + w.units, 0);
    const recent = this.takenSinceAsk + this.takenBeforeAsk;
    const spare = this.tight ? 0 : Math.min(Math.ceil(this.limit * CHUNK_SHARE), recent);
    this.takenBeforeAsk = this.takenSinceAsk;
    this.takenSinceAsk = 0;
    this.ask(demand + spare, 1).then(
      (grant) => {
        this.busy = false;
        this.answered(grant);
      },
      (error: unknown) => {
        this.busy = false;
        this.finish((waiter) => waiter.fail(error));
      },
    );
  }

  private answered(grant: LeaseGrant): void {
    this.serve();
    if (this.waiters.length === 0) return this.finish(() => undefined);
    // Part of the queue was served: the rest may fit too.
    if (grant.granted > 0) return this.pump();
    if (!this.othersMayHandBack(grant)) return this.finish((waiter) => waiter.admit(false));
    const now = clock();
    this.waitingSince ??= now;
    if (now - this.waitingSince >= RATE_WAIT_MS) {
      this.exhaustedWindow = grant.windowStart;
      return this.finish((waiter) => waiter.admit(false));
    }
    this.busy = true;
    setTimeout(() => {
      this.busy = false;
      this.pump();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  /**
   * Whether units counted as used may still come back: other holders took some (spares they
   * may return) and no full wait in this window has found the counter empty.
   */
  private othersMayHandBack(grant: LeaseGrant): boolean {
    return this.exhaustedWindow !== grant.windowStart && grant.used > this.windowNet;
  }

  /** Ends a wait: every queued caller gets `outcome`. */
  private finish(outcome: (waiter: Waiter) => void): void {
    const waiting = this.waiters;
    this.waiters = [];
    this.waitingSince = undefined;
    this.retryMs = RETRY_FIRST_MS;
    for (const waiter of waiting) outcome(waiter);
  }
}
