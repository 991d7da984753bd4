/**
 * The db/ room's public surface, and the only db/ module schema/ and api/ may import (lint's
 * db-surface zone): the config file's model and loading, the row ↔ config mapping, connection,
 * encryption, reconciliation, live reads and the repositories. Tables and drizzle stay inside.
 */
export * from './config/env-ref.ts';
export {
  budget as budgetSchema,
  customer as customerSchema,
  modelConfig as modelConfigSchema,
  providerGovernance as providerGovernanceSchema,
  rateLimit as rateLimitSchema,
  routingRule as routingRuleSchema,
  team as teamSchema,
  virtualKey as virtualKeySchema,
  type GovernanceConfig,
} from './config/governance.ts';
export * from './config/issues.ts';
export * from './config/load.ts';
export {
  heimdallConfig,
  plugin as pluginSchema,
  type ClientConfig,
  type HeimdallConfig,
  type PluginConfig,
  type StoreConfig,
} from './config/model.ts';
export { normalizeDocument } from './config/normalize.ts';
export {
  KNOWN_PROVIDERS,
  providerConfig as providerConfigSchema,
  providerKey as providerKeySchema,
  type ProviderConfig,
  type ProviderKeyConfig,
} from './config/providers.ts';
export { checkConfigReferences, KEPT_VALUE_PREFIX, virtualKeyValueProblem } from './config/references.ts';
export type * from './config-types.ts';
export * from './config-mapping/index.ts';
export * from './connection.ts';
export * from './crypto.ts';
export * from './errors.ts';
export * from './reconcile.ts';
export * from './secrets.ts';
export * from './live/config.ts';
export { clientSnapshot, readSnapshotSource } from './live/snapshot.ts';
export * from './repositories/admin.ts';
export * from './repositories/budgets.ts';
export * from './repositories/bulk.ts';
export * from './repositories/customers.ts';
export * from './repositories/ledger.ts';
export * from './repositories/meta.ts';
export * from './repositories/meters.ts';
export * from './repositories/model-configs.ts';
export * from './repositories/prices.ts';
export * from './repositories/provider-keys.ts';
export * from './repositories/providers.ts';
export * from './repositories/rate-limits.ts';
export * from './repositories/request-logs.ts';
export * from './repositories/routing.ts';
export * from './repositories/virtual-keys.ts';
export * from './repositories/request-log-search.ts';
