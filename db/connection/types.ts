/**
 * What repositories see of a database: a query builder and the tables, typed once. Both dialects
 * are typed as the Postgres builder; the SQLite builder has the same runtime API for everything
 * the repositories use (select/insert/update/delete, returning, onConflict*), and the contract
 * suite in test/db runs every repository against both to keep it that way.
 */
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type * as tables from '../tables/postgres/index.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Orm = PgDatabase<NodePgQueryResultHKT>;
export type Tables = typeof tables;

export interface Query {
  orm: Orm;
  t: Tables;
}

export interface StatementEvent {
  sql: string;
  params: unknown[];
}

export interface TransactionOptions {
  /**
   * Every read sees the same snapshot (Postgres REPEATABLE READ; SQLite transactions always do).
   * Ignored for a nested transaction, which shares its parent's. @default false
   */
  consistentRead?: boolean;
}

export interface Database {
  readonly dialect: Dialect;
  /** The SQLite file, or the Postgres URL without its password; for logs. */
  readonly description: string;
  /** Where SQLite keeps its file and generated key; also the default for other local state. */
  readonly dataDir: string;
  /**
   * Runs `work` with the query builder. Inside {@link Database.transaction} (on any handle of
   * this database, in the same async context) it is the transaction's builder, so repository
   * calls compose into the caller's transaction without passing it down explicitly.
   */
  run<T>(work: (q: Query) => Promise<T>): Promise<T>;
  /**
   * All or nothing: commits when `work` resolves, rolls back when it throws. Nested calls are
   * savepoints. On SQLite, work from other async contexts waits until the transaction ends, so
   * `work` must not await database work that was started outside it (that would wait forever).
   */
  transaction<T>(work: (tx: Database) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Resolves when the database answers a trivial query; rejects otherwise (for /health). */
  ping(): Promise<void>;
  /** Applies the committed drizzle-kit migrations of this dialect; safe to run on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Observes every SQL statement sent, e.g. to assert a resolver has no N+1. Returns an unsubscribe. */
  onStatement(listener: (event: StatementEvent) => void): () => void;
  /** Statements sent since the database was opened. */
  readonly statementCount: number;
}
