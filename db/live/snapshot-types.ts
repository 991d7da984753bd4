/**
 * The shape the gateway snapshot is built from. db/ may not import clients/, so these mirror
 * clients/snapshot.ts `GatewaySnapshot` field for field; test/db/snapshot-source.test.ts fails
 * to type-check if the two drift apart.
 */
import type { ClientConfig, PluginConfig } from '../config/model.ts';
import type { ProviderConfig } from '../config/providers.ts';
import type { BudgetMode, RoutingScope, RoutingTarget } from '../config-types.ts';

type Opt<T> = T | undefined;

/** Provider-specific blocks are opaque to the snapshot contract, except the URL-only ones. */
export interface ProviderKeySource {
  id: string;
  name: string;
  /** Decrypted secret or an `env.VAR` reference. */
  value: string;
  weight: number;
  models: string[];
  blacklisted_models: string[];
  aliases?: Opt<Record<string, string>>;
  enabled: boolean;
  use_for_batch_api: boolean;
  azure_key_config?: Opt<Record<string, unknown>>;
  bedrock_key_config?: Opt<Record<string, unknown>>;
  vertex_key_config?: Opt<Record<string, unknown>>;
  ollama_key_config?: Opt<{ url: string }>;
  sgl_key_config?: Opt<{ url: string }>;
  vllm_key_config?: Opt<{ url: string; model_name?: Opt<string> }>;
  replicate_key_config?: Opt<Record<string, unknown>>;
  huggingface_key_config?: Opt<Record<string, unknown>>;
}

export interface ProviderSource {
  name: string;
  keys: ProviderKeySource[];
  network_config?: Opt<ProviderConfig['network_config']>;
  concurrency_and_buffer_size?: Opt<ProviderConfig['concurrency_and_buffer_size']>;
  proxy_config?: Opt<ProviderConfig['proxy_config']>;
  custom_provider_config?: Opt<ProviderConfig['custom_provider_config']>;
}

export type ClientSource = Omit<ClientConfig, 'initial_pool_size'>;

export interface LimitRefsSource {
  budget_id?: Opt<string>;
  rate_limit_id?: Opt<string>;
}

export interface BudgetSource {
  id: string;
  /** Integer micro-dollars (1 USD = 1_000_000). */
  max_limit_micros: number;
  reset_duration: string;
  calendar_aligned: boolean;
  mode: BudgetMode;
}

export interface RateLimitSource {
  id: string;
  token_max_limit?: Opt<number>;
  token_reset_duration?: Opt<string>;
  request_max_limit?: Opt<number>;
  request_reset_duration?: Opt<string>;
}

export interface CustomerSource extends LimitRefsSource {
  id: string;
  name: string;
}

export interface TeamSource extends CustomerSource {
  customer_id?: Opt<string>;
}

export interface VirtualKeyProviderSource extends LimitRefsSource {
  provider: string;
  weight: number;
  allowed_models: string[];
  key_ids: string[];
}

export interface VirtualKeySource extends LimitRefsSource {
  id: string;
  name: string;
  /** Hex SHA-256 of the key's value. */
  valueHash: string;
  is_active: boolean;
  team_id?: Opt<string>;
  customer_id?: Opt<string>;
  provider_configs: VirtualKeyProviderSource[];
}

export interface ModelConfigSource extends LimitRefsSource {
  id: string;
  model_name: string;
  provider?: Opt<string>;
}

export interface ProviderGovernanceSource extends LimitRefsSource {
  name: string;
}

export interface RoutingRuleSource {
  id: string;
  name: string;
  enabled: boolean;
  cel_expression: string;
  targets: Array<Omit<RoutingTarget, 'key_id'> & { key_id?: Opt<string> }>;
  fallbacks: string[];
  scope: RoutingScope;
  scope_id?: Opt<string>;
  priority: number;
}

export interface SnapshotSource {
  version: number;
  client: ClientSource;
  providers: ProviderSource[];
  governance: {
    budgets: BudgetSource[];
    rate_limits: RateLimitSource[];
    customers: CustomerSource[];
    teams: TeamSource[];
    virtual_keys: VirtualKeySource[];
    model_configs: ModelConfigSource[];
    providers: ProviderGovernanceSource[];
    routing_rules: RoutingRuleSource[];
  };
  plugins: PluginConfig[];
}
