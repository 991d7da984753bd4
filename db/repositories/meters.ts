/**
 * Shared budget and rate-limit counters for replicas that meet in the database: window roll-overs
 * and lease grants as single conditional statements, so concurrent control planes never lose an
 * update or grant past a limit, plus the ledger sums a reconciliation compares counters with.
 */
import { and, desc, eq, gte, like, lt, sql } from 'drizzle-orm';
import type { Database, Tables } from '../connection/types.ts';
import { getBudget, type BudgetRecord } from './budgets.ts';
import { recordLedgerBulk, type BulkLedgerEntry } from './bulk.ts';
import type { RateLimitRecord } from './rate-limits.ts';

/** Starts the window beginning at `windowStart` unless some replica already did. */
export function rollBudgetWindow(db: Database, id: string, windowStart: number): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const b = t.budgets;
    const rows = await orm
      .update(b)
      .set({ currentUsageMicros: 0, windowStart, updatedAt: sql`${b.updatedAt}` })
      .where(and(eq(b.id, id), lt(b.windowStart, windowStart)))
      .returning({ id: b.id });
    return rows.length > 0;
  });
}

export interface BudgetLease {
  budgetId: string;
  /** `lease:<holder>`. */
  requestId: string;
  seq: number;
  amountMicros: number;
  createdAt: number;
}

/**
 * How a grant request relates to this holder's earlier grants: `replay` (same seq: its answer
 * was lost, so it must get the same lease back — `amount` — not a second one), `stale` (an older
 * seq: nothing), or `new`. Heartbeats are zero-amount reserve entries, so they count as newer.
 */
export async function earlierBudgetLease(
  db: Database,
  lease: Pick<BudgetLease, 'budgetId' | 'requestId' | 'seq'>,
): Promise<{ kind: 'replay'; amount: number } | { kind: 'stale' | 'new' }> {
  const rows = await db.run(({ orm, t }) => {
    const l = t.usageLedger;
    return orm
      .select({ attempt: l.attempt, amount: l.amountMicros })
      .from(l)
      .where(
        and(
          eq(l.requestId, lease.requestId),
          eq(l.budgetId, lease.budgetId),
          eq(l.kind, 'reserve'),
          gte(l.attempt, lease.seq),
        ),
      )
      .orderBy(desc(l.attempt))
      .limit(1);
  });
  const newest = rows[0];
  if (newest === undefined) return { kind: 'new' };
  return newest.attempt === lease.seq ? { kind: 'replay', amount: Number(newest.amount) } : { kind: 'stale' };
}

/**
 * Grants a lease: records the `reserve` ledger entry and adds it to the budget's reservations
 * only if usage + reservations stay within the limit, in one transaction. A replayed grant (same
 * holder and seq) changes nothing and reports false: see {@link earlierBudgetLease}.
 */
export async function grantBudgetLease(db: Database, lease: BudgetLease): Promise<boolean> {
  const refused = new Error('lease refused');
  try {
    return await db.transaction(async (tx) => {
      const inserted = await tx.run(({ orm, t }) =>
        orm
          .insert(t.usageLedger)
          .values({
            requestId: lease.requestId,
            attempt: lease.seq,
            kind: 'reserve',
            budgetId: lease.budgetId,
            amountMicros: lease.amountMicros,
            createdAt: lease.createdAt,
          })
          .onConflictDoNothing()
          .returning({ id: t.usageLedger.id }),
      );
      if (inserted.length === 0) return false;
      const updated = await tx.run(({ orm, t }) => {
        const b = t.budgets;
        return orm
          .update(b)
          .set({
            reservedMicros: sql`${b.reservedMicros} + ${lease.amountMicros}`,
            updatedAt: sql`${b.updatedAt}`,
          })
          .where(
            and(
              eq(b.id, lease.budgetId),
              sql`${b.currentUsageMicros} + ${b.reservedMicros} + ${lease.amountMicros} <= ${b.maxLimitMicros}`,
            ),
          )
          .returning({ id: b.id });
      });
      if (updated.length === 0) throw refused;
      return true;
    });
  } catch (error) {
    if (error === refused) return false;
    throw error;
  }
}

/** Ledger entries stamped with the control plane's clock (window membership follows it). */
export function recordLedgerAt(
  db: Database,
  entries: ReadonlyArray<Omit<BulkLedgerEntry, 'createdAt'>>,
  createdAt: number,
): Promise<number> {
  return recordLedgerBulk(
    db,
    entries.map((entry) => ({ ...entry, createdAt })),
  );
}

export type RateDimension = 'requests' | 'tokens';

