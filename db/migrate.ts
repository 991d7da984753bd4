import type { Database } from './connection/types.ts';

/**
 * Applies the committed drizzle-kit migrations of the database's dialect (db/migrations/…).
 * Idempotent; on Postgres an advisory lock keeps replicas that start together from racing.
 * `openDatabase` already runs it unless given `migrate: false`.
 */
export function migrateDatabase(database: Database): Promise<void> {
  return database.migrate();
}
