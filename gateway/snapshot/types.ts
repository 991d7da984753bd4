/**
 * The compiled, immutable form of a GatewaySnapshot that requests read: providers indexed by
 * name with their adapter, network settings, limiter and pools; the bare-model index; the
 * interceptors of enabled plugins. A request captures one at its start and keeps it to the end.
 */
import type {
  ClientSnapshot,
  GatewaySnapshot,
  ProviderKeySnapshot,
  ProviderSnapshot,
} from '../../clients/contract/snapshot.ts';
import type { Limiter } from '../engine/limiter.ts';
import type { RetryPolicy } from '../engine/retry.ts';
import type { AttemptInterceptor } from '../plugins/plugin.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import type { KeyPicker } from '../routing/key-select.ts';
import type { UpstreamPools } from '../upstream/pools.ts';
import type { ProviderModelLists } from './model-lists.ts';

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
  providerModels: ProviderModelLists;
  interceptors: readonly AttemptInterceptor[];
}
