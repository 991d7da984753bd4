/**
 * The usage ledger: append-only reserve/settle/release movements per request attempt and budget.
 * Recording an entry and moving the budget's counters happen in one transaction, and only for
 * entries that were not recorded before, so replaying a batch never charges twice.
 */
import { and, asc, eq, or, sql, type SQL } from 'drizzle-orm';
import type { LedgerKind } from '../config-types.ts';
import type { Database } from '../connection/types.ts';
import { addBudgetUsage, type BudgetDelta } from './budgets.ts';
import type { Insert, Row } from './rows.ts';

export type LedgerEntryRecord = Row<'usageLedger'>;
export type LedgerEntryInput = Omit<Insert<'usageLedger'>, 'id'>;

/** How each kind moves a budget: reserve holds money, release frees it, settle spends it. */
function deltaOf(kind: LedgerKind, amount: number): BudgetDelta {
  if (kind === 'reserve') return { reservedMicros: amount };
  if (kind === 'release') return { reservedMicros: -amount };
  return { usedMicros: amount };
}

/** Records entries idempotently and applies the new ones to their budgets; returns the new ones. */
export function recordLedgerEntries(db: Database, entries: LedgerEntryInput[]): Promise<LedgerEntryRecord[]> {
  if (entries.length === 0) return Promise.resolve([]);
  return db.transaction(async (tx) => {
    const inserted = await tx.run(({ orm, t }) =>
      orm.insert(t.usageLedger).values(entries).onConflictDoNothing().returning(),
    );
    const deltas = new Map<string, Required<BudgetDelta>>();
    for (const entry of inserted) {
      const sum = deltas.get(entry.budgetId) ?? { usedMicros: 0, reservedMicros: 0 };
      const delta = deltaOf(entry.kind, entry.amountMicros);
      sum.usedMicros += delta.usedMicros ?? 0;
      sum.reservedMicros += delta.reservedMicros ?? 0;
      deltas.set(entry.budgetId, sum);
    }
    for (const [budgetId, delta] of deltas) await addBudgetUsage(tx, budgetId, delta);
    return inserted;
  });
}

const CHUNK = 2_000;

/**
 * {@link recordLedgerEntries} for batches of any size, in one transaction: the entries this call
 * recorded (those recorded before are skipped, and their budgets not moved again).
 */
export function recordLedgerChunked(db: Database, entries: LedgerEntryInput[]): Promise<LedgerEntryRecord[]> {
  if (entries.length <= CHUNK) return recordLedgerEntries(db, entries);
  return db.transaction(async (tx) => {
    const inserted: LedgerEntryRecord[] = [];
    for (let i = 0; i < entries.length; i += CHUNK)
      for (const row of await recordLedgerEntries(tx, entries.slice(i, i + CHUNK))) inserted.push(row);
    return inserted;
  });
}

export type LedgerIdentity = Pick<LedgerEntryInput, 'requestId' | 'attempt' | 'kind' | 'budgetId'>;

/** Which of these entries (by their unique key) the ledger holds. */
export async function existingLedgerEntries(
  db: Database,
  keys: readonly LedgerIdentity[],
): Promise<LedgerIdentity[]> {
  const found: LedgerIdentity[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db.run(({ orm, t }) => {
      const l = t.usageLedger;
      const match = keys
        .slice(i, i + 500)
        .map((k) =>
          and(
            eq(l.requestId, k.requestId),
            eq(l.attempt, k.attempt ?? 0),
            eq(l.kind, k.kind),
            eq(l.budgetId, k.budgetId),
          ),
        );
      return orm
        .select({ requestId: l.requestId, attempt: l.attempt, kind: l.kind, budgetId: l.budgetId })
        .from(l)
        .where(or(...match));
    });
    for (const row of rows) found.push(row);
  }
  return found;
}

export function listLedgerEntries(
  db: Database,
  filter: { requestId?: string; budgetId?: string } = {},
): Promise<LedgerEntryRecord[]> {
  return db.run(({ orm, t }) => {
    const conditions: Array<SQL | undefined> = [
      filter.requestId === undefined ? undefined : eq(t.usageLedger.requestId, filter.requestId),
      filter.budgetId === undefined ? undefined : eq(t.usageLedger.budgetId, filter.budgetId),
    ];
    return orm
      .select()
      .from(t.usageLedger)
      .where(and(...conditions))
      .orderBy(asc(t.usageLedger.id));
  });
}

/**
 * What one lease holder (`lease:<holder>`) still holds of a budget (Σ reserve − Σ release) and the
 * newest seq among its reserve entries (grants and heartbeats), from the ledger.
 */
export function leaseHolding(
  db: Database,
  requestId: string,
  budgetId: string,
): Promise<{ outstanding: number; lastSeq: number }> {
  return db.run(async ({ orm, t }) => {
    const l = t.usageLedger;
    const [row] = await orm
      .select({
        outstanding: sql<
          string | number | null
        >`sum(case when ${l.kind} = 'reserve' then ${l.amountMicros} when ${l.kind} = 'release' then -${l.amountMicros} else 0 end)`,
        lastSeq: sql<string | number | null>`max(case when ${l.kind} = 'reserve' then ${l.attempt} end)`,
      })
      .from(l)
      .where(and(eq(l.requestId, requestId), eq(l.budgetId, budgetId)));
    return {
      outstanding: Math.max(0, Number(row?.outstanding ?? 0)),
      lastSeq: row?.lastSeq === null || row?.lastSeq === undefined ? -1 : Number(row.lastSeq),
    };
  });
}
