/**
 * What every entity mapping shares. The file omits what is unset where the database stores
 * null, and most governed entities carry the same two limit references.
 */

/** Copies an object without its null and undefined members: the file omits what is unset. */
export function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(
    Object.entries(value).filter(([, inner]) => inner !== null && inner !== undefined),
  ) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}

/**
 * Every optional field maps to an explicit null, so overwriting a row with a file entity also
 * clears what the file no longer sets.
 */
export const orNull = <T>(value: T | undefined): T | null => value ?? null;

/** `budget_id` / `rate_limit_id` as the file writes them; unset ones are omitted. */
export const limitsToConfig = (row: { budgetId: string | null; rateLimitId: string | null }) =>
  compact({ budget_id: row.budgetId, rate_limit_id: row.rateLimitId });

/** An empty reference means none, as Bifrost's file allows. */
export const limitsFromConfig = (entity: {
  budget_id?: string | undefined;
  rate_limit_id?: string | undefined;
}) => ({
  budgetId: entity.budget_id || null,
  rateLimitId: entity.rate_limit_id || null,
});
