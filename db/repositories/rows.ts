/** Small helpers shared by the repositories. */
import { inArray, type Column, type SQL } from 'drizzle-orm';
import type { Tables } from '../connection/types.ts';

/** Columns the database maintains; never part of an input. */
export type Managed = 'createdAt' | 'updatedAt';

export type Row<K extends keyof Tables> = Tables[K] extends { $inferSelect: infer R } ? R : never;
export type Insert<K extends keyof Tables> = Tables[K] extends { $inferInsert: infer R } ? R : never;

/** The single row an INSERT/UPDATE … RETURNING produced, or an error if there was none. */
export function single<T>(rows: T[], what: string): T {
  const row = rows[0];
  if (row === undefined) throw new Error(`${what}: the statement returned no row`);
  return row;
}

/**
 * Filters on `column IN (values)` when `values` is given: the batch lookups dataloaders need, so
 * resolving N parents' children costs one query, not N.
 */
export function within(column: Column, values: readonly string[] | undefined): SQL | undefined {
  return values === undefined ? undefined : inArray(column, [...values]);
}

/** Drops keys whose value is undefined, so an update patch never nulls a column by accident. */
export function defined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
