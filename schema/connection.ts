/**
 * Relay connections over config lists. Config tables are small (hundreds to thousands of rows)
 * and are loaded with one query, so filtering, sorting and paging happen in memory with stable
 * offset cursors; request logs, which are large, page with keyset cursors in SQL instead.
 */
import { resolveArrayConnection } from '@pothos/plugin-relay';
import { builder } from './builder.ts';
import { ValidationError } from './errors.ts';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

builder.globalConnectionFields((t) => ({
  totalCount: t.int({
    description: 'How many items match the filter, across all pages.',
    resolve: (connection) => (connection as { totalCount?: number }).totalCount ?? 0,
  }),
}));

export const SortDirection = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  before?: string | null;
  after?: string | null;
}

/**
 * Refuses `first`/`last` below 1 (INVALID_INPUT). The cost rule refuses literal ones; this
 * catches sizes passed in variables, which it cannot see, so no resolver ever pages by them.
 */
export function checkPageSize(args: ConnectionArgs): void {
  const issues = (['first', 'last'] as const)
    .filter((name) => args[name] != null && args[name] < 1)
    .map((name) => ({ path: name, message: `a page size must be at least 1 (got ${args[name]})` }));
  if (issues.length > 0) throw new ValidationError(issues);
}

export function pageRows<T>(rows: readonly T[], args: ConnectionArgs) {
  checkPageSize(args);
  return resolveArrayConnection({ args, defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE }, rows);
}

type Sortable = string | number | boolean | null | undefined;

/**
 * An `<Entity>Order` input ({ field, direction }) and the comparator it stands for. `fields`
 * maps enum values (ID, NAME, …) to how a row yields the sort key; ties fall back to `id`.
 */
export function orderInput<Row>(name: string, fields: Record<string, (row: Row) => Sortable>) {
  const values = Object.keys(fields) as [string, ...string[]];
  const FieldEnum = builder.enumType(`${name}SortField`, { values });
  const ref = builder.inputType(`${name}Order`, {
    fields: (t) => ({
      field: t.field({ type: FieldEnum, required: true }),
      direction: t.field({ type: SortDirection, defaultValue: 'ASC' }),
    }),
  });
  const tieBreak = Object.values(fields)[0]!;
  const sort = (
    rows: Row[],
    order: { field: string; direction?: string | null } | null | undefined,
  ): Row[] => {
    const key = fields[order?.field ?? values[0]] ?? tieBreak;
    const sign = order?.direction === 'DESC' ? -1 : 1;
    return [...rows].sort((a, b) => sign * compare(key(a), key(b)) || compare(tieBreak(a), tieBreak(b)));
  };
  return { ref, sort };
}

function compare(a: Sortable, b: Sortable): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1; // unset values last
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : 1;
}

/** Case-insensitive substring match over the given texts; true when there is no search. */
export function matchesSearch(
  search: string | null | undefined,
  ...texts: Array<string | null | undefined>
): boolean {
  if (!search) return true;
  const needle = search.toLowerCase();
  return texts.some((text) => text?.toLowerCase().includes(needle));
}

/** True when `list` is absent (no filter) or contains `value`. */
export function within<T>(list: readonly T[] | null | undefined, value: T): boolean {
  return !list || list.includes(value);
}
