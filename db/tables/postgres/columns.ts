/**
 * Postgres column helpers. sqlite/columns.ts exports the same names with the same TypeScript
 * types, so the table files (written once here, copied to sqlite/ by tables/generate.ts) read
 * identically and callers never see a dialect difference: booleans are booleans, JSON is parsed,
 * money is integer micro-dollars and time is integer epoch milliseconds in both.
 */
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  text as pgText,
} from 'drizzle-orm/pg-core';

export { check, index, uniqueIndex } from 'drizzle-orm/pg-core';

export const table = pgTable;

export const text = (name: string) => pgText(name);

/** 32-bit counts (tokens of one request, retries, priorities). */
export const int = (name: string) => integer(name);

/** Integer micro-dollars (1 USD = 1_000_000): exact sums, no float drift, safe up to 9e9 USD. */
export const micros = (name: string) => bigint(name, { mode: 'number' });

/** Epoch milliseconds; a number on both dialects rather than a Date or a dialect-specific string. */
export const millis = (name: string) => bigint(name, { mode: 'number' });

/** Large counters (tokens per window) that may pass 2^31. */
export const count = (name: string) => bigint(name, { mode: 'number' });

export const float = (name: string) => doublePrecision(name);

export const bool = (name: string) => boolean(name);

export const json = <T>(name: string) => jsonb(name).$type<T>();

/** Auto-incrementing integer primary key for append-only tables. */
export const serial = (name: string) => bigserial(name, { mode: 'number' }).primaryKey();
