/**
 * The live database state in the shape of the config file: what `export` writes and what a
 * plan/apply diff compares against. Each entity's row → file mapping is in db/config-mapping/.
 * Virtual key values cannot be read back (only their hash and last four characters are
 * stored), so live virtual keys carry `value_hash`/`value_suffix` instead of `value`.
 */
import type { GovernanceConfig } from '../config/governance.ts';
import type { ClientConfig, PluginConfig } from '../config/model.ts';
import type { ProviderConfig } from '../config/providers.ts';
import {
  authToConfig,
  budgetToConfig,
  clientToConfig,
  compact,
  customerToConfig,
  modelConfigToConfig,
  pluginToConfig,
  providerGovernanceToConfig,
  providerKeyToConfig,
  providerToConfig,
  rateLimitToConfig,
  routingRuleToConfig,
  teamToConfig,
  virtualKeyToConfig,
  type LiveProviderKey,
  type LiveVirtualKey,
} from '../config-mapping/index.ts';
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import type { SecretMode } from '../secrets.ts';
import { groupBy, loadLiveRows, type LiveRows } from './rows.ts';

export interface LiveConfig {
  version: number;
  client: ClientConfig;
  providers: Record<string, ProviderConfig>;
  governance: Omit<GovernanceConfig, 'virtual_keys'> & { virtual_keys: LiveVirtualKey[] };
  plugins: PluginConfig[];
}

export interface ReadLiveConfigOptions {
  /** `plain` decrypts, `masked` shows `********abcd`, `reference` turns literals into `env.NAME`. */
  secrets: SecretMode;
}

export function providersToConfig(
  rows: LiveRows,
  mode: SecretMode,
): Record<string, ProviderConfig & { keys: LiveProviderKey[] }> {
  const keysByProvider = groupBy(rows.providerKeys, (key) => key.provider);
  return Object.fromEntries(
    rows.providers.map((provider) => [
      provider.name,
      compact({
        keys: (keysByProvider.get(provider.name) ?? []).map((key) => providerKeyToConfig(key, mode)),
        ...providerToConfig(provider, mode),
      }),
    ]),
  );
}

function governanceToConfig(rows: LiveRows, mode: SecretMode): LiveConfig['governance'] {
  return compact({
    budgets: rows.budgets.map(budgetToConfig),
    rate_limits: rows.rateLimits.map(rateLimitToConfig),
    customers: rows.customers.map(customerToConfig),
    teams: rows.teams.map(teamToConfig),
    virtual_keys: rows.virtualKeys.map(virtualKeyToConfig),
    model_configs: rows.modelConfigs.map(modelConfigToConfig),
    providers: rows.providerGovernance.map(providerGovernanceToConfig),
    routing_rules: rows.routingRules.map(routingRuleToConfig),
    auth_config: authToConfig(rows.auth, rows.adminUsers, mode),
  });
}

export async function readLiveConfig(
  database: Database,
  box: SecretBox,
  options: ReadLiveConfigOptions,
): Promise<LiveConfig> {
  const rows = await loadLiveRows(database, box);
  return {
    version: rows.version,
    client: clientToConfig(rows.client),
    providers: providersToConfig(rows, options.secrets),
    governance: governanceToConfig(rows, options.secrets),
    plugins: rows.plugins.map(pluginToConfig),
  };
}
