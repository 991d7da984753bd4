/**
 * Usage reports come from gateway replicas holding a GATEWAY token: trusted to say what they
 * spent, not to rewrite budgets. Before a report touches any counter:
 * - negative amounts are refused (a negative settle would un-spend an exhausted budget; a
 *   negative return or lease would add headroom out of nothing);
 * - a `release` never gives back more than the same holder reserved: a request's release at most
 *   what that request reserved in the same report (the gateway sends reserve, settle and release
 *   of an attempt together), a lease release (`lease:<holder>`, only the reporting holder's) at
 *   most what the holder's leases still hold. Excess is cut off and logged, not refused, so a
 *   replica whose report is slightly off does not retry the same report forever.
 * What leases hold is kept here per holder and budget from the grants this process made, and
 * read from the ledger (after the store's write-behind is flushed) when this process does not
 * know or does not cover it: a holder served by another replica, or one forging releases.
 */
import type {
  LeaseGrant,
  LeaseRequest,
  UsageLedgerEntry,
  UsageReport,
} from '../../clients/contract/governance.ts';
import { leaseHolding, type Database } from '../../db/index.ts';
import type { Logger } from '../logger.ts';

/** A report or lease request that can never be valid; the whole call is refused. */
export class InvalidUsageError extends Error {}

/** Past this many holder/budget pairs, what is known is dropped and re-read from the ledger. */
const MAX_TRACKED = 100_000;

function valid(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

function refuse(value: number, where: string): never {
  throw new InvalidUsageError(`${where} must be a non-negative amount, got ${value}`);
}

function refuseNegative(value: number, where: string): void {
  if (!valid(value)) refuse(value, where);
}

export function checkLeaseRequest(request: LeaseRequest): void {
  refuseNegative(request.want, 'want');
  refuseNegative(request.min, 'min');
}

/** About one ledger entry per request: where an amount is named only once one is refused. */
export function checkReportAmounts(report: UsageReport): void {
  const { ledger, rateReturns } = report;
  for (let i = 0; i < ledger.length; i++)
    if (!valid(ledger[i]!.amountMicros)) refuse(ledger[i]!.amountMicros, `ledger[${i}].amountMicros`);
  for (let i = 0; i < rateReturns.length; i++)
    if (!valid(rateReturns[i]!.amount)) refuse(rateReturns[i]!.amount, `rateReturns[${i}].amount`);
}

interface Holding {
  held: number;
  /** Newest reserve seq seen (grants and heartbeats): an older or equal one is a replay. */
  seq: number;
}

export class UsageGuard {
  private readonly holdings = new Map<string, Holding>();
  /** Reports are applied one at a time, so two cannot both spend the same holding. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly flushStore: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Records a budget lease grant (replays, recognised by their seq, are not counted twice). */
  granted(request: LeaseRequest, grant: LeaseGrant): void {
    if (request.kind !== 'budget') return;
    const known = this.holdings.get(`lease:${request.holder}\u0000${request.id}`);
    if (known && request.seq > known.seq) {
      known.held += grant.granted;
      known.seq = request.seq;
    }
  }

  /** Forgets holdings whose leases were released by expiry. */
  expired(requestId: string, budgetId: string): void {
    this.holdings.delete(`${requestId}\u0000${budgetId}`);
  }

  /** Runs `apply` with the report's releases capped, after every earlier report. */
  apply(report: UsageReport, apply: (ledger: UsageLedgerEntry[]) => Promise<void>): Promise<void> {
    checkReportAmounts(report);
    const run = this.queue.then(async () => apply(await this.capReleases(report)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async capReleases(report: UsageReport): Promise<UsageLedgerEntry[]> {
    const own = `lease:${report.holder}`;
    const reserved = new Map<string, number>();
    for (const e of report.ledger)
      if (e.kind === 'reserve') reserved.set(this.key(e), (reserved.get(this.key(e)) ?? 0) + e.amountMicros);
    const out: UsageLedgerEntry[] = [];
    for (const e of report.ledger) {
      const isLease = e.requestId.startsWith('lease:');
      if (isLease && e.requestId !== own) {
        this.cut(report, e, 0, 'a lease entry of another holder');
        continue;
      }
      if (isLease && e.kind === 'reserve') await this.noteReserve(e);
      if (e.kind !== 'release') {
        out.push(e);
        continue;
      }
      const allowed = isLease ? await this.leaseAllowance(e) : (reserved.get(this.key(e)) ?? 0);
      const amount = Math.min(e.amountMicros, allowed);
      if (isLease) this.holdings.get(this.key(e))!.held -= amount;
      else reserved.set(this.key(e), allowed - amount);
      if (amount < e.amountMicros) this.cut(report, e, amount, 'more than the holder reserved');
      if (amount > 0) out.push(amount === e.amountMicros ? e : { ...e, amountMicros: amount });
    }
    return out;
  }

  private key(e: UsageLedgerEntry): string {
    return `${e.requestId}\u0000${e.budgetId}`;
  }

  /** A reserve the gateway reports itself (heartbeats: zero) adds to what its leases hold. */
  private async noteReserve(e: UsageLedgerEntry): Promise<void> {
    const holding = await this.known(e);
    if (e.attempt > holding.seq) {
      holding.held += e.amountMicros;
      holding.seq = e.attempt;
    }
  }

  private async leaseAllowance(e: UsageLedgerEntry): Promise<number> {
    const holding = await this.known(e);
    if (e.amountMicros <= holding.held) return holding.held;
    // Not covered by what this process saw: the ledger decides (another replica may have granted).
    Object.assign(holding, await this.fromLedger(e));
    return holding.held;
  }

  private async known(e: UsageLedgerEntry): Promise<Holding> {
    const key = this.key(e);
    let holding = this.holdings.get(key);
    if (!holding) {
      if (this.holdings.size >= MAX_TRACKED) this.holdings.clear();
      holding = await this.fromLedger(e);
      this.holdings.set(key, holding);
    }
    return holding;
  }

  private async fromLedger(e: UsageLedgerEntry): Promise<Holding> {
    await this.flushStore();
    const { outstanding, lastSeq } = await leaseHolding(this.db, e.requestId, e.budgetId);
    return { held: outstanding, seq: lastSeq };
  }

  private cut(report: UsageReport, e: UsageLedgerEntry, kept: number, why: string): void {
    this.logger.warn('governance: usage report entry cut', {
      holder: report.holder,
      request_id: e.requestId,
      budget_id: e.budgetId,
      asked_micros: e.amountMicros,
      applied_micros: kept,
      reason: why,
    });
  }
}
