/**
 * Where the control plane keeps shared counters: in memory with write-behind (SQLite, one node),
 * in the database (Postgres, many replicas) or in Redis (REDIS_URL). All three grant leases
 * atomically and apply ledger entries idempotently; the database's ledger is the record either
 * way, so the reconciliation check applies to all of them.
 */
import type {
  LeaseGrant,
  LeaseRequest,
  RateReturn,
  UsageLedgerEntry,
} from '../../clients/contract/governance.ts';
import type { BudgetCounters, RateLimitCounters } from '../../clients/contract/rate-counters.ts';

export interface CounterStore {
  readonly name: 'memory' | 'database' | 'redis';
  grant(request: LeaseRequest): Promise<LeaseGrant>;
  /** `batchKey` names a whole report (holder:batch) so a replay can be skipped cheaply. */
  applyLedger(entries: readonly UsageLedgerEntry[], batchKey?: string): Promise<void>;
  returnRate(ret: RateReturn): Promise<void>;
  /** Current counters of a budget as this store sees them (for reconciliation and tests). */
  budgetCounters(id: string): Promise<BudgetCounters | undefined>;
  /**
   * Live counters of a rate limit when they run ahead of its database row (memory, Redis);
   * undefined where the row is the live state (database) or the meter was never used. `used`
   * counts leased units; a window may have ended since `windowStart` (readers roll it).
   */
  rateCounters(id: string): Promise<RateLimitCounters | undefined>;
  /**
   * Resolves what a stopped process left half-applied (Redis: ledger intents), so the counters
   * are the ledger's sums again; returns how many were resolved. Stores that cannot be left
   * half-applied (one transaction, or one process) have none.
   */
  repair?(): Promise<number>;
  /** Re-reads limits after a config change. */
  refresh(): Promise<void>;
  /** Everything written behind is durable when this resolves. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** One ledger entry in the database's input shape, stamped with when it was applied. */
export function ledgerRow(e: UsageLedgerEntry, createdAt: number) {
  // One literal: one allocation, one shape (the memory store maps every entry of every batch
  // through here, about one per request).
  return {
    requestId: e.requestId,
    attempt: e.attempt,
    kind: e.kind,
    budgetId: e.budgetId,
    amountMicros: e.amountMicros,
    priceBookVersion: e.priceBookVersion ?? null,
    createdAt,
  };
}

export function emptyGrant(limit: number, windowStart: number, windowEnd: number): LeaseGrant {
  return { granted: 0, limit, used: 0, reserved: 0, windowStart, windowEnd };
}
