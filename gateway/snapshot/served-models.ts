/**
 * What `GET /v1/models` (and `/anthropic/v1/models`) lists before the virtual key's filter: the
 * names keys list explicitly (`models`, alias names; compiled into `modelList`), and for each key
 * that allows every model (`models` empty or `*`), what the provider lists for that key (its
 * list-models endpoint, cached in `ProviderModelLists`), else the price catalogue's models for
 * that provider (bundled catalogue, Heimdall's supplement, control-plane price entries). A key's
 * `blacklisted_models` are left out of what it contributes.
 */
import type { ProviderKeySnapshot } from '../../clients/contract/snapshot.ts';
import { SUPPLEMENT_PRICES } from '../pricing/bundled-prices.ts';
import { catalogueModelNames } from '../pricing/catalogue.ts';
import type { CompiledProvider, CompiledSnapshot, ModelListEntry } from '../core/compiled-snapshot.ts';

export function allowsEveryModel(key: ProviderKeySnapshot): boolean {
  return key.models.length === 0 || key.models.includes('*');
}

/** The price catalogue's model names for a provider: the fallback when it lists none itself. */
export function cataloguedModels(snapshot: CompiledSnapshot, provider: string): string[] {
  const names = new Set(catalogueModelNames(provider));
  for (const price of SUPPLEMENT_PRICES) if (price.provider === provider) names.add(price.model);
  for (const price of snapshot.source.price_overrides ?? [])
    if (price.provider === provider) names.add(price.model);
  return [...names];
}

async function providerModels(snapshot: CompiledSnapshot, provider: CompiledProvider): Promise<string[]> {
  // A provider without an adapter serves nothing, so it lists nothing beyond its explicit names.
  const everyModelKeys = provider.adapter === undefined ? [] : provider.keys.filter(allowsEveryModel);
  const lists = await Promise.all(
    everyModelKeys.map((key) => snapshot.providerModels.modelsFor(provider, key)),
  );
  const names = new Set<string>();
  let fallback: string[] | undefined;
  everyModelKeys.forEach((key, index) => {
    const models = lists[index] ?? (fallback ??= cataloguedModels(snapshot, provider.name));
    for (const model of models) if (!key.blacklisted_models.includes(model)) names.add(model);
  });
  return [...names];
}

/** Every `provider/model` served, sorted; only `onlyProvider`'s when given. */
export async function servedModels(
  snapshot: CompiledSnapshot,
  onlyProvider?: string,
): Promise<ModelListEntry[]> {
  const byId = new Map<string, ModelListEntry>();
  for (const entry of snapshot.modelList)
    if (onlyProvider === undefined || entry.provider === onlyProvider) byId.set(entry.id, entry);
  const providers = [...snapshot.providers.values()].filter(
    (provider) => onlyProvider === undefined || provider.name === onlyProvider,
  );
  const discovered = await Promise.all(providers.map((provider) => providerModels(snapshot, provider)));
  providers.forEach((provider, index) => {
    for (const model of discovered[index]!) {
      const id = `${provider.name}/${model}`;
      if (!byId.has(id)) byId.set(id, { id, provider: provider.name, model });
    }
  });
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
