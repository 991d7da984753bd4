/**
 * What the control plane needs to build the gateway's snapshot: provider secrets decrypted (or
 * left as `env.VAR` references for the gateway to resolve), virtual keys as hashes, money in
 * micro-dollars. Plain objects in the config file's field names, no database rows.
 */
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import {
  budgetToConfig,
  clientToConfig,
  customerToConfig,
  modelConfigToConfig,
  pluginToConfig,
  providerGovernanceToConfig,
  rateLimitToConfig,
  routingRuleToConfig,
  teamToConfig,
  virtualKeyToConfig,
} from '../config-mapping/index.ts';
import { providersToConfig } from './config.ts';
import { loadLiveRows, type LiveRows } from './rows.ts';
import type { ClientSnapshot, GatewaySnapshot, ProviderSnapshot } from '../../clients/contract/snapshot.ts';

/** The snapshot's providers are the live config's, secrets decrypted, under their names. */
function providersSource(rows: LiveRows): ProviderSnapshot[] {
  return Object.entries(providersToConfig(rows, 'plain')).map(([name, provider]) => ({
    name,
    keys: provider.keys,
    network_config: provider.network_config,
    concurrency_and_buffer_size: provider.concurrency_and_buffer_size,
    proxy_config: provider.proxy_config,
    custom_provider_config: provider.custom_provider_config,
  }));
}

/**
 * Each entity is the live config's (db/config-mapping/), less what the gateway does not read:
 * exact micro-dollars instead of dollars, the virtual key's hash as its value, no descriptions.
 */
function governanceSource(rows: LiveRows): GatewaySnapshot['governance'] {
  return {
    budgets: rows.budgets.map((row) => {
      const { max_limit: _dollars, ...budget } = budgetToConfig(row);
      return { ...budget, max_limit_micros: row.maxLimitMicros };
    }),
    rate_limits: rows.rateLimits.map(rateLimitToConfig),
    customers: rows.customers.map(customerToConfig),
    teams: rows.teams.map(teamToConfig),
    virtual_keys: rows.virtualKeys.map((row) => {
      const {
        value_hash: valueHash,
        value_suffix: _suffix,
        description: _description,
        ...key
      } = virtualKeyToConfig(row);
      return { ...key, valueHash };
    }),
    model_configs: rows.modelConfigs.map(modelConfigToConfig),
    providers: rows.providerGovernance.map((row) => {
      const {
        send_back_raw_request: _request,
        send_back_raw_response: _response,
        ...governance
      } = providerGovernanceToConfig(row);
      return governance;
    }),
    routing_rules: rows.routingRules.map((row) => {
      const { description: _description, ...rule } = routingRuleToConfig(row);
      return rule;
    }),
  };
}

/**
 * The client section gateways see: the stored settings with the config model's defaults filled in
 * (db/config/model.ts), less what only the control plane reads.
 */
export function clientSnapshot(stored: unknown): ClientSnapshot {
  const { initial_pool_size: _pool, ...client } = clientToConfig(stored);
  return client;
}

export async function readSnapshotSource(database: Database, box: SecretBox): Promise<GatewaySnapshot> {
  const rows = await loadLiveRows(database, box);
  return {
    version: rows.version,
    client: clientSnapshot(rows.client),
    providers: providersSource(rows),
    governance: governanceSource(rows),
    plugins: rows.plugins.map(pluginToConfig),
  };
}
