/**
 * Everything the live config and the gateway snapshot are built from, loaded with a fixed number
 * of queries (one per table) however many entities exist: no N+1 by construction.
 */
import type { Database } from '../connection/types.ts';
import type { SecretBox } from '../crypto.ts';
import { listAdminUsers, type AdminUserRecord } from '../repositories/admin.ts';
import { listBudgets, type BudgetRecord } from '../repositories/budgets.ts';
import { listCustomers, listTeams, type CustomerRecord, type TeamRecord } from '../repositories/customers.ts';
import { CONFIG_VERSION_KEY, listMeta } from '../repositories/meta.ts';
import {
  listModelConfigs,
  listProviderGovernance,
  type ModelConfigRecord,
  type ProviderGovernanceRecord,
} from '../repositories/model-configs.ts';
import { listProviderKeys, type ProviderKeyRecord } from '../repositories/provider-keys.ts';
import { listProviders, type ProviderRecord } from '../repositories/providers.ts';
import { listRateLimits, type RateLimitRecord } from '../repositories/rate-limits.ts';
import {
  listPlugins,
  listRoutingRules,
  type PluginRecord,
  type RoutingRuleRecord,
} from '../repositories/routing.ts';
import { listVirtualKeys, type VirtualKeyRecord } from '../repositories/virtual-keys.ts';
import { AUTH_META_KEY, CLIENT_META_KEY } from '../config-mapping/settings.ts';

export interface LiveRows {
  version: number;
  client: unknown;
  auth: Record<string, unknown> | undefined;
  adminUsers: AdminUserRecord[];
  providers: ProviderRecord[];
  providerKeys: ProviderKeyRecord[];
  budgets: BudgetRecord[];
  rateLimits: RateLimitRecord[];
  customers: CustomerRecord[];
  teams: TeamRecord[];
  virtualKeys: VirtualKeyRecord[];
  modelConfigs: ModelConfigRecord[];
  providerGovernance: ProviderGovernanceRecord[];
  routingRules: RoutingRuleRecord[];
  plugins: PluginRecord[];
}

const parse = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));

/** One consistent read: inside a transaction, so a concurrent change cannot be half-seen. */
export function loadLiveRows(database: Database, box: SecretBox): Promise<LiveRows> {
  return database.transaction(
    async (tx) => {
      const settings = await listMeta(tx, '');
      return {
        version: Number(settings.get(CONFIG_VERSION_KEY) ?? 0),
        client: parse(settings.get(CLIENT_META_KEY)),
        auth: parse(settings.get(AUTH_META_KEY)) as Record<string, unknown> | undefined,
        adminUsers: await listAdminUsers(tx),
        providers: await listProviders(tx, box),
        providerKeys: await listProviderKeys(tx, box),
        budgets: await listBudgets(tx),
        rateLimits: await listRateLimits(tx),
        customers: await listCustomers(tx),
        teams: await listTeams(tx),
        virtualKeys: await listVirtualKeys(tx),
        modelConfigs: await listModelConfigs(tx),
        providerGovernance: await listProviderGovernance(tx),
        routingRules: await listRoutingRules(tx),
        plugins: await listPlugins(tx),
      };
    },
    { consistentRead: true },
  );
}

/** Map.groupBy arrived in Node 21; the engines field allows Node 20. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
