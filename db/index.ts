/**
 * The db/ room's public surface for schema/ and api/: connection, encryption, reconciliation,
 * live reads and the repositories. Tables and drizzle stay inside db/.
 */
export * from './connection.ts';
export * from './crypto.ts';
export * from './errors.ts';
export * from './reconcile.ts';
export * from './secrets.ts';
export * from './live/config.ts';
export { readSnapshotSource } from './live/snapshot.ts';
export type * from './live/snapshot-types.ts';
export * from './repositories/admin.ts';
export * from './repositories/budgets.ts';
export * from './repositories/customers.ts';
export * from './repositories/ledger.ts';
export * from './repositories/meta.ts';
export * from './repositories/model-configs.ts';
export * from './repositories/prices.ts';
export * from './repositories/provider-keys.ts';
export * from './repositories/providers.ts';
export * from './repositories/rate-limits.ts';
export * from './repositories/request-logs.ts';
export * from './repositories/routing.ts';
export * from './repositories/virtual-keys.ts';
export * from './repositories/request-log-search.ts';