const rateColumns = (t: Tables, dim: RateDimension) =>
  dim === 'requests'
    ? {
        usage: t.rateLimits.requestCurrentUsage,
        start: t.rateLimits.requestWindowStart,
        max: t.rateLimits.requestMaxLimit,
      }
    : {
        usage: t.rateLimits.tokenCurrentUsage,
        start: t.rateLimits.tokenWindowStart,
        max: t.rateLimits.tokenMaxLimit,
      };

export function rollRateWindow(
  db: Database,
  id: string,
  dim: RateDimension,
  windowStart: number,
): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const c = rateColumns(t, dim);
    const set =
      dim === 'requests'
        ? { requestCurrentUsage: 0, requestWindowStart: windowStart }
        : { tokenCurrentUsage: 0, tokenWindowStart: windowStart };
    const rows = await orm
      .update(t.rateLimits)
      .set({ ...set, updatedAt: sql`${t.rateLimits.updatedAt}` })
      .where(and(eq(t.rateLimits.id, id), lt(c.start, windowStart)))
      .returning({ id: t.rateLimits.id });
    return rows.length > 0;
  });
}

/**
 * Adds `amount` units to a rate limit's current window if it stays within the limit (or always,
 * with `force`: usage that already happened). Returns the row after the change, or undefined.
 */
export function grantRateUnits(
  db: Database,
  id: string,
  dim: RateDimension,
  amount: number,
  force: boolean,
): Promise<RateLimitRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const c = rateColumns(t, dim);
    const set =
      dim === 'requests'
        ? { requestCurrentUsage: sql`${c.usage} + ${amount}` }
        : { tokenCurrentUsage: sql`${c.usage} + ${amount}` };
    const rows = await orm
      .update(t.rateLimits)
      .set({ ...set, updatedAt: sql`${t.rateLimits.updatedAt}` })
      .where(and(eq(t.rateLimits.id, id), force ? undefined : sql`${c.usage} + ${amount} <= ${c.max}`))
      .returning();
    return rows[0];
  });
}

/** Takes back unused units, only within the window they were leased in. */
export function returnRateUnits(
  db: Database,
  id: string,
  dim: RateDimension,
  amount: number,
  windowStart: number,
): Promise<void> {
  return db.run(async ({ orm, t }) => {
    const c = rateColumns(t, dim);
    const set =
      dim === 'requests'
        ? { requestCurrentUsage: sql`${c.usage} - ${amount}` }
        : { tokenCurrentUsage: sql`${c.usage} - ${amount}` };
    await orm
      .update(t.rateLimits)
      .set({ ...set, updatedAt: sql`${t.rateLimits.updatedAt}` })
      .where(and(eq(t.rateLimits.id, id), eq(c.start, windowStart), sql`${c.usage} >= ${amount}`));
  });
}

export interface LedgerSums {
  /** Σ settle entries recorded since `windowStart`. */
  settledInWindow: number;
  /** Σ reserve − Σ release, over all time (reservations carry across windows). */
  outstanding: number;
}

export function ledgerSums(db: Database, budgetId: string, windowStart: number): Promise<LedgerSums> {
  return db.run(async ({ orm, t }) => {
    const l = t.usageLedger;
    const [row] = await orm
      .select({
        settled: sql<
          string | number | null
        >`sum(case when ${l.kind} = 'settle' and ${l.createdAt} >= ${windowStart} then ${l.amountMicros} else 0 end)`,
        outstanding: sql<
          string | number | null
        >`sum(case when ${l.kind} = 'reserve' then ${l.amountMicros} when ${l.kind} = 'release' then -${l.amountMicros} else 0 end)`,
      })
      .from(l)
      .where(eq(l.budgetId, budgetId));
    return { settledInWindow: Number(row?.settled ?? 0), outstanding: Number(row?.outstanding ?? 0) };
  });
}

export interface OutstandingLease {
  requestId: string;
  budgetId: string;
  outstanding: number;
  lastActivity: number;
}

/** Leases (request ids `lease:…`) still holding money, with their last ledger activity. */
export function outstandingLeases(db: Database): Promise<OutstandingLease[]> {
  return db.run(async ({ orm, t }) => {
    const l = t.usageLedger;
    const rows = await orm
      .select({
        requestId: l.requestId,
        budgetId: l.budgetId,
        outstanding: sql<
          string | number
        >`sum(case when ${l.kind} = 'reserve' then ${l.amountMicros} when ${l.kind} = 'release' then -${l.amountMicros} else 0 end)`,
        lastActivity: sql<string | number>`max(${l.createdAt})`,
      })
      .from(l)
      .where(like(l.requestId, 'lease:%'))
      .groupBy(l.requestId, l.budgetId);
    return rows
      .map((r) => ({
        requestId: r.requestId,
        budgetId: r.budgetId,
        outstanding: Number(r.outstanding),
        lastActivity: Number(r.lastActivity),
      }))
      .filter((r) => r.outstanding > 0);
  });
}

export { getBudget, type BudgetRecord };
