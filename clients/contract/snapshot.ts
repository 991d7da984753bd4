/**
 * The gateway's view of configuration: one immutable snapshot, built by the control plane
 * (db/live/snapshot.ts) and swapped atomically on `configChanged`. This is the contract between
 * the halves, defined once: the gateway never sees database rows. Field names follow the config
 * file so docs apply to both.
 *
 * Secrets: provider key values arrive decrypted (or as `env.VAR` references, resolved by the
 * gateway at use). Virtual keys arrive only as hashes (`valueHash` = hex SHA-256 of the value).
 */

export interface NetworkSnapshot {
  base_url?: string | undefined;
  extra_headers?: Record<string, string> | undefined;
  default_request_timeout_in_seconds?: number | undefined;
  stream_idle_timeout_in_seconds?: number | undefined;
  max_retries?: number | undefined;
  retry_backoff_initial?: number | undefined;
  retry_backoff_max?: number | undefined;
  max_conns_per_host?: number | undefined;
  beta_header_overrides?: Record<string, boolean> | undefined;
}

export interface ProviderKeySnapshot {
  id: string;
  name: string;
  /** Decrypted secret or an `env.VAR` reference. May be empty (self-hosted providers). */
  value: string;
  weight: number;
  /** Empty or `["*"]` allows every model. */
  models: string[];
  blacklisted_models: string[];
  aliases?: Record<string, string> | undefined;
  enabled: boolean;
  use_for_batch_api: boolean;
  azure_key_config?: Record<string, unknown> | undefined;
  bedrock_key_config?: Record<string, unknown> | undefined;
  vertex_key_config?: Record<string, unknown> | undefined;
  ollama_key_config?: { url: string } | undefined;
  sgl_key_config?: { url: string } | undefined;
  vllm_key_config?: { url: string; model_name?: string | undefined } | undefined;
  replicate_key_config?: Record<string, unknown> | undefined;
  huggingface_key_config?: Record<string, unknown> | undefined;
}

export interface ProviderSnapshot {
  name: string;
  keys: ProviderKeySnapshot[];
  network_config?: NetworkSnapshot | undefined;
  concurrency_and_buffer_size?: { concurrency: number; buffer_size: number } | undefined;
  proxy_config?:
    | {
        type: 'none' | 'http' | 'socks5' | 'environment';
        url?: string | undefined;
        username?: string | undefined;
        password?: string | undefined;
        ca_cert_pem?: string | undefined;
      }
    | undefined;
  custom_provider_config?: { base_provider_type?: string | undefined } | undefined;
}

export interface ClientSnapshot {
  drop_excess_requests: boolean;
  enable_logging: boolean;
  disable_content_logging: boolean;
  enforce_auth_on_inference: boolean;
  allow_direct_keys: boolean;
  allowed_origins: string[];
  max_request_body_size_mb: number;
  log_retention_days: number;
  send_extra_fields: boolean;
  unpriced_model_policy: 'allow' | 'deny';
  /**
   * What a model no price entry or the catalogue knows is charged; without one a strict budget
   * refuses such a model (402 `unpriced_model`). The provider's entry wins over the global one.
   */
  unpriced_fallback_price?: FallbackPriceSnapshot | undefined;
  unpriced_fallback_price_by_provider?: Record<string, FallbackPriceSnapshot> | undefined;
  /** Extra metric labels, each filled from the request's `x-bf-prom-<label>` header (Bifrost's). */
  prometheus_labels?: string[] | undefined;
}

/** USD per 1M tokens, like price entries. */
export interface FallbackPriceSnapshot {
  input_per_mtok: number;
  output_per_mtok: number;
}

/** Soft budgets admit the request that crosses the limit; strict ones reserve its worst case. */
export type BudgetMode = 'soft' | 'strict';

export interface BudgetSnapshot {
  id: string;
  /** Integer micro-dollars (1 USD = 1_000_000). */
  max_limit_micros: number;
  reset_duration: string;
  calendar_aligned: boolean;
  mode: BudgetMode;
}

