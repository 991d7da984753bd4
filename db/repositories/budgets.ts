/**
 * Budgets: config (limit, window, mode) plus runtime counters in integer micro-dollars. Counter
 * changes are single conditional UPDATEs, so concurrent replicas never lose or overshoot an
 * increment. They leave updated_at and the config version alone: spend is not configuration.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import { defined, single, within, type Insert, type Managed, type Row } from './rows.ts';

export type BudgetRecord = Row<'budgets'>;
export type BudgetInput = Omit<Insert<'budgets'>, Managed>;
export type BudgetPatch = Partial<Omit<BudgetInput, 'id'>>;

/** Dollars (as written in config) to integer micro-dollars, rounding away float noise. */
export function dollarsToMicros(dollars: number): number {
  return Math.round(dollars * 1_000_000);
}

export function microsToDollars(micros: number): number {
  return micros / 1_000_000;
}

export function listBudgets(db: Database, filter: { ids?: readonly string[] } = {}): Promise<BudgetRecord[]> {
  return db.run(({ orm, t }) =>
    orm.select().from(t.budgets).where(within(t.budgets.id, filter.ids)).orderBy(asc(t.budgets.id)),
  );
}

export function getBudget(db: Database, id: string): Promise<BudgetRecord | undefined> {
  return db.run(async ({ orm, t }) => (await orm.select().from(t.budgets).where(eq(t.budgets.id, id)))[0]);
}

export function createBudget(db: Database, input: BudgetInput): Promise<BudgetRecord> {
  return db.run(async ({ orm, t }) =>
    single(await orm.insert(t.budgets).values(input).returning(), 'createBudget'),
  );
}

export function updateBudget(
  db: Database,
  id: string,
  patch: BudgetPatch,
): Promise<BudgetRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.update(t.budgets).set(defined(patch)).where(eq(t.budgets.id, id)).returning();
    return rows[0];
  });
}

/** Fails with a foreign-key violation while anything still references the budget. */
export function deleteBudget(db: Database, id: string): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm.delete(t.budgets).where(eq(t.budgets.id, id)).returning({ id: t.budgets.id });
    return rows.length > 0;
  });
}

export interface BudgetDelta {
  /** Added to settled spend (may be negative for refunds). */
  usedMicros?: number;
  /** Added to outstanding reservations (negative releases them). */
  reservedMicros?: number;
}

/** Atomically adds to the counters; returns the new state, or undefined for an unknown budget. */
export function addBudgetUsage(
  db: Database,
  id: string,
  delta: BudgetDelta,
): Promise<BudgetRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .update(t.budgets)
      .set({
        currentUsageMicros: sql`${t.budgets.currentUsageMicros} + ${delta.usedMicros ?? 0}`,
        reservedMicros: sql`${t.budgets.reservedMicros} + ${delta.reservedMicros ?? 0}`,
        updatedAt: sql`${t.budgets.updatedAt}`,
      })
      .where(eq(t.budgets.id, id))
      .returning();
    return rows[0];
  });
}

/**
 * Reserves `amountMicros` only if that keeps usage + reservations within the limit, in one
 * conditional UPDATE: the primitive behind strict mode and budget leases.
 */
export function tryReserveBudget(db: Database, id: string, amountMicros: number): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const b = t.budgets;
    const rows = await orm
      .update(b)
      .set({ reservedMicros: sql`${b.reservedMicros} + ${amountMicros}`, updatedAt: sql`${b.updatedAt}` })
      .where(
        and(
          eq(b.id, id),
          sql`${b.currentUsageMicros} + ${b.reservedMicros} + ${amountMicros} <= ${b.maxLimitMicros}`,
        ),
      )
      .returning({ id: b.id });
    return rows.length > 0;
  });
}

/** Starts a new window: settled spend back to zero; reservations carry over. */
export function resetBudgetWindow(
  db: Database,
  id: string,
  windowStart: number,
): Promise<BudgetRecord | undefined> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .update(t.budgets)
      .set({ currentUsageMicros: 0, windowStart, updatedAt: sql`${t.budgets.updatedAt}` })
      .where(eq(t.budgets.id, id))
      .returning();
    return rows[0];
  });
}
