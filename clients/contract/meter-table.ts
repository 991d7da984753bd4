/**
 * Meters in memory: budgets (micro-dollars: settled `used`, outstanding `reserved`) and rate
 * limits (requests, tokens: `used` counts leased units). JavaScript runs one grant at a time, so
 * a check-then-add here is atomic — the single-node counterpart of the database's conditional
 * UPDATE and Redis's Lua script. The control plane wraps it with durable write-behind; a gateway
 * whose control plane offers no governance channel uses it directly.
 */
import type { LeaseGrant, LeaseRequest, MeterKind, RateReturn, UsageLedgerEntry } from './governance.ts';
import { currentWindow, type WindowSpec } from './windows.ts';

export interface MeterState {
  limit: number;
  spec: WindowSpec | undefined;
  used: number;
  reserved: number;
  windowStart: number;
}

export type MeterEvent =
  | { type: 'roll'; kind: MeterKind; id: string; windowStart: number }
  | { type: 'ledger'; entries: UsageLedgerEntry[] }
  | { type: 'rate'; kind: 'requests' | 'tokens'; id: string; delta: number; windowStart: number };

/** Most recent applied ledger keys remembered for replay detection. */
const SEEN_LIMIT = 200_000;
const FAR_FUTURE = 8.64e15;

export const meterKey = (kind: MeterKind, id: string): string => `${kind}:${id}`;
export const ledgerKey = (e: UsageLedgerEntry): string =>
  `${e.requestId}\u0000${e.attempt}\u0000${e.kind}\u0000${e.budgetId}`;

