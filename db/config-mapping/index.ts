/**
 * Row ↔ config-file mapping, one file per entity: `<entity>ToConfig(row)` gives a stored row in
 * the config file's shape (export, plan/apply, the GraphQL kits, the gateway snapshot) and
 * `<entity>FromConfig(entity)` gives the repository input a file entity is written as (start-up
 * reconciliation, applyConfig, the GraphQL mutations).
 */
export { compact } from './common.ts';
export * from './budget.ts';
export * from './customer.ts';
export * from './model-config.ts';
export * from './plugin.ts';
export * from './provider-governance.ts';
export * from './provider-key.ts';
export * from './provider.ts';
export * from './rate-limit.ts';
export * from './routing-rule.ts';
export * from './settings.ts';
export * from './team.ts';
export * from './virtual-key.ts';
