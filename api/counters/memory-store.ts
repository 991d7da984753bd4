/**
 * Counters for one node (SQLite): held in memory, so a grant is a function call, and written
 * behind to the database in order — ledger entries (which move the stored counters exactly as
 * they moved the memory ones), window roll-overs and rate-limit deltas — every `flushMs`, by a
 * writer thread so SQLite's synchronous driver never stalls request handling. On
 * start the counters are loaded from the database; leases left by a previous process (which
 * must be dead: one node) are released first.
 */
import type {
  LeaseGrant,
  LeaseRequest,
  RateReturn,
  UsageLedgerEntry,
} from '../../clients/contract/governance.ts';
import { MeterTable, type MeterEvent } from '../../clients/contract/meter-table.ts';
import { parseWindow } from '../../clients/contract/windows.ts';
import {
  listBudgets,
  listRateLimits,
  outstandingLeases,
  recordLedgerAt,
  type BulkLedgerEntry,
  type Database,
} from '../../db/index.ts';
import type { Logger } from '../logger.ts';
import { ledgerRow, type CounterStore } from './store.ts';
import type { RateLimitCounters } from '../../clients/contract/rate-counters.ts';
import type { WriteOp, Writer } from './writes.ts';

type Pending = { event: MeterEvent; at: number };

export class MemoryStore implements CounterStore {
  readonly name = 'memory';
  private readonly table: MeterTable;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly writer: Writer,
  ) {
    this.table = new MeterTable(now, (event) => this.pending.push({ event, at: now() }));
  }

  static async open(
    db: Database,
    now: () => number,
    logger: Logger,
    writer: Writer,
    flushMs = 200,
  ): Promise<MemoryStore> {
    const store = new MemoryStore(db, now, logger, writer);
    await store.releaseStaleLeases();
    await store.refresh();
    store.timer = setInterval(() => void store.flush(), flushMs);
    store.timer.unref();
    return store;
  }

  private async releaseStaleLeases(): Promise<void> {
    const leases = await outstandingLeases(this.db);
    const at = this.now();
    const entries = leases.map((lease) => ({
      requestId: lease.requestId,
      attempt: -Math.floor(at / 1000),
      kind: 'release' as const,
      budgetId: lease.budgetId,
      amountMicros: lease.outstanding,
      priceBookVersion: null,
    }));
    if (entries.length > 0) {
      this.logger.info('governance: released leases left by a previous process', { leases: entries.length });
      await recordLedgerAt(this.db, entries, at);
    }
  }

  /** Loads limits (and, for meters new to this process, their stored counters). */
  async refresh(): Promise<void> {
    for (const b of await listBudgets(this.db)) {
      this.table.configure(
        'budget',
        b.id,
        b.maxLimitMicros,
        parseWindow(b.resetDuration, b.calendarAligned),
        {
          used: b.currentUsageMicros,
          reserved: b.reservedMicros,
          windowStart: b.windowStart,
        },
      );
    }
    for (const r of await listRateLimits(this.db)) {
      this.table.configure(
        'requests',
        r.id,
        r.requestMaxLimit ?? 0,
        parseWindow(r.requestResetDuration ?? undefined),
        {
          used: r.requestCurrentUsage,
          windowStart: r.requestWindowStart,
        },
      );
      this.table.configure(
        'tokens',
        r.id,
        r.tokenMaxLimit ?? 0,
        parseWindow(r.tokenResetDuration ?? undefined),
        {
          used: r.tokenCurrentUsage,
          windowStart: r.tokenWindowStart,
        },
      );
    }
  }

  async grant(request: LeaseRequest): Promise<LeaseGrant> {
    if (!this.table.get(request.kind, request.id)) await this.refresh();
    return this.table.grant(request);
  }

  async applyLedger(entries: readonly UsageLedgerEntry[], batchKey?: string): Promise<void> {
    // A budget created since the last refresh must be known before its entries are applied.
    if (!this.table.knowsBudgets(entries)) await this.refresh();
    this.table.applyLedger(entries, batchKey);
  }

  returnRate(ret: RateReturn): Promise<void> {
    this.table.returnRate(ret);
    return Promise.resolve();
  }

  budgetCounters(id: string) {
    const state = this.table.get('budget', id);
    return Promise.resolve(
      state && { used: state.used, reserved: state.reserved, windowStart: state.windowStart },
    );
  }

  rateCounters(id: string) {
    const counters: RateLimitCounters = {};
    for (const kind of ['requests', 'tokens'] as const) {
      const state = this.table.get(kind, id);
      if (state) counters[kind] = { used: state.used, windowStart: state.windowStart };
    }
    return Promise.resolve(counters.requests || counters.tokens ? counters : undefined);
  }

  /** Writes everything pending, in order; consecutive ledger events go in one transaction. */
  flush(): Promise<void> {
    this.writing = this.writing
      .then(() => this.write())
      .catch((error: unknown) => {
        this.logger.error('governance: write-behind failed; will retry', { error });
      });
    return this.writing;
  }

  /** The pending events as write operations, consecutive ledger events merged. */
  private ops(pending: readonly Pending[]): WriteOp[] {
    const ops: WriteOp[] = [];
    for (const { event, at } of pending) {
      if (event.type === 'ledger') {
        const last = ops.at(-1);
        let entries: BulkLedgerEntry[];
        if (last?.op === 'ledger') entries = last.entries;
        else ops.push({ op: 'ledger', entries: (entries = []) });
        // One row object per entry, appended in place (no intermediate copies or spread pushes).
        for (const e of event.entries) entries.push(ledgerRow(e, at));
      } else if (event.type === 'roll') {
        ops.push(
          event.kind === 'budget'
            ? { op: 'roll-budget', id: event.id, start: event.windowStart }
            : { op: 'roll-rate', id: event.id, dim: event.kind, start: event.windowStart },
        );
      } else ops.push({ op: 'rate', id: event.id, dim: event.kind, delta: event.delta });
    }
    return ops;
  }

  private async write(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    try {
      await this.writer.write(this.ops(pending));
    } catch (error) {
      this.pending = [...pending, ...this.pending];
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