export interface RateLimitSnapshot {
  id: string;
  token_max_limit?: number | undefined;
  token_reset_duration?: string | undefined;
  request_max_limit?: number | undefined;
  request_reset_duration?: string | undefined;
}

export interface LimitRefs {
  budget_id?: string | undefined;
  rate_limit_id?: string | undefined;
}

export interface CustomerSnapshot extends LimitRefs {
  id: string;
  name: string;
}

export interface TeamSnapshot extends CustomerSnapshot {
  customer_id?: string | undefined;
}

export interface VirtualKeyProviderSnapshot extends LimitRefs {
  provider: string;
  weight: number;
  allowed_models: string[];
  key_ids: string[];
}

export interface VirtualKeySnapshot extends LimitRefs {
  id: string;
  name: string;
  /** Hex SHA-256 of the key's value; the value itself never leaves the control plane. */
  valueHash: string;
  is_active: boolean;
  team_id?: string | undefined;
  customer_id?: string | undefined;
  provider_configs: VirtualKeyProviderSnapshot[];
}

export interface ModelConfigSnapshot extends LimitRefs {
  id: string;
  model_name: string;
  provider?: string | undefined;
}

export interface ProviderGovernanceSnapshot extends LimitRefs {
  name: string;
}

export type RoutingScope = 'global' | 'team' | 'customer' | 'virtual_key';

export interface RoutingRuleSnapshot {
  id: string;
  name: string;
  enabled: boolean;
  cel_expression: string;
  targets: Array<{ provider: string; model: string; weight: number; key_id?: string | undefined }>;
  fallbacks: string[];
  scope: RoutingScope;
  scope_id?: string | undefined;
  priority: number;
}

export interface PluginSnapshot {
  name: string;
  enabled: boolean;
  version: number;
  config: Record<string, unknown>;
}

export interface GovernanceSnapshot {
  budgets: BudgetSnapshot[];
  rate_limits: RateLimitSnapshot[];
  customers: CustomerSnapshot[];
  teams: TeamSnapshot[];
  virtual_keys: VirtualKeySnapshot[];
  model_configs: ModelConfigSnapshot[];
  providers: ProviderGovernanceSnapshot[];
  routing_rules: RoutingRuleSnapshot[];
}

/** A snapshot's governance section with nothing in it (fresh arrays each call). */
export function noGovernance(): GovernanceSnapshot {
  return {
    budgets: [],
    rate_limits: [],
    customers: [],
    teams: [],
    virtual_keys: [],
    model_configs: [],
    providers: [],
    routing_rules: [],
  };
}

/** A control-plane price entry overriding the bundled price book; USD per 1M tokens. */
export interface PriceOverrideSnapshot {
  provider: string;
  model: string;
  input: number;
  output: number;
  cache_read?: number | undefined;
  cache_write?: number | undefined;
  /** The tier applies to prompts above this many tokens; 0 is the base price. */
  above_input_tokens: number;
  version: string;
}

export interface GatewaySnapshot {
  /** Monotonic config version; bumps on every change. */
  version: number;
  /** Price-book overrides from the control plane (latest version per provider/model). */
  price_overrides?: PriceOverrideSnapshot[] | undefined;
  client: ClientSnapshot;
  /**
   * Admin auth covers inference: `governance.auth_config.is_enabled` without
   * `disable_auth_on_inference` (Bifrost's default). Callers then need a virtual key or admin
   * credentials. Set by the control plane from its start-up config; absent means false.
   */
  inference_auth_required?: boolean | undefined;
  providers: ProviderSnapshot[];
  governance: GovernanceSnapshot;
  plugins: PluginSnapshot[];
}

/** Published after every committed config change; the gateway then fetches a new snapshot. */
export interface ConfigChangedEvent {
  /** The config version after the change. */
  version: number;
  /** Entity kinds that changed, e.g. ["VirtualKey", "Budget"]. */
  changed: string[];
}
