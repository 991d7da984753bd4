/**
 * The compiled, immutable form of a GatewaySnapshot that requests read: providers indexed by
 * name with their adapter, network settings, limiter and pools; the bare-model index; the
 * interceptors of enabled plugins. A request captures one at its start and keeps it to the end.
 *
 * Upward arrows, on purpose: a compiled provider holds its adapter, limiter, pools and key
 * pickers, so this noun names their types (type-only) from providers/adapter.ts,
 * upstream/limiter.ts, upstream/pools.ts and routing/key-picker.ts. None of those files imports
 * a noun that holds them (CompiledProvider, Target, the context), so no cycle can close here;
 * the alternative, a second interface per machine mirroring its class, would be the duplication
 * issue 17 removes elsewhere.
 */
import type {
  ClientSnapshot,
  GatewaySnapshot,
  ProviderKeySnapshot,
  ProviderSnapshot,
} from '../../clients/contract/snapshot.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import type { KeyPicker } from '../routing/key-picker.ts';
import type { Limiter } from '../upstream/limiter.ts';
import type { UpstreamPools } from '../upstream/pools.ts';
import type { AttemptInterceptor } from './interceptor.ts';
import type { RetryPolicy } from './retry-policy.ts';

export interface NetworkSettings extends RetryPolicy {
  /** `default_request_timeout_in_seconds` in ms. @default 30000 */
  timeoutMs: number;
  /** `stream_idle_timeout_in_seconds` in ms: longest silence inside a stream. @default timeoutMs */
  streamIdleTimeoutMs: number;
  /** `network_config.base_url`, possibly an `env.VAR` reference. */
  baseUrl: string | undefined;
  extraHeaders: Readonly<Record<string, string>>;
}

export interface CompiledProvider {
  name: string;
  /** The provider's configuration as in the snapshot. */
  config: ProviderSnapshot;
  /** Undefined when no adapter exists yet; requests to it fail with `unsupportedReason`. */
  adapter: ProviderAdapter | undefined;
  unsupportedReason: string | undefined;
  network: NetworkSettings;
  /** Enabled keys, batch-flagged ones included (the flag adds batch use, it removes no traffic). */
  keys: readonly ProviderKeySnapshot[];
  /** Every enabled key by name, for `x-bf-api-key` pinning. */
  keysByName: ReadonlyMap<string, ProviderKeySnapshot>;
  limiter: Limiter;
  pools: UpstreamPools;
  /** Memo of key pickers per model name (bounded). */
  pickers: Map<string, KeyPicker | null>;
}

export interface ModelListEntry {
  id: string;
  provider: string;
  model: string;
}

/**
 * What providers list for keys allowing every model (snapshot/model-lists.ts implements it):
 * long-lived, shared across snapshot versions.
 */
export interface ModelListCache {
  /** The key's list, or undefined when the provider has no list endpoint or never answered. */
  modelsFor(provider: CompiledProvider, key: ProviderKeySnapshot): Promise<readonly string[] | undefined>;
  /** Forgets the lists of keys not in `providers`. */
  retainOnly(providers: Iterable<CompiledProvider>): void;
}

export interface CompiledSnapshot {
  version: number;
  source: GatewaySnapshot;
  client: ClientSnapshot;
  maxBodyBytes: number;
  providers: ReadonlyMap<string, CompiledProvider>;
  /** Bare model name → providers whose keys name it (models lists and aliases). */
  explicitModels: ReadonlyMap<string, readonly string[]>;
  /** Providers with at least one key allowing every model. */
  wildcardProviders: readonly string[];
  /** The names keys list explicitly (`models`, aliases), `provider/model`, sorted. */
  modelList: readonly ModelListEntry[];
  /** What providers list for keys allowing every model; long-lived, shared across versions. */
  providerModels: ModelListCache;
  interceptors: readonly AttemptInterceptor[];
}
