/** DataLoader helpers: answer a batch of keys, in key order, from one query's rows. */
import { NotFoundError } from './errors.ts';

/** One row (or a NotFoundError) per key, in the order DataLoader asked. */
export function inKeyOrder<T, K>(
  keys: readonly K[],
  rows: readonly T[],
  keyOf: (row: T) => K,
  kind: string,
): Array<T | Error> {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key) ?? new NotFoundError(kind, String(key)));
}

/** The rows whose `keyOf` is among `keys`: for loadableGroup loaders over an unfiltered list. */
export function amongKeys<T, K>(
  keys: readonly K[],
  rows: readonly T[],
  keyOf: (row: T) => K | null | undefined,
): T[] {
  const wanted = new Set(keys);
  return rows.filter((row) => {
    const key = keyOf(row);
    return key !== null && key !== undefined && wanted.has(key);
  });
}
