/**
 * The models each provider key may use, as the provider itself lists them, for `GET /v1/models`
 * on keys that allow every model. Cached per provider key (its id, value and endpoint), across
 * config versions:
 * - the first listing of a key is awaited, for at most the listing timeout;
 * - a list older than `ttlMs` is still served while one refresh runs in the background;
 * - a failed fetch is logged (Heimdall's reason, never the provider's text) and the last good
 *   list kept; it is tried again after `retryMs`, not on every request.
 * Lists are only fetched when someone lists models, so an idle gateway calls no provider.
 */
import { createHash } from 'node:crypto';
import type { ProviderKeySnapshot } from '../../clients/contract/snapshot.ts';
import type { GatewayLogger } from '../logger.ts';
import type { ListModelsSpec } from '../providers/adapter.ts';
import { fetchModelList, ModelListError } from './fetch-model-list.ts';
import type { CompiledProvider } from '../core/compiled-snapshot.ts';

export interface ModelListTiming {
  /** A list this old is refreshed in the background (still served meanwhile). @default 10 min */
  ttlMs: number;
  /** After a failed fetch, the next try waits this long. @default 1 min */
  retryMs: number;
  /** Longest a listing (all its pages) may take; also bounded by the provider's request timeout. @default 10 s */
  timeoutMs: number;
  now(): number;
}

export const DEFAULT_MODEL_LIST_TIMING: ModelListTiming = {
  ttlMs: 10 * 60_000,
  retryMs: 60_000,
  timeoutMs: 10_000,
  now: () => Date.now(),
};

/** Keys remembered at most (entries of keys gone from the config are dropped on each swap). */
const MAX_CACHED_KEYS = 4096;

interface CachedList {
  /** The last good list; undefined until one fetch succeeded. */
  models: readonly string[] | undefined;
  fetchedAt: number;
  failedAt: number | undefined;
  running: Promise<void> | undefined;
}

function describe(error: unknown): string {
  if (error instanceof ModelListError) return error.message;
  // Transport failures arrive as Heimdall's own GatewayErrors (upstream/error-map.ts): their
  // code says what happened without anything the provider sent.
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'the request failed';
}

export class ProviderModelLists {
  private readonly lists = new Map<string, CachedList>();
  private readonly timing: ModelListTiming;

  constructor(
    private readonly logger: GatewayLogger,
    timing: Partial<ModelListTiming> = {},
  ) {
    this.timing = { ...DEFAULT_MODEL_LIST_TIMING, ...timing };
  }

  /** Which cache entry a key's list lives in: changing the key's value or endpoint starts afresh. */
  static cacheKey(provider: CompiledProvider, key: ProviderKeySnapshot): string {
    const where = provider.adapter?.keyBaseUrl?.(key, provider.config) ?? provider.network.baseUrl ?? '';
    const digest = createHash('sha256').update(`${key.value}\u0000${where}`).digest('base64url');
    return `${provider.name}\u0000${key.id}\u0000${digest}`;
  }

  /**
   * The key's list: the cached one (refreshed in the background once stale), else a fresh fetch
   * awaited within the timeout. Undefined when the provider has no list endpoint or never
   * answered one: the caller falls back to the price catalogue.
   */
  async modelsFor(
    provider: CompiledProvider,
    key: ProviderKeySnapshot,
  ): Promise<readonly string[] | undefined> {
    const spec = provider.adapter?.listModels;
    if (spec === undefined) return undefined;
    const id = ProviderModelLists.cacheKey(provider, key);
    let cached = this.lists.get(id);
    if (cached === undefined) {
      if (this.lists.size >= MAX_CACHED_KEYS) this.lists.clear();
      cached = { models: undefined, fetchedAt: 0, failedAt: undefined, running: undefined };
      this.lists.set(id, cached);
    }
    if (cached.running === undefined && this.due(cached)) {
      const entry = cached;
      entry.running = this.refresh(entry, provider, key, spec).finally(() => {
        entry.running = undefined;
      });
    }
    if (cached.models === undefined && cached.running !== undefined) await cached.running;
    return cached.models;
  }

  /** Forgets the lists of keys not in `providers` (removed keys, changed values or endpoints). */
  retainOnly(providers: Iterable<CompiledProvider>): void {
    const keep = new Set<string>();
    for (const provider of providers)
      for (const key of provider.keys) keep.add(ProviderModelLists.cacheKey(provider, key));
    for (const id of [...this.lists.keys()]) if (!keep.has(id)) this.lists.delete(id);
  }

  private due(cached: CachedList): boolean {
    const now = this.timing.now();
    if (cached.failedAt !== undefined && now - cached.failedAt < this.timing.retryMs) return false;
    return cached.models === undefined || now - cached.fetchedAt >= this.timing.ttlMs;
  }

  private async refresh(
    cached: CachedList,
    provider: CompiledProvider,
    key: ProviderKeySnapshot,
    spec: ListModelsSpec,
  ): Promise<void> {
    const timeoutMs = Math.min(this.timing.timeoutMs, provider.network.timeoutMs);
    try {
      cached.models = await fetchModelList(provider, key, spec, timeoutMs);
      cached.fetchedAt = this.timing.now();
      cached.failedAt = undefined;
    } catch (error) {
      cached.failedAt = this.timing.now();
      this.logger.warn('gateway: listing a provider key’s models failed; keeping the last good list', {
        provider: provider.name,
        key: key.name,
        reason: describe(error),
        kept: cached.models?.length ?? 0,
      });
    }
  }
}
