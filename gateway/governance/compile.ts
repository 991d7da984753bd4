/**
 * The governance view of one snapshot, built once per snapshot (memoised on the compiled
 * snapshot object, so requests on an old snapshot keep the old view): virtual keys by hash,
 * the hierarchy, limits by id, model configs by name, routing rules compiled per scope, and the
 * price book with the control plane's overrides.
 */
import type {
  BudgetSnapshot,
  CustomerSnapshot,
  ModelConfigSnapshot,
  ProviderGovernanceSnapshot,
  RateLimitSnapshot,
  TeamSnapshot,
  VirtualKeySnapshot,
} from '../../clients/contract/snapshot.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import { Prices } from './prices.ts';
import { compileRules, type CompiledRules } from './rules.ts';

export interface GovernanceView {
  byHash: ReadonlyMap<string, VirtualKeySnapshot>;
  teams: ReadonlyMap<string, TeamSnapshot>;
  customers: ReadonlyMap<string, CustomerSnapshot>;
  budgets: ReadonlyMap<string, BudgetSnapshot>;
  rateLimits: ReadonlyMap<string, RateLimitSnapshot>;
  providers: ReadonlyMap<string, ProviderGovernanceSnapshot>;
  modelConfigs: ReadonlyMap<string, readonly ModelConfigSnapshot[]>;
  rules: CompiledRules;
  prices: Prices;
  /** `enforce_auth_on_inference` or the governance plugin's `is_vk_mandatory`. */
  vkMandatory: boolean;
  /** Provider- or model-level limits exist, so even requests without a VK are metered. */
  unkeyedMeters: boolean;
}

const views = new WeakMap<CompiledSnapshot, GovernanceView>();

function byId<T extends { id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

function vkMandatory(snapshot: CompiledSnapshot): boolean {
  if (snapshot.client.enforce_auth_on_inference) return true;
  const plugin = snapshot.source.plugins.find((p) => p.name === 'governance');
  return plugin !== undefined && plugin.enabled && plugin.config.is_vk_mandatory === true;
}

function build(snapshot: CompiledSnapshot): GovernanceView {
  const g = snapshot.source.governance;
  const modelConfigs = new Map<string, ModelConfigSnapshot[]>();
  for (const config of g.model_configs) {
    const list = modelConfigs.get(config.model_name) ?? [];
    list.push(config);
    modelConfigs.set(config.model_name, list);
  }
  return {
    byHash: new Map(g.virtual_keys.map((vk) => [vk.valueHash, vk])),
    teams: byId(g.teams),
    customers: byId(g.customers),
    budgets: byId(g.budgets),
    rateLimits: byId(g.rate_limits),
    providers: new Map(g.providers.map((p) => [p.name, p])),
    modelConfigs,
    rules: compileRules(g.routing_rules),
    prices: new Prices(snapshot.source.price_overrides ?? [], snapshot.client),
    vkMandatory: vkMandatory(snapshot),
    unkeyedMeters:
      g.providers.some((p) => p.budget_id !== undefined || p.rate_limit_id !== undefined) ||
      g.model_configs.some((m) => m.budget_id !== undefined || m.rate_limit_id !== undefined),
  };
}

export function governanceView(snapshot: CompiledSnapshot): GovernanceView {
  let view = views.get(snapshot);
  if (view === undefined) {
    view = build(snapshot);
    views.set(snapshot, view);
  }
  return view;
}