export class MeterTable {
  /**
   * Per kind, id → meter: every ledger entry of a report looks its budget up, so no `kind:id`
   * string is built per entry (a concatenated key is flattened and hashed on every lookup).
   */
  private readonly meters: Record<MeterKind, Map<string, MeterState>> = {
    budget: new Map(),
    requests: new Map(),
    tokens: new Map(),
  };
  private readonly lastGrants = new Map<string, { seq: number; grant: LeaseGrant }>();
  private readonly seen = new Set<string>();
  /** Recently applied report batches (holder:batch), for replays of whole reports. */
  private readonly batches = new Set<string>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Every change, in order, for write-behind. */
    private readonly onEvent: (event: MeterEvent) => void = () => undefined,
  ) {}

  /** Creates or reconfigures a meter; counters are kept across reconfiguration. */
  configure(
    kind: MeterKind,
    id: string,
    limit: number,
    spec: WindowSpec | undefined,
    initial?: Partial<MeterState>,
  ): void {
    const meters = this.meters[kind];
    const existing = meters.get(id);
    if (existing) {
      existing.limit = limit;
      existing.spec = spec;
      return;
    }
    meters.set(id, {
      limit,
      spec,
      used: initial?.used ?? 0,
      reserved: initial?.reserved ?? 0,
      windowStart: initial?.windowStart ?? this.now(),
    });
  }

  get(kind: MeterKind, id: string): MeterState | undefined {
    const state = this.meters[kind].get(id);
    if (state) this.roll(kind, id, state);
    return state;
  }

  /** Whether every entry's budget is configured (no window rolled: a check before applying). */
  knowsBudgets(entries: readonly UsageLedgerEntry[]): boolean {
    const budgets = this.meters.budget;
    let known: string | undefined;
    for (const entry of entries) {
      // A report's entries mostly name the same budget one after another.
      if (entry.budgetId === known) continue;
      if (!budgets.has(entry.budgetId)) return false;
      known = entry.budgetId;
    }
    return true;
  }

  private roll(kind: MeterKind, id: string, state: MeterState): number {
    if (!state.spec) return FAR_FUTURE;
    const window = currentWindow(state.spec, state.windowStart, this.now());
    if (window.start > state.windowStart) {
      state.windowStart = window.start;
      state.used = 0;
      this.onEvent({ type: 'roll', kind, id, windowStart: window.start });
    }
    return window.end;
  }

  grant(request: LeaseRequest): LeaseGrant {
    const grantKey = `${request.holder}\u0000${meterKey(request.kind, request.id)}`;
    const last = this.lastGrants.get(grantKey);
    // The same seq again: its answer was lost, so the same grant; an older one gets nothing.
    if (last && request.seq === last.seq) return last.grant;
    if (last && request.seq < last.seq) return { ...last.grant, granted: 0 };
    const state = this.meters[request.kind].get(request.id);
    if (!state) throw new Error(`unknown ${request.kind} meter "${request.id}"`);
    const windowEnd = this.roll(request.kind, request.id, state);
    const remaining = state.limit - state.used - state.reserved;
    let granted = request.force ? request.want : Math.min(request.want, Math.max(0, remaining));
    if (!request.force && granted < request.min) granted = 0;
    if (granted > 0) this.take(request, state, granted);
    const grant: LeaseGrant = {
      granted,
      limit: state.limit,
      used: state.used,
      reserved: state.reserved,
      windowStart: state.windowStart,
      windowEnd,
    };
    this.lastGrants.set(grantKey, { seq: request.seq, grant });
    return grant;
  }

  private take(request: LeaseRequest, state: MeterState, granted: number): void {
    if (request.kind === 'budget') {
      state.reserved += granted;
      const entry: UsageLedgerEntry = {
        requestId: `lease:${request.holder}`,
        attempt: request.seq,
        kind: 'reserve',
        budgetId: request.id,
        amountMicros: granted,
      };
      this.seen.add(ledgerKey(entry));
      this.onEvent({ type: 'ledger', entries: [entry] });
      return;
    }
    state.used += granted;
    this.onEvent({
      type: 'rate',
      kind: request.kind,
      id: request.id,
      delta: granted,
      windowStart: state.windowStart,
    });
  }

  /**
   * Applies ledger entries not seen before; returns the new ones. With a batch key, a replayed
   * batch is skipped whole (cheap: no per-entry memory); without one, entries are checked one
   * by one.
   */
  applyLedger(entries: readonly UsageLedgerEntry[], batchKey?: string): UsageLedgerEntry[] {
    if (batchKey !== undefined) {
      if (this.batches.has(batchKey)) return [];
      if (this.batches.size >= SEEN_LIMIT / 10) this.batches.clear();
      this.batches.add(batchKey);
    }
    const fresh: UsageLedgerEntry[] = [];
    const budgets = this.meters.budget;
    // Consecutive entries of one budget share its lookup and window roll (the clock does not
    // move a window within one synchronous pass); a report holds about one entry per request.
    let lastId: string | undefined;
    let state: MeterState | undefined;
    for (const entry of entries) {
      if (entry.budgetId !== lastId) {
        lastId = entry.budgetId;
        state = budgets.get(lastId);
        if (state) this.roll('budget', lastId, state);
      }
      if (!state) continue;
      if (batchKey === undefined) {
        const key = ledgerKey(entry);
        if (this.seen.has(key)) continue;
        if (this.seen.size >= SEEN_LIMIT) this.seen.clear();
        this.seen.add(key);
      }
      if (entry.kind === 'reserve') state.reserved += entry.amountMicros;
      else if (entry.kind === 'release') state.reserved -= entry.amountMicros;
      else state.used += entry.amountMicros;
      fresh.push(entry);
    }
    if (fresh.length > 0) this.onEvent({ type: 'ledger', entries: fresh });
    return fresh;
  }

  /** Gives back unused rate-limit units, only into the window they were leased in. */
  returnRate(ret: RateReturn): void {
    const state = this.meters[ret.kind].get(ret.id);
    if (!state) return;
    this.roll(ret.kind, ret.id, state);
    if (state.windowStart !== ret.windowStart || ret.amount <= 0) return;
    const amount = Math.min(ret.amount, state.used);
    state.used -= amount;
    this.onEvent({
      type: 'rate',
      kind: ret.kind,
      id: ret.id,
      delta: -amount,
      windowStart: state.windowStart,
    });
  }
}
