/**
 * The reconciliation check: a budget's counters must equal its ledger's sums — settled spend in
 * the current window = Σ settle entries recorded since the window began, reservations = Σ
 * reserve − Σ release over all time. Checked against the database row and, when counters live
 * elsewhere (memory, Redis), against that store too.
 */
import { getBudget, ledgerSums, type Database } from '../../db/index.ts';
import type { CounterStore } from './store.ts';

export interface Reconciliation {
  budgetId: string;
  ok: boolean;
  ledger: { settled: number; outstanding: number };
  database: { used: number; reserved: number };
  store: { used: number; reserved: number } | undefined;
}

export async function reconcileBudget(
  db: Database,
  store: CounterStore | undefined,
  budgetId: string,
): Promise<Reconciliation> {
  const row = await getBudget(db, budgetId);
  if (!row) throw new Error(`unknown budget "${budgetId}"`);
  const sums = await ledgerSums(db, budgetId, row.windowStart);
  const counters = store ? await store.budgetCounters(budgetId) : undefined;
  const database = { used: row.currentUsageMicros, reserved: row.reservedMicros };
  const matches = (c: { used: number; reserved: number }) =>
    c.used === sums.settledInWindow && c.reserved === sums.outstanding;
  return {
    budgetId,
    ok: matches(database) && (counters === undefined || matches(counters)),
    ledger: { settled: sums.settledInWindow, outstanding: sums.outstanding },
    database,
    store: counters && { used: counters.used, reserved: counters.reserved },
  };
}
