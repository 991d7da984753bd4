/**
 * GatewaySnapshot → CompiledSnapshot, once per config version, off the request path: adapters
 * chosen, network settings defaulted, keys filtered and indexed, the bare-model index and model
 * list built, plugin interceptors compiled. Limiters and connection pools are long-lived and
 * reused across versions (see SharedResources).
 */
import type { GatewaySnapshot, NetworkSnapshot, ProviderSnapshot } from '../../clients/contract/snapshot.ts';
import { DEFAULT_BUFFER_SIZE, DEFAULT_CONCURRENCY, Limiter } from '../upstream/limiter.ts';
import { buildInterceptors } from '../plugins/plugin.ts';
import type { PluginWarning } from '../core/interceptor.ts';
import { adapterFor } from '../providers/registry.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import { resolveEnv } from '../util/env.ts';
import type { DispatchSettings } from '../upstream/types.ts';
import { SILENT_LOGGER } from '../logger.ts';
import { ProviderModelLists } from './model-lists.ts';
import { allowsEveryModel } from './served-models.ts';
import type {
  CompiledProvider,
  CompiledSnapshot,
  ModelListEntry,
  NetworkSettings,
} from '../core/compiled-snapshot.ts';

/** Defaults (Bifrost's): 30 s request timeout, no retries, 500 ms–5 s backoff, 5000 connections. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_MAX_RETRIES = 0;
export const DEFAULT_BACKOFF_INITIAL_MS = 500;
export const DEFAULT_BACKOFF_MAX_MS = 5000;
export const DEFAULT_MAX_CONNS_PER_HOST = 5000;
export const MAX_CONNECT_TIMEOUT_MS = 10_000;
/** @default body limit when `max_request_body_size_mb` is unset (Bifrost's 100 MB). */
export const DEFAULT_MAX_BODY_MB = 100;

