/**
 * Counters shared through the database (Postgres with several replicas). A grant reads the row,
 * rolls the window if it ended, then grants with a conditional UPDATE that never takes more than
 * remains; losing a race to another replica just re-reads (bounded). Ledger batches roll the
 * windows they touch first and are stamped with this clock, so a settle always lands in the
 * window that was current when it was applied.
 */
import type {
  LeaseGrant,
  LeaseRequest,
  RateReturn,
  UsageLedgerEntry,
} from '../../clients/contract/governance.ts';
import { currentWindow, parseWindow } from '../../clients/contract/windows.ts';
import {
  earlierBudgetLease,
  getBudget,
  getRateLimit,
  grantBudgetLease,
  grantRateUnits,
  recordLedgerBulk,
  returnRateUnits,
  rollBudgetWindow,
  rollRateWindow,
  type Database,
  type RateDimension,
} from '../../db/index.ts';
import { emptyGrant, ledgerRow, type CounterStore } from './store.ts';

const RACE_RETRIES = 8;

export class SqlStore implements CounterStore {
  readonly name = 'database';

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  private async budgetWindow(id: string) {
    for (let i = 0; i < RACE_RETRIES; i++) {
      const row = await getBudget(this.db, id);
      if (!row) return undefined;
      const spec = parseWindow(row.resetDuration, row.calendarAligned);
      const window = spec
        ? currentWindow(spec, row.windowStart, this.now())
        : { start: row.windowStart, end: 8.64e15 };
      if (window.start <= row.windowStart) return { row, end: window.end };
      await rollBudgetWindow(this.db, id, window.start);
    }
    throw new Error(`budget "${id}": window roll-over kept racing`);
  }

  private async grantBudget(request: LeaseRequest): Promise<LeaseGrant> {
    for (let i = 0; i < RACE_RETRIES; i++) {
      const current = await this.budgetWindow(request.id);
      if (!current) throw new Error(`unknown budget "${request.id}"`);
      const { row, end } = current;
      const remaining = row.maxLimitMicros - row.currentUsageMicros - row.reservedMicros;
      const amount = Math.min(request.want, Math.max(0, remaining));
      const base = {
        limit: row.maxLimitMicros,
        used: row.currentUsageMicros,
        windowStart: row.windowStart,
        windowEnd: end,
      };
      const lease = { budgetId: request.id, requestId: `lease:${request.holder}`, seq: request.seq };
      const earlier = await earlierBudgetLease(this.db, lease);
      if (earlier.kind !== 'new')
        return {
          ...base,
          granted: earlier.kind === 'replay' ? earlier.amount : 0,
          reserved: row.reservedMicros,
        };
      if (amount < request.min || amount <= 0) return { ...base, granted: 0, reserved: row.reservedMicros };
      const granted = await grantBudgetLease(this.db, {
        ...lease,
        amountMicros: amount,
        createdAt: this.now(),
      });
      if (granted) return { ...base, granted: amount, reserved: row.reservedMicros + amount };
    }
    return emptyGrant(0, 0, 0);
  }

  private async grantRate(request: LeaseRequest & { kind: RateDimension }): Promise<LeaseGrant> {
    const dim = request.kind;
    for (let i = 0; i < RACE_RETRIES; i++) {
      const row = await getRateLimit(this.db, request.id);
      if (!row) throw new Error(`unknown rate limit "${request.id}"`);
      const limit = (dim === 'requests' ? row.requestMaxLimit : row.tokenMaxLimit) ?? 0;
      const used = dim === 'requests' ? row.requestCurrentUsage : row.tokenCurrentUsage;
      const start = dim === 'requests' ? row.requestWindowStart : row.tokenWindowStart;
      const spec = parseWindow(
        dim === 'requests' ? (row.requestResetDuration ?? undefined) : (row.tokenResetDuration ?? undefined),
      );
      const window = spec ? currentWindow(spec, start, this.now()) : { start, end: 8.64e15 };
      if (window.start > start) {
        await rollRateWindow(this.db, request.id, dim, window.start);
        continue;
      }
      const amount = request.force ? request.want : Math.min(request.want, Math.max(0, limit - used));
      const base = { limit, reserved: 0, windowStart: start, windowEnd: window.end };
      if (!request.force && (amount < request.min || amount <= 0)) return { ...base, granted: 0, used };
      const after = await grantRateUnits(this.db, request.id, dim, amount, request.force === true);
      if (after) {
        const nowUsed = dim === 'requests' ? after.requestCurrentUsage : after.tokenCurrentUsage;
        return { ...base, granted: amount, used: nowUsed };
      }
    }
    return emptyGrant(0, 0, 0);
  }

  grant(request: LeaseRequest): Promise<LeaseGrant> {
    if (request.kind === 'budget') return this.grantBudget(request);
    return this.grantRate({ ...request, kind: request.kind });
  }

  async applyLedger(entries: readonly UsageLedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    for (const id of new Set(entries.map((e) => e.budgetId))) await this.budgetWindow(id);
    const at = this.now();
    await recordLedgerBulk(
      this.db,
      entries.map((e) => ledgerRow(e, at)),
    );
  }

  returnRate(ret: RateReturn): Promise<void> {
    return returnRateUnits(this.db, ret.id, ret.kind, ret.amount, ret.windowStart);
  }

  async budgetCounters(id: string) {
    const current = await this.budgetWindow(id);
    if (!current) return undefined;
    const { row } = current;
    return { used: row.currentUsageMicros, reserved: row.reservedMicros, windowStart: row.windowStart };
  }

  /** The database row is the live state. */
  rateCounters(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  refresh(): Promise<void> {
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
