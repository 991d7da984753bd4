/** The versioned price book: micro-dollars per million tokens, per provider, model and tier. */
import { and, asc, desc, eq, type SQL } from 'drizzle-orm';
import type { Database } from '../connection/types.ts';
import type { Insert, Row } from './rows.ts';

export type PriceEntryRecord = Row<'priceEntries'>;
export type PriceEntryInput = Omit<Insert<'priceEntries'>, 'id'>;

/** Adds entries; an entry already present for the same version, model and tier is kept as is. */
export function insertPriceEntries(db: Database, entries: PriceEntryInput[]): Promise<number> {
  if (entries.length === 0) return Promise.resolve(0);
  return db.transaction((tx) =>
    tx.run(async ({ orm, t }) => {
      let inserted = 0;
      for (let i = 0; i < entries.length; i += 500) {
        const rows = await orm
          .insert(t.priceEntries)
          .values(entries.slice(i, i + 500))
          .onConflictDoNothing()
          .returning({ id: t.priceEntries.id });
        inserted += rows.length;
      }
      return inserted;
    }),
  );
}

export function listPriceEntries(
  db: Database,
  filter: { version?: string; provider?: string; model?: string } = {},
): Promise<PriceEntryRecord[]> {
  return db.run(({ orm, t }) => {
    const p = t.priceEntries;
    const conditions: Array<SQL | undefined> = [
      filter.version === undefined ? undefined : eq(p.version, filter.version),
      filter.provider === undefined ? undefined : eq(p.provider, filter.provider),
      filter.model === undefined ? undefined : eq(p.model, filter.model),
    ];
    return orm
      .select()
      .from(p)
      .where(and(...conditions))
      .orderBy(asc(p.provider), asc(p.model), asc(p.tierThresholdTokens), asc(p.id));
  });
}

/** The version of the most recently added entries, or undefined for an empty price book. */
export function latestPriceVersion(db: Database): Promise<string | undefined> {
  return db.run(async ({ orm, t }) => {
    const [row] = await orm
      .select({ version: t.priceEntries.version })
      .from(t.priceEntries)
      .orderBy(desc(t.priceEntries.createdAt), desc(t.priceEntries.id))
      .limit(1);
    return row?.version;
  });
}

export function deletePriceVersion(db: Database, version: string): Promise<number> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.priceEntries)
      .where(eq(t.priceEntries.version, version))
      .returning({ id: t.priceEntries.id });
    return rows.length;
  });
}

/** Removes one entry (a control-plane override); true when it existed. */
export function deletePriceEntry(db: Database, id: number): Promise<boolean> {
  return db.run(async ({ orm, t }) => {
    const rows = await orm
      .delete(t.priceEntries)
      .where(eq(t.priceEntries.id, id))
      .returning({ id: t.priceEntries.id });
    return rows.length > 0;
  });
}