export interface SharedResources {
  pools: PoolRegistry;
  limiters: Map<string, Limiter>;
  /** Provider model lists; without it each compiled snapshot gets its own (unlogged) cache. */
  modelLists?: ProviderModelLists;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function networkSettings(network: NetworkSnapshot | undefined): NetworkSettings {
  const raw = (network ?? {}) as NetworkSnapshot & Record<string, unknown>;
  const timeoutMs = (positive(raw.default_request_timeout_in_seconds) ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const initial =
    nonNegative(raw.retry_backoff_initial) ??
    nonNegative(raw.retry_backoff_initial_ms) ??
    DEFAULT_BACKOFF_INITIAL_MS;
  const max =
    nonNegative(raw.retry_backoff_max) ?? nonNegative(raw.retry_backoff_max_ms) ?? DEFAULT_BACKOFF_MAX_MS;
  return {
    timeoutMs,
    streamIdleTimeoutMs: (positive(raw.stream_idle_timeout_in_seconds) ?? timeoutMs / 1000) * 1000,
    maxRetries: Math.floor(nonNegative(raw.max_retries) ?? DEFAULT_MAX_RETRIES),
    backoffInitialMs: initial,
    backoffMaxMs: Math.max(initial, max),
    maxRetryAfterMs: timeoutMs,
    baseUrl: raw.base_url || undefined,
    extraHeaders: raw.extra_headers ?? {},
  };
}

function dispatchSettings(provider: ProviderSnapshot, network: NetworkSettings): DispatchSettings {
  const proxy = provider.proxy_config;
  const settings: DispatchSettings = {
    connections: Math.floor(
      positive(provider.network_config?.max_conns_per_host) ?? DEFAULT_MAX_CONNS_PER_HOST,
    ),
    connectTimeoutMs: Math.min(network.timeoutMs, MAX_CONNECT_TIMEOUT_MS),
    headersTimeoutMs: network.timeoutMs,
  };
  if (proxy && proxy.type !== 'none') {
    settings.proxy = {
      type: proxy.type,
      // Built once per config version, so env.VAR references resolve here rather than per request.
      url: resolveEnv(proxy.url),
      username: resolveEnv(proxy.username),
      password: resolveEnv(proxy.password),
      caCertPem: resolveEnv(proxy.ca_cert_pem),
    };
  }
  return settings;
}

function limiterFor(resources: SharedResources, provider: ProviderSnapshot, dropExcess: boolean): Limiter {
  const concurrency = Math.floor(
    positive(provider.concurrency_and_buffer_size?.concurrency) ?? DEFAULT_CONCURRENCY,
  );
  const buffer = Math.floor(
    nonNegative(provider.concurrency_and_buffer_size?.buffer_size) ?? DEFAULT_BUFFER_SIZE,
  );
  const existing = resources.limiters.get(provider.name);
  if (existing) {
    existing.update(concurrency, buffer, dropExcess);
    return existing;
  }
  const limiter = new Limiter(provider.name, concurrency, buffer, dropExcess);
  resources.limiters.set(provider.name, limiter);
  return limiter;
}

function compileProvider(
  provider: ProviderSnapshot,
  resources: SharedResources,
  dropExcess: boolean,
): CompiledProvider {
  const lookup = adapterFor(provider);
  const network = networkSettings(provider.network_config);
  const enabled = provider.keys.filter((key) => key.enabled);
  let unsupportedReason = 'unsupported' in lookup ? lookup.unsupported : undefined;
  let pools;
  try {
    pools = resources.pools.obtain(provider.name, dispatchSettings(provider, network));
  } catch (error) {
    unsupportedReason = `provider "${provider.name}" is misconfigured: ${error instanceof Error ? error.message : String(error)}`;
    pools = resources.pools.obtain(provider.name, {
      ...dispatchSettings(provider, network),
      proxy: undefined,
    });
  }
  return {
    name: provider.name,
    config: provider,
    adapter: 'adapter' in lookup && unsupportedReason === undefined ? lookup.adapter : undefined,
    unsupportedReason,
    network,
    // `use_for_batch_api` adds batch use; the key still takes normal traffic by its weight (as in Bifrost).
    keys: enabled,
    keysByName: new Map(enabled.map((key) => [key.name, key])),
    limiter: limiterFor(resources, provider, dropExcess),
    pools,
    pickers: new Map(),
  };
}

function indexModels(providers: ReadonlyMap<string, CompiledProvider>) {
  const explicit = new Map<string, string[]>();
  const wildcard: string[] = [];
  const list: ModelListEntry[] = [];
  for (const provider of providers.values()) {
    const names = new Set<string>();
    for (const key of provider.keys) {
      for (const model of key.models) if (model !== '*') names.add(model);
      for (const alias of Object.keys(key.aliases ?? {})) names.add(alias);
    }
    for (const model of names) {
      if (provider.keys.every((key) => key.blacklisted_models.includes(model))) continue;
      const serving = explicit.get(model);
      if (serving) serving.push(provider.name);
      else explicit.set(model, [provider.name]);
      list.push({ id: `${provider.name}/${model}`, provider: provider.name, model });
    }
    if (provider.keys.some(allowsEveryModel)) wildcard.push(provider.name);
  }
  list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { explicit, wildcard, list };
}

export function compileSnapshot(
  snapshot: GatewaySnapshot,
  resources: SharedResources,
  warn: PluginWarning,
): CompiledSnapshot {
  const providers = new Map<string, CompiledProvider>();
  for (const provider of snapshot.providers) {
    providers.set(provider.name, compileProvider(provider, resources, snapshot.client.drop_excess_requests));
  }
  const models = indexModels(providers);
  const bodyMb = positive(snapshot.client.max_request_body_size_mb) ?? DEFAULT_MAX_BODY_MB;
  return {
    version: snapshot.version,
    source: snapshot,
    client: snapshot.client,
    maxBodyBytes: Math.floor(bodyMb * 1024 * 1024),
    providers,
    explicitModels: models.explicit,
    wildcardProviders: models.wildcard,
    modelList: models.list,
    providerModels: resources.modelLists ?? new ProviderModelLists(SILENT_LOGGER),
    interceptors: buildInterceptors(snapshot.plugins, warn),
  };
}
